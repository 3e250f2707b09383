"""What follows a call: the retry the engine decides, a call result's own redial, a contact held for a fix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, transaction
from django.utils import timezone

from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from campaigns.services import best_time, blocking, do_not_call, rule_histories, scheduling
from campaigns.services.contacts import close_contact, lock_contact_for_scheduling, mark_scheduled
from campaigns.services.queue import queue_after_opening
from campaigns.services.redials import replace_open_request
from retryadmin.lib.localtime import local_clock, zone_of
from strategies.durations import add_delay, format_delay
from strategies.engine import (
    REASON_ENDED,
    REASON_NO_WINDOW,
    REASON_RETRY,
    SELF_REDIALLING,
    AttemptRecord,
    Decision,
    result_redial_delay,
)

# How the explanation of a request held by hold_for_fix begins.
HELD_PREFIX = "Not scheduled:"


def schedule_retry(attempt: Attempt, *, now: datetime | None = None) -> RedialRequest | None:
    """Run the engine on the contact's history up to `attempt`, store its decision on the attempt, and
    either write the contact's (single) open redial request or close the contact. With the campaign's
    best time to call on, a retry may move later to a better hour (campaigns.services.best_time), the
    move's reason appended to the decision's explanation.

    Returns the new request, or None when no retry was scheduled: the contact is then `done` (final
    outcome) or `exhausted` (maximum attempts, no rule, no calling window, campaign ended), with the
    engine's reason as its status_reason, and its open requests are cancelled; or it is marked do not
    call, and nothing is decided or changed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        contact = lock_contact_for_scheduling(attempt.contact_id)
        return schedule_or_hold(attempt, contact, None, now, where=blocking.WRAP_UP)


def schedule_or_hold(
    attempt: Attempt, contact: Contact, history: list[AttemptRecord] | None, now: datetime, *, where: str
) -> RedialRequest | None:
    """`_schedule_locked`, isolated per campaign: when the campaign's data makes the engine fail (anything
    but a database error), the campaign is marked blocked with the reason and the contact is held, never
    lost: a request due now says why, and waits (dispatch and allocation leave a blocked campaign alone)
    until the settings are fixed. Returns what `_schedule_locked` returns, or the held request."""
    try:
        return _schedule_locked(attempt, contact, history, now)
    except DatabaseError:
        raise
    except Exception as exc:
        return hold_for_fix(attempt, contact, blocking.describe(exc), now, where=where)


def held_explanation(where: str, reason: str) -> str:
    """The explanation of a request held by hold_for_fix because `where` failed with `reason`."""
    return f"{HELD_PREFIX} {where} failed ({reason}); held until the campaign's settings are fixed"


def hold_for_fix(attempt: Attempt | None, contact: Contact, reason: str, now: datetime, *, where: str) -> RedialRequest:
    """Keep a contact whose next call the engine could not decide: block its campaign with `reason`, and
    give it an open request due now that says so. The caller holds the contact's lock."""
    blocking.block_campaign(contact.campaign_id, reason, where=where, now=now)
    explanation = held_explanation(where, reason)
    if attempt is not None:
        _store_decision(attempt, Decision(now, REASON_RETRY, explanation), now, explanation)
    request = replace_open_request(
        contact,
        contact.campaign,
        due_at=now,
        source=RedialRequest.SOURCE_AUTO,
        owner=None,
        explanation=explanation,
        now=now,
    )
    mark_scheduled(contact)
    return request


def _schedule_locked(
    attempt: Attempt, contact: Contact, history: list[AttemptRecord] | None, now: datetime
) -> RedialRequest | None:
    """schedule_retry for a contact the caller locked with lock_contact_for_scheduling, inside its
    transaction. `history` is the contact's attempt records up to and including `attempt` when the caller
    has them (None reads them). Returns None as schedule_retry does."""
    if contact.status == Contact.DO_NOT_CALL:
        return None
    plan = plan_schedule(attempt, contact, history, now)
    attempt.save(update_fields=["decision_reason", "decision_explanation", "next_attempt_at"])
    return apply_plan(plan, contact, now)


@dataclass(frozen=True)
class SchedulePlan:
    """What plan_schedule decided, before anything is written; apply_plan writes it."""

    reason: str
    due_at: datetime | None
    explanation: str
    opening_at: datetime | None


def plan_schedule(
    attempt: Attempt, contact: Contact, history: list[AttemptRecord] | None, now: datetime
) -> SchedulePlan:
    """What `_schedule_locked` decides, with nothing written: the decision is set on `attempt` (unsaved)."""
    campaign = contact.campaign
    attempt.contact = contact
    attempt.campaign = campaign
    token = contact.scheduling_config_token
    calendar = scheduling.cached_calendar(campaign, token)
    # A caller's history ends with `attempt`, the contact's latest: it is then every attempt the queue needs.
    all_attempts = history
    if history is None:
        history = scheduling.attempt_records(contact, campaign, up_to_number=attempt.number)
    listed = contact.on_do_not_call_list
    if history and history[-1].result == do_not_call.CALL_RESULT_CODE:
        _list_from_call_result(attempt, contact, campaign, now)
        listed = True
    decision = scheduling.decide_from_history(attempt, history, calendar=calendar, token=token, do_not_call=listed)
    due_at, explanation, opening_at = decision.next_attempt_at, decision.explanation, None
    if decision.is_retry and decision.moved_to_opening and decision.opening_at is not None:
        due_at, explanation, opening_at = queue_after_opening(
            campaign, contact, calendar, decision.opening_at, due_at, explanation, all_attempts
        )
        if due_at is None:
            decision = Decision(None, _reason_when_nothing_allowed(campaign, decision.candidate_at), explanation)
    elif decision.is_retry and due_at is not None and campaign.best_time_enabled:
        number_records = rule_histories.number_history(contact, campaign, calendar, attempt.started_at)
        move = best_time.move_retry(campaign, contact, due_at, history, calendar, number_records, token)
        if move is not None:
            due_at, explanation = move.at, f"{explanation}; best time to call {move.explanation}"
    set_decision(attempt, decision, due_at, explanation)
    return SchedulePlan(decision.reason, due_at, explanation, opening_at)


