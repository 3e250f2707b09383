"""Attempts and what follows them: record a call, schedule the retry the engine decides, a call result's redial."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from campaigns.services import best_time, blocking, do_not_call, rule_histories, scheduling
from campaigns.services.contacts import (
    cancel_open_requests,
    close_contact,
    lock_contact_for_scheduling,
    mark_scheduled,
)
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
from strategies.models import CallResult, Outcome


class DialAlreadyAnswered(Exception):
    """A second result for a dial that already has its attempt (`attempt_id`)."""

    def __init__(self, attempt_id: int):
        super().__init__(f"the dial already has its result (attempt {attempt_id})")
        self.attempt_id = attempt_id


# How the explanation of a request held by hold_for_fix begins.
HELD_PREFIX = "Not scheduled:"


def check_attempt_fields(
    *,
    campaign: Campaign,
    contact: Contact,
    outcome,
    source: str,
    started_at,
    ended_at,
    duration_seconds,
    provider: str,
    provider_call_id: str,
) -> None:
    errors: dict[str, str] = {}
    if not isinstance(outcome, Outcome):
        errors["outcome"] = "Give the telephony outcome of the call."
    if source not in dict(Attempt.SOURCE_CHOICES):
        errors["source"] = f"Unknown attempt source {source!r}."
    if contact.campaign_id != campaign.pk:
        errors["contact"] = f"Contact {contact.pk} does not belong to the campaign {campaign.name}."
    if not isinstance(started_at, datetime) or timezone.is_naive(started_at):
        errors["started_at"] = "The start of the call must be a date and time with a time zone."
    if ended_at is not None:
        if not isinstance(ended_at, datetime) or timezone.is_naive(ended_at):
            errors["ended_at"] = "The end of the call must be a date and time with a time zone."
        elif "started_at" not in errors and ended_at < started_at:
            errors["ended_at"] = "The call cannot end before it starts."
    if duration_seconds is not None and (
        isinstance(duration_seconds, bool) or not isinstance(duration_seconds, int) or duration_seconds < 0
    ):
        errors["duration_seconds"] = "The duration must be a whole number of seconds, 0 or more."
    if provider_call_id and not provider:
        errors["provider"] = "A provider call id needs the provider's name."
    if len(provider_call_id) > Attempt._meta.get_field("provider_call_id").max_length:
        errors["provider_call_id"] = "The provider call id is too long."
    if errors:
        raise ValidationError(errors)


def attempt_source_for(request: RedialRequest | None) -> str:
    """How the call report names a call made from `request`: a new lead's call is "Lead", an agent's or
    supervisor's redial "Callback", an automatic retry (and a call with no request) "Auto"."""
    if request is None or request.source == RedialRequest.SOURCE_AUTO:
        return Attempt.SOURCE_AUTO
    if request.source == RedialRequest.SOURCE_LEAD:
        return Attempt.SOURCE_LEAD
    return Attempt.SOURCE_CALLBACK


