"""The agent workspace's actions: join, pause, take a call, wrap it up, and the next call.

Each action is one transaction and locks the agent's AgentSession row first (select_for_update), then
contact rows, then redial request rows: the same order as campaigns.services, so they never deadlock.
Scheduling is never decided here: attempts go through `campaigns.services.attempts.record_attempt`, retries
through `campaigns.services.retries` (`schedule_retry` / `redial_from_call_result`), manual redials through
`add_redial`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from campaigns.models import Attempt, Contact, RedialRequest
from campaigns.services import attempts as attempt_services
from campaigns.services import blocking
from campaigns.services import contacts as contact_services
from campaigns.services import redials as redial_services
from campaigns.services import retries as retry_services
from strategies import engine
from strategies.models import AutoClassification, CallResult, Outcome
from wrapup.models import AgentSession
from wrapup.services.allocation import allocate_next_call
from wrapup.services.sessions import ActionRefused, lock_session, set_state

logger = logging.getLogger(__name__)


NOTES_MAX_LENGTH = 5000


@dataclass(frozen=True)
class WrapUpEnded:
    attempt: Attempt
    call_result: CallResult | None
    redial: RedialRequest | None  # the open request the contact has after wrap-up, if any
    next_contact: Contact | None


@dataclass(frozen=True)
class CallEnded:
    attempt: Attempt
    in_wrap_up: bool
    auto_result: CallResult | None  # set when the outcome was classified automatically
    redial: RedialRequest | None
    next_contact: Contact | None


def auto_classification_for(outcome: Outcome | None) -> CallResult | None:
    """The active call result chosen automatically for `outcome`; None when there is none."""
    if outcome is None:
        return None
    row = (
        AutoClassification.objects.filter(outcome=outcome, call_result__is_active=True)
        .select_related("call_result")
        .first()
    )
    return row.call_result if row else None


def active_call_results():
    return CallResult.objects.filter(is_active=True).order_by("position", "code")


def open_redial_for(contact: Contact) -> RedialRequest | None:
    """The contact's open redial request in its campaign; None when it has none."""
    return RedialRequest.objects.filter(
        contact=contact, campaign_id=contact.campaign_id, status__in=RedialRequest.OPEN_STATUSES
    ).first()


def simulate_call_end(
    session: AgentSession, *, outcome: Outcome, duration_seconds: int, now: datetime | None = None
) -> CallEnded:
    """The agent's allocated call ended with `outcome` after `duration_seconds` (agent-first campaigns
    without a dialer). Recorded through `record_attempt`, as webhooks do.

    The call started when it was offered to the agent (the session entered "in call"), and ended
    `duration_seconds` later: working the start back from the typed duration would show a callback as
    made before it was due.

    A connected call at least the short-call threshold long puts the agent in wrap-up. Any other call
    was scheduled at once by record_attempt (with the outcome's automatic classification as its call
    result), its wrap-up ends at once, and the agent gets the next call: nothing the agent could add
    would change a not-connected call's schedule, so a supervisor wants them dialling, not wrapping up.
    Raises ActionRefused when the agent has no call, ValidationError naming the field for bad input.
    """
    now = now or timezone.now()
    if isinstance(duration_seconds, bool) or not isinstance(duration_seconds, int) or duration_seconds < 0:
        raise ValidationError({"duration_seconds": "The duration must be a whole number of seconds, 0 or more."})
    with transaction.atomic():
        session = lock_session(session.agent)
        if session.state != AgentSession.IN_CALL or session.current_contact_id is None:
            raise ActionRefused("You have no call to end.")
        contact = session.current_contact
        request = session.current_redial
        auto_result = None if outcome.is_connected else auto_classification_for(outcome)
        offered_at = min(session.state_changed_at or now, now)
        attempt, _ = attempt_services.record_attempt(
            campaign=session.campaign,
            contact=contact,
            outcome=outcome,
            started_at=offered_at,
            ended_at=offered_at + timedelta(seconds=duration_seconds),
            duration_seconds=duration_seconds,
            agent=session.agent,
            source=attempt_services.attempt_source_for(request),
            redial_request=request,
            call_result=auto_result,
            now=now,
        )
        if attempt.contact.status == Contact.WRAP_UP:
            start_wrap_up(session, attempt, now=now)
            return CallEnded(attempt, True, None, None, None)
        attempt_services.end_wrap_up_without_result(attempt, now)
        set_state(
            session,
            AgentSession.READY,
            now,
            current_contact=None,
            current_redial=None,
            current_attempt=None,
            wrap_up_deadline_at=None,
        )
    redial = open_redial_for(attempt.contact)
    return CallEnded(attempt, False, auto_result, redial, allocate_next_call(session.agent, now=now))