def apply_plan(plan: SchedulePlan, contact: Contact, now: datetime, *, none_open: bool = False) -> RedialRequest | None:
    """Write what `plan_schedule` decided: the contact's open request, or the contact closed."""
    if plan.due_at is None:
        close_contact(contact, plan.reason, now)
        return None
    request = replace_open_request(
        contact,
        contact.campaign,
        due_at=plan.due_at,
        source=RedialRequest.SOURCE_AUTO,
        owner=None,
        explanation=plan.explanation,
        queue_opening_at=plan.opening_at,
        now=now,
        none_open=none_open,
    )
    mark_scheduled(contact)
    return request


def _list_from_call_result(attempt: Attempt, contact: Contact, campaign: Campaign, now: datetime) -> None:
    """Rule 8: the agent's "Do Not Call" call result puts the number on the campaign's list."""
    do_not_call.add_number(
        do_not_call.campaign_list(campaign),
        contact.phone,
        source=do_not_call.DoNotCallEntry.Source.AGENT,
        by=attempt.agent,
        reason=f"Call result Do Not Call, attempt {attempt.number}",
        now=now,
        stored_phone=True,
    )


def _reason_when_nothing_allowed(campaign: Campaign, after: datetime | None) -> str:
    if campaign.ends_at is not None and (after is None or after >= campaign.ends_at):
        return REASON_ENDED
    return REASON_NO_WINDOW


def set_decision(attempt: Attempt, decision: Decision, due_at: datetime | None, explanation: str) -> None:
    """Put the decision on `attempt` without saving it."""
    attempt.decision_reason = decision.reason
    attempt.decision_explanation = explanation
    attempt.next_attempt_at = due_at


def _store_decision(attempt: Attempt, decision: Decision, due_at: datetime | None, explanation: str) -> None:
    set_decision(attempt, decision, due_at, explanation)
    attempt.save(update_fields=["decision_reason", "decision_explanation", "next_attempt_at"])


def redial_from_call_result(attempt: Attempt, *, agent, now: datetime | None = None) -> RedialRequest | None:
    """The redial a call result makes by itself: `redial` (the campaign's redial delay from now, personal
    to `agent`, source agent) or `instant` (now, common, source instant), moved to the next allowed time
    when needed. Use it instead of `schedule_retry` for those results.

    Returns None for call results with another handling (or no call result), for a contact marked do not
    call, and when no redial may be made: the contact is then closed as schedule_retry would (final,
    maximum attempts, no calling time).
    """
    result = attempt.call_result
    if result is None or result.handling not in SELF_REDIALLING:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        contact = lock_contact_for_scheduling(attempt.contact_id)
        if contact.status == Contact.DO_NOT_CALL:
            return None
        campaign = contact.campaign
        attempt.contact, attempt.campaign = contact, campaign
        token = contact.scheduling_config_token
        calendar = scheduling.cached_calendar(campaign, token)
        history = scheduling.attempt_records(contact, campaign, up_to_number=attempt.number)
        decision = scheduling.decide_from_history(
            attempt, history, calendar=calendar, token=token, do_not_call=contact.on_do_not_call_list
        )
        if not decision.is_retry and decision.reason not in (REASON_NO_WINDOW, REASON_ENDED):
            _store_decision(attempt, decision, None, decision.explanation)
            close_contact(contact, decision.reason, now)
            return None
        is_redial = result.handling == "redial"
        delay, _ = result_redial_delay(calendar, result.handling)
        started_from = max(now, attempt.ended_at or attempt.started_at)
        candidate = add_delay(started_from, delay, zone_of(campaign.zone))
        allowed = scheduling.next_allowed_for(campaign, contact, candidate, calendar=calendar)
        text = f"{result.name} at {local_clock(started_from, campaign.zone, started_from)}" + (
            f" +{format_delay(delay)} redial delay" if is_redial else ""
        )
        if allowed is None:
            reason = _reason_when_nothing_allowed(campaign, candidate)
            _store_decision(attempt, Decision(None, reason, ""), None, f"{text}: no allowed calling time: no retry")
            close_contact(contact, reason, now)
            return None
        if allowed.explanation:
            text = f"{text}, {allowed.explanation}"
        elif allowed.at > now:
            text = f"{text} = {local_clock(allowed.at, campaign.zone, started_from)}"
        _store_decision(attempt, Decision(allowed.at, REASON_RETRY, text), allowed.at, text)
        request = replace_open_request(
            contact,
            campaign,
            due_at=allowed.at,
            source=RedialRequest.SOURCE_AGENT if is_redial else RedialRequest.SOURCE_INSTANT,
            owner=agent if is_redial else None,
            explanation=text,
            created_by=agent,
            now=now,
        )
        mark_scheduled(contact)
    return request