def record_attempt(
    *,
    campaign: Campaign,
    contact: Contact,
    outcome: Outcome,
    started_at: datetime,
    ended_at: datetime | None = None,
    duration_seconds: int | None = None,
    agent=None,
    provider: str = "",
    provider_call_id: str = "",
    source: str = Attempt.SOURCE_AUTO,
    redial_request: RedialRequest | None = None,
    call_result: CallResult | None = None,
    now: datetime | None = None,
    one_per_request: bool = False,
) -> tuple[Attempt, bool]:
    """Record one finished call and schedule what follows it; returns (attempt, created).

    Idempotent on (provider, provider_call_id) when a call id is given: a repeat returns the existing
    attempt and False, and changes nothing. The redial request the call came from is closed (done). A
    connected call at least the campaign's short-call threshold long puts the contact in wrap-up and
    schedules nothing (ending wrap-up calls `schedule_retry`); any other call is scheduled at once.

    With `one_per_request` (telephony results, the dialer-result deadline), a request that already has an
    attempt is one dial already answered: DialAlreadyAnswered is raised and nothing is written, so no
    number of results can push a contact past its maximum attempts.
    """
    provider = (provider or "").strip()
    provider_call_id = (provider_call_id or "").strip()
    check_attempt_fields(
        campaign=campaign,
        contact=contact,
        outcome=outcome,
        source=source,
        started_at=started_at,
        ended_at=ended_at,
        duration_seconds=duration_seconds,
        provider=provider,
        provider_call_id=provider_call_id,
    )
    if duration_seconds is None and ended_at is not None:
        duration_seconds = int((ended_at - started_at).total_seconds())
    now = now or timezone.now()
    with transaction.atomic():
        # One lock for the whole call: it also brings what schedule_retry needs (campaign, dial plan,
        # configuration token). A duplicate of this call waits here, then sees the first one below.
        locked_contact = lock_contact_for_scheduling(contact.pk)
        # The contact's history replaces a MAX(number) query and the look-ups of this call id and of an
        # attempt of this request: the engine needs it anyway.
        history, numbers, calls, by_request = _attempt_history(locked_contact, campaign)
        if provider_call_id and (provider, provider_call_id) in calls:
            return calls[(provider, provider_call_id)], False
        if one_per_request and redial_request is not None and redial_request.pk in by_request:
            raise DialAlreadyAnswered(by_request[redial_request.pk])
        attempt = Attempt(
            contact=locked_contact,
            campaign=campaign,
            # The number dialled, for attempt rules per number (Attempt.save is bypassed by the INSERT below).
            phone=locked_contact.phone,
            number=max(numbers, default=0) + 1,
            agent=agent,
            started_at=started_at,
            ended_at=ended_at,
            duration_seconds=duration_seconds,
            outcome=outcome,
            call_result=call_result,
            provider=provider,
            provider_call_id=provider_call_id,
            source=source,
            redial_request=redial_request,
        )
        short_threshold = campaign.short_call_seconds
        is_short = short_threshold and duration_seconds is not None and duration_seconds < short_threshold
        wrap_up = locked_contact.status != Contact.DO_NOT_CALL and outcome.is_connected and not is_short
        plan, held = None, ""
        if locked_contact.status != Contact.DO_NOT_CALL and not wrap_up:
            # Decided before the attempt is written, so its decision goes in with it (one INSERT).
            # The new attempt as the database would give it back (in UTC), without reading it back.
            record = AttemptRecord(
                started_at.astimezone(UTC),
                outcome.code,
                call_result.code if call_result is not None else None,
                duration_seconds,
            )
            try:
                plan = _plan_schedule(attempt, locked_contact, [*history, record], now)
            except DatabaseError:
                raise
            except Exception as exc:  # the campaign's data: the contact is held, never lost (hold_for_fix)
                held = blocking.describe(exc)
                _set_decision(attempt, Decision(now, REASON_RETRY, ""), now, _held_explanation(WRAP_UP_STEP, held))
        if not _insert_attempt(attempt):
            # The same call id recorded for another contact meanwhile (the unique constraint).
            existing = _attempt_for_call(provider, provider_call_id)
            if existing is not None:
                return existing, False
            raise IntegrityError(f"attempt {attempt.number} of contact {locked_contact.pk} could not be inserted")
        # When this closes the contact's open request, it was the only one (one open request per contact).
        none_open = redial_request is not None and _close_request_after_call(redial_request, attempt, now)
        if wrap_up:
            locked_contact.status = Contact.WRAP_UP
            locked_contact.status_reason = ""
            locked_contact.save(update_fields=["status", "status_reason", "updated_at"])
            # Whatever was pending is superseded: ending wrap-up decides the next call.
            cancel_open_requests(locked_contact, campaign.pk, "superseded: connected call in wrap-up", now)
        elif plan is not None:
            _apply_plan(plan, locked_contact, now, none_open=none_open)
        elif held:
            hold_for_fix(None, locked_contact, held, now, where=WRAP_UP_STEP)
        # else: do not call. The call is history; nothing may follow it and the do-not-call mark stays.
    attempt.contact = locked_contact
    return attempt, True


WRAP_UP_STEP = blocking.WRAP_UP