def start_wrap_up(session: AgentSession, attempt: Attempt, *, now: datetime | None = None) -> AgentSession:
    """Put the agent in wrap-up for `attempt`, with the campaign's after-call-work deadline (none when
    the campaign's timeout is 0). Raises ActionRefused unless the agent is in call."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(session.agent)
        if session.state != AgentSession.IN_CALL:
            raise ActionRefused("Only a call can be wrapped up.")
        timeout = session.campaign.acw_timeout_seconds
        set_state(
            session,
            AgentSession.WRAP_UP,
            now,
            current_attempt=attempt,
            current_contact=attempt.contact,
            current_redial=None,
            wrap_up_deadline_at=now + timedelta(seconds=timeout) if timeout else None,
        )
    return session


def _lock_wrap_up(agent, attempt: Attempt | None) -> AgentSession:
    session = lock_session(agent)
    if session.state != AgentSession.WRAP_UP or session.current_attempt_id is None:
        raise ActionRefused("You are not in wrap-up: this call's wrap-up is over.")
    if attempt is not None and attempt.pk != session.current_attempt_id:
        raise ActionRefused("This call's wrap-up is over.")
    return session


def choose_call_result(
    agent, attempt: Attempt, call_result: CallResult, *, pause_after: bool = False, now: datetime | None = None
) -> WrapUpEnded | None:
    """The agent picks `call_result` for the call in wrap-up. It ends wrap-up at once, unless the campaign
    asks the agent to press End Wrap-Up: then it is only kept, and None is returned.
    Raises ActionRefused when that call is not in wrap-up."""
    now = now or timezone.now()
    if not call_result.is_active:
        raise ValidationError({"call_result": f"{call_result.name} is no longer offered."})
    with transaction.atomic():
        session = _lock_wrap_up(agent, attempt)
        attempt_services.set_call_result(attempt, call_result)
        if session.campaign.requires_end_wrap_up:
            return None
    return end_wrap_up(session, call_result=call_result, pause_after=pause_after, now=now)


def end_wrap_up(
    session: AgentSession,
    *,
    call_result: CallResult | None = None,
    by_system: bool = False,
    pause_after: bool = False,
    now: datetime | None = None,
) -> WrapUpEnded:
    """End the agent's wrap-up and schedule what follows the call, then allocate the next call (or pause
    when `pause_after`).

    The call result is `call_result`, else the one already chosen, else (only when the system ends an
    expired wrap-up) the automatic classification's, else none. Redial and Instant Retry make their
    redial request (redial_from_call_result); other results go to schedule_retry. A redial the agent
    added during this wrap-up stands instead: record_attempt cancelled every open request when the call
    entered wrap-up, so an open one now was made in it, and an explicit request beats the automatic one.
    A final result beats it in turn: the contact is closed and that redial cancelled.

    Raises ActionRefused when not in wrap-up (or, by_system, when the deadline has not passed), and
    ValidationError on call_result when the agent ends wrap-up without one.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock_wrap_up(session.agent, None)
        if by_system and (session.wrap_up_deadline_at is None or session.wrap_up_deadline_at > now):
            raise ActionRefused("The wrap-up has not timed out.")
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("outcome", "contact")
            .get(pk=session.current_attempt_id)
        )
        result = call_result or attempt.call_result
        if result is None and by_system:
            result = auto_classification_for(attempt.outcome)
        if result is None and not by_system:
            raise ValidationError({"call_result": "Choose a call result before ending wrap-up."})
        attempt_services.set_call_result(attempt, result, wrap_up_ended_at=now)
        # A final result ends the contact (rule 1) even when the agent added a redial before choosing it:
        # schedule_retry closes the contact and cancels that redial.
        is_final = result is not None and result.handling == "final"
        manual = None if is_final else open_redial_for(attempt.contact)
        if manual is not None:
            attempt_services.keep_agent_redial(attempt, manual)
            redial = manual
        elif result is not None and result.handling in engine.SELF_REDIALLING:
            redial = _redial_or_hold(attempt, session.agent, now)
        else:
            redial = retry_services.schedule_retry(attempt, now=now)
        set_state(
            session,
            AgentSession.PAUSED if pause_after else AgentSession.READY,
            now,
            current_attempt=None,
            current_contact=None,
            current_redial=None,
            wrap_up_deadline_at=None,
        )
        who = "the system (after-call-work timeout)" if by_system else session.agent.get_username()
        transaction.on_commit(lambda: logger.info("wrap-up of attempt %s ended by %s", attempt.pk, who))
    next_contact = None if pause_after else allocate_next_call(session.agent, now=now)
    return WrapUpEnded(attempt, result, redial, next_contact)


