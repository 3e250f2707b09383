"""Attempts: record a finished call (scheduling what follows it), keep its call result and wrap-up."""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from campaigns.services import blocking
from campaigns.services.contacts import (
    cancel_open_requests,
    lock_contact_for_scheduling,
)
from campaigns.services.retries import apply_plan, held_explanation, hold_for_fix, plan_schedule, set_decision
from retryadmin.lib.rows import column_list, insert_values, instance_from_row, mark_inserted
from strategies.engine import (
    REASON_RETRY,
    AttemptRecord,
    Decision,
)
from strategies.models import CallResult, Outcome


class DialAlreadyAnswered(Exception):
    """A second result for a dial that already has its attempt (`attempt_id`)."""

    def __init__(self, attempt_id: int):
        super().__init__(f"the dial already has its result (attempt {attempt_id})")
        self.attempt_id = attempt_id


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
    contact_locked: bool = False,
) -> tuple[Attempt, bool]:
    """Record one finished call and schedule what follows it; returns (attempt, created).

    Idempotent on (provider, provider_call_id) when a call id is given: a repeat returns the existing
    attempt and False, and changes nothing. The redial request the call came from is closed (done). A
    connected call at least the campaign's short-call threshold long puts the contact in wrap-up and
    schedules nothing (ending wrap-up calls `schedule_retry`); any other call is scheduled at once.

    With `one_per_request` (telephony results, the dialer-result deadline), a request that already has an
    attempt is one dial already answered: DialAlreadyAnswered is raised and nothing is written, so no
    number of results can push a contact past its maximum attempts.

    With `contact_locked`, the caller has locked `contact` in its transaction, read as
    lock_contact_for_scheduling reads it (the webhooks read it with the redial request), and it is not read again.

    Inside a caller's transaction it takes no savepoint: any other fault it raises leaves that transaction to
    be rolled back (Django refuses further queries in it), so let it end the caller's atomic block.
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
    answered = None
    # No savepoint of its own: in a caller's transaction (as every caller calls it) a savepoint costs two
    # statements, and every caller lets a fault end its transaction. The one refusal a caller goes on after,
    # DialAlreadyAnswered, is raised once the block has ended cleanly, having written nothing.
    with transaction.atomic(savepoint=False):
        # One lock for the whole call: it also brings what schedule_retry needs (campaign, dial plan,
        # configuration token). A duplicate of this call waits here, then sees the first one below.
        locked_contact = contact if contact_locked else lock_contact_for_scheduling(contact.pk)
        # The contact's history replaces a MAX(number) query and the look-ups of this call id and of an
        # attempt of this request: the engine needs it anyway.
        history, numbers, calls, by_request = _attempt_history(locked_contact, campaign)
        if provider_call_id and (provider, provider_call_id) in calls:
            return calls[(provider, provider_call_id)], False
        if one_per_request and redial_request is not None and redial_request.pk in by_request:
            answered = by_request[redial_request.pk]
        else:
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
                    plan = plan_schedule(attempt, locked_contact, [*history, record], now)
                except DatabaseError:
                    raise
                except Exception as exc:  # the campaign's data: the contact is held, never lost (hold_for_fix)
                    held = blocking.describe(exc)
                    set_decision(attempt, Decision(now, REASON_RETRY, ""), now, held_explanation(WRAP_UP_STEP, held))
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
                apply_plan(plan, locked_contact, now, none_open=none_open)
            elif held:
                hold_for_fix(None, locked_contact, held, now, where=WRAP_UP_STEP)
            # else: do not call. The call is history; nothing may follow it and the do-not-call mark stays.
    if answered is not None:
        raise DialAlreadyAnswered(answered)
    attempt.contact = locked_contact
    return attempt, True


WRAP_UP_STEP = blocking.WRAP_UP


def _insert_attempt(attempt: Attempt) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: False (nothing written, the transaction intact) when a
    unique constraint refuses the row. One statement where a savepoint would cost three."""
    values = insert_values(attempt, connection)
    table = connection.ops.quote_name(Attempt._meta.db_table)
    placeholders = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(values)}) VALUES ({placeholders}) ON CONFLICT DO NOTHING RETURNING id",  # noqa: S608
            list(values.values()),
        )
        row = cursor.fetchone()
    if row is None:
        return False
    mark_inserted(attempt, row[0], connection)
    return True


# One hand-written SELECT per vendor: it runs for every call result, and Django's compiler takes longer to
# build it than the database takes to answer it.
_history_sql: dict[str, str] = {}


def _attempt_history(
    contact: Contact, campaign: Campaign
) -> tuple[list[AttemptRecord], list[int], dict[tuple[str, str], Attempt], dict[int, int]]:
    """The contact's attempts in the campaign as engine records, oldest first; their numbers; the attempts by
    (provider, call id); and their ids by redial request. One query: a contact has a handful of attempts."""
    if connection.vendor not in _history_sql:
        quote = connection.ops.quote_name
        attempts, outcomes, results = (quote(m._meta.db_table) for m in (Attempt, Outcome, CallResult))
        _history_sql[connection.vendor] = f"""
SELECT {column_list(Attempt, "a", connection)}, o.code, cr.code
FROM {attempts} a
JOIN {outcomes} o ON o.id = a.outcome_id
LEFT JOIN {results} cr ON cr.id = a.call_result_id
WHERE a.contact_id = %(contact)s AND a.campaign_id = %(campaign)s
ORDER BY a.number
"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(_history_sql[connection.vendor], {"contact": contact.pk, "campaign": campaign.pk})
        rows = cursor.fetchall()
    history, numbers, calls, by_request = [], [], {}, {}
    for row in rows:
        attempt, end = instance_from_row(Attempt, row, 0, connection)
        outcome_code, result_code = row[end], row[end + 1]
        numbers.append(attempt.number)
        history.append(AttemptRecord(attempt.started_at, outcome_code, result_code, attempt.duration_seconds))
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