def _insert_attempt(attempt: Attempt) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: False (nothing written, the transaction intact) when a
    unique constraint refuses the row. One statement where a savepoint would cost three."""
    fields = [f for f in Attempt._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(attempt, add=True), connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(Attempt._meta.db_table)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING RETURNING id",  # noqa: S608
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    attempt.pk = row[0]
    attempt._state.adding = False
    attempt._state.db = connection.alias
    return True


def _attempt_history(
    contact: Contact, campaign: Campaign
) -> tuple[list[AttemptRecord], list[int], dict[tuple[str, str], Attempt], dict[int, int]]:
    """The contact's attempts in the campaign as engine records, oldest first; their numbers; the attempts by
    (provider, call id); and their ids by redial request. One query: a contact has a handful of attempts."""
    rows = (
        Attempt.objects.filter(contact=contact, campaign=campaign)
        .select_related("outcome", "call_result")
        .order_by("number")
    )
    history, numbers, calls, by_request = [], [], {}, {}
    for attempt in rows:
        numbers.append(attempt.number)
        history.append(
            AttemptRecord(
                attempt.started_at,
                attempt.outcome.code,
                attempt.call_result.code if attempt.call_result is not None else None,
                attempt.duration_seconds,
            )
        )
        if attempt.provider_call_id:
            calls[(attempt.provider, attempt.provider_call_id)] = attempt
        if attempt.redial_request_id is not None:
            by_request.setdefault(attempt.redial_request_id, attempt.pk)
    return history, numbers, calls, by_request


def _attempt_for_call(provider: str, provider_call_id: str) -> Attempt | None:
    if not provider_call_id:
        return None
    return Attempt.objects.filter(provider=provider, provider_call_id=provider_call_id).first()


def _close_request_after_call(request: RedialRequest, attempt: Attempt, now: datetime) -> bool:
    """Close the request the call came from (done); True when it was open."""
    updated = RedialRequest.objects.filter(pk=request.pk, status__in=RedialRequest.OPEN_STATUSES).close(
        RedialRequest.DONE, f"called: attempt {attempt.number}", now
    )
    if updated:
        request.status = RedialRequest.DONE
    return bool(updated)


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


def _held_explanation(where: str, reason: str) -> str:
    return f"{HELD_PREFIX} {where} failed ({reason}); held until the campaign's settings are fixed"


def hold_for_fix(attempt: Attempt | None, contact: Contact, reason: str, now: datetime, *, where: str) -> RedialRequest:
    """Keep a contact whose next call the engine could not decide: block its campaign with `reason`, and
    give it an open request due now that says so. The caller holds the contact's lock."""
    blocking.block_campaign(contact.campaign_id, reason, where=where, now=now)
    explanation = _held_explanation(where, reason)
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
    plan = _plan_schedule(attempt, contact, history, now)
    attempt.save(update_fields=["decision_reason", "decision_explanation", "next_attempt_at"])
    return _apply_plan(plan, contact, now)


@dataclass(frozen=True)
class _Plan:
    reason: str
    due_at: datetime | None
    explanation: str
    opening_at: datetime | None


def _plan_schedule(attempt: Attempt, contact: Contact, history: list[AttemptRecord] | None, now: datetime) -> _Plan:
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
    _set_decision(attempt, decision, due_at, explanation)
    return _Plan(decision.reason, due_at, explanation, opening_at)


def _apply_plan(plan: _Plan, contact: Contact, now: datetime, *, none_open: bool = False) -> RedialRequest | None:
    """Write what `_plan_schedule` decided: the contact's open request, or the contact closed."""
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


def _set_decision(attempt: Attempt, decision: Decision, due_at: datetime | None, explanation: str) -> None:
    attempt.decision_reason = decision.reason
    attempt.decision_explanation = explanation
    attempt.next_attempt_at = due_at


def _store_decision(attempt: Attempt, decision: Decision, due_at: datetime | None, explanation: str) -> None:
    _set_decision(attempt, decision, due_at, explanation)
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


def set_call_result(
    attempt: Attempt, call_result: CallResult | None, *, wrap_up_ended_at: datetime | None = None
) -> Attempt:
    """Keep the call result the agent chose for `attempt` (and, given, when its wrap-up ended); the
    schedule is not touched. Returns `attempt`, updated."""
    fields = {"call_result": call_result}
    if wrap_up_ended_at is not None:
        fields["wrap_up_ended_at"] = wrap_up_ended_at
    Attempt.objects.filter(pk=attempt.pk).update(**fields)
    for name, value in fields.items():
        setattr(attempt, name, value)
    return attempt


def end_wrap_up_without_result(attempt: Attempt, now: datetime) -> None:
    """The call's wrap-up ended at `now` with nothing to add: record_attempt already scheduled it."""
    Attempt.objects.filter(pk=attempt.pk).update(wrap_up_ended_at=now)
    attempt.wrap_up_ended_at = now


def keep_agent_redial(attempt: Attempt, redial: RedialRequest) -> None:
    """The redial the agent added during the call's wrap-up stands as the call's decision (it beats the
    automatic one); a contact still in wrap-up is scheduled by it."""
    with transaction.atomic():
        attempt.decision_reason = REASON_RETRY
        attempt.decision_explanation = f"Redial added in wrap-up: {redial.explanation}"
        attempt.next_attempt_at = redial.due_at
        attempt.save(update_fields=["decision_reason", "decision_explanation", "next_attempt_at"])
        contact = Contact.objects.select_for_update().get(pk=attempt.contact_id)
        if contact.status == Contact.WRAP_UP:
            contact.status = Contact.SCHEDULED
            contact.save(update_fields=["status", "updated_at"])