def _redial_or_hold(attempt: Attempt, agent, now: datetime):
    """redial_from_call_result, isolated per campaign: when the campaign's data makes the engine fail, the
    wrap-up still ends and the contact is held (see retry_services.hold_for_fix)."""
    try:
        with transaction.atomic():
            return retry_services.redial_from_call_result(attempt, agent=agent, now=now)
    except (ValidationError, DatabaseError):
        raise
    except Exception as exc:
        contact = Contact.objects.select_for_update().select_related("campaign").get(pk=attempt.contact_id)
        return retry_services.hold_for_fix(attempt, contact, blocking.describe(exc), now, where=blocking.WRAP_UP)


def end_expired_wrap_ups(*, now: datetime | None = None) -> int:
    """End, as the system, every wrap-up past its deadline. Returns how many were ended; one the agent
    ended meanwhile is skipped, and one that fails is logged and left for the next run."""
    now = now or timezone.now()
    ended = 0
    expired = AgentSession.objects.filter(state=AgentSession.WRAP_UP, wrap_up_deadline_at__lte=now).select_related(
        "agent"
    )
    for session in expired:
        try:
            end_wrap_up(session, by_system=True, now=now)
        except ActionRefused:
            continue
        except Exception:
            logger.exception("could not end the expired wrap-up of %s", session.agent)
            continue
        ended += 1
    return ended


def add_wrap_up_redial(
    agent,
    attempt: Attempt,
    *,
    due_at: datetime,
    personal: bool,
    remarks: str = "",
    now: datetime | None = None,
) -> RedialRequest:
    """Add Redial in wrap-up: a redial of the call's contact at `due_at`, personal to the agent or common.
    Raises ActionRefused when that call is not in wrap-up, RedialRefused (naming the next allowed time)
    when the time is not allowed or no attempts are left."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock_wrap_up(agent, attempt)
        return redial_services.add_redial(
            campaign=session.campaign,
            contact=attempt.contact,
            due_at=due_at,
            owner=agent if personal else None,
            remarks=remarks,
            source=RedialRequest.SOURCE_AGENT,
            created_by=agent,
            now=now,
        )


def update_contact_notes(agent, contact: Contact, notes: str) -> Contact:
    """Save the notes of the contact the agent is calling or wrapping up. Raises ActionRefused for any
    other contact, ValidationError on notes when too long."""
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX_LENGTH:
        raise ValidationError({"notes": f"Notes may have at most {NOTES_MAX_LENGTH} characters."})
    with transaction.atomic():
        session = lock_session(agent)
        if session.current_contact_id != contact.pk:
            raise ActionRefused("You can only change the notes of the customer you are calling.")
        return contact_services.update_notes(contact, notes)
