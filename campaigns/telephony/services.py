"""Process telephony callbacks (`storage` writes them raw and reads them back).

Every authenticated delivery is written raw and processed in one commit (`receive`; when processing fails,
the raw event is written again on its own and marked, so a callback is never lost even then; `process_event`
alone re-processes a stored one). A progress callback (ringing and the like) is stored with its verdict in
one statement (`campaigns.telephony.progress`). A final one: the call is matched to its redial request or
attempt, the raw status mapped to an outcome, the attempt recorded through
`campaigns.services.attempts.record_attempt`, which schedules the retry, and the event written with its
result. The event ends as processed, duplicate, progress, unmapped, unmatched, rejected or failed, with the
reason in `error`.

At most one attempt per dial: a final result attaches to its redial request's dial, and a second result
with another call id for a request that already has its attempt is stored as `unmatched` (for a
supervisor to look at), never as a second attempt that could push the contact past its maximum.

Idempotency: an attempt is unique on (provider, call id), and every final event of a call takes the contact's
row lock in `record_attempt` before it decides anything (the order campaigns.services use: contact, then
campaign, then redial requests), so retried, duplicated and reordered deliveries of a call serialize and
create one attempt and one retry. Progress events change nothing but their own row and take no lock: a
partial unique index lets one copy of each (call, SequenceNumber) in as progress (see `progress`).

Replays: a callback whose own time is older than `storage.REPLAY_WINDOW` is refused with 409 before anything is
stored (a captured request replayed later). A repeat inside the window (the provider retrying because it
missed our answer) is answered 200 with status "duplicate", so the provider stops retrying.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from campaigns.models import Attempt, Contact, RedialRequest, WebhookEvent
from campaigns.services import attempts as attempt_services
from campaigns.services import retries as retry_services
from campaigns.services import scheduling
from campaigns.services.contacts import lock_clause, read_scheduling_row, scheduling_select
from campaigns.telephony import parsing, progress, storage
from campaigns.telephony.parsing import ParsedEvent
from retryadmin.lib.jsonapi import JsonError
from retryadmin.lib.rows import instance_from_row
from strategies.models import Outcome, ProviderMapping
from strategies.services import fallback_outcome, resolve_outcome

logger = logging.getLogger(__name__)

ERROR_MAX = 2000


@dataclass(frozen=True)
class EventResult:
    """What processing made of an event, and the HTTP answer it calls for (`error` is "" on success)."""

    event: WebhookEvent
    http_status: int
    error: str = ""
    field: str = ""

    def payload(self) -> dict:
        event = self.event
        data = {"event": event.pk, "status": event.status}
        if event.attempt_id:
            data["attempt"] = event.attempt_id
        if event.outcome_id:
            data["outcome"] = event.outcome.code
        if self.error:
            data.update(error=self.error, field=self.field)
        return data


def reject_event(event: WebhookEvent, error: JsonError) -> EventResult:
    """Mark a stored event rejected with the reason, and return the answer the sender gets."""
    _finish(event, WebhookEvent.REJECTED, error=error.message)
    return EventResult(event, error.status, error.message, error.field)


def _finish(
    event: WebhookEvent, status: str, *, error: str = "", outcome=None, attempt=None, attempt_id: int | None = None
) -> None:
    event.status = status
    event.error = error[:ERROR_MAX]
    event.processed_at = timezone.now()
    fields = ["status", "error", "processed_at"]
    if outcome is not None:
        event.outcome = outcome
        fields.append("outcome")
    if attempt is not None:
        event.attempt = attempt
        fields.append("attempt")
    elif attempt_id is not None:
        event.attempt_id = attempt_id
        fields.append("attempt")
    if event.pk is None:  # receive's event, written once with its result rather than inserted then updated
        event.save(force_insert=True)
    else:
        event.save(update_fields=fields)


# --- processing --------------------------------------------------------------------------------------------


def _active_mappings() -> dict:
    """{(provider, RAW upper-cased): outcome} of every active mapping to an active outcome, and the fallback
    outcome under None: one query, cached per process under the configuration token."""
    mappings = {
        (m.provider, m.raw.strip().upper()): m.outcome
        for m in ProviderMapping.objects.select_related("outcome").filter(is_active=True, outcome__is_active=True)
    }
    mappings[None] = fallback_outcome()
    return mappings


def resolve(parsed: ParsedEvent, token: str | None = None) -> tuple[Outcome | None, str]:
    """The outcome of the first mapping key that has an active mapping, and that key as "provider:raw".
    With the configuration `token` (read with the request), the mappings come from the process's cache.

    Returns (None, first key) when none is mapped: the caller falls back and flags the event unmapped.
    """
    if token is not None:
        mappings = scheduling._cached(token, ("provider_mappings",), _active_mappings)
        for provider, raw in parsed.mapping_keys:
            text = "" if raw is None else str(raw).strip()
            if text and (provider, text.upper()) in mappings:
                return mappings[(provider, text.upper())], f"{provider}:{raw}"
    else:
        for provider, raw in parsed.mapping_keys:
            outcome = resolve_outcome(provider, raw)
            if outcome is not None:
                return outcome, f"{provider}:{raw}"
    provider, raw = parsed.mapping_keys[0] if parsed.mapping_keys else (parsed.provider, parsed.raw_status)
    return None, f"{provider}:{raw}"


def _unmapped_message(key: str, fallback: Outcome) -> str:
    provider, _, raw = key.partition(":")
    return (
        f"No active {provider} mapping for {raw!r}: recorded as {fallback.code} until a supervisor maps it "
        "(then re-process the event)."
    )


def _existing_attempt(provider: str, call_id: str) -> Attempt | None:
    return Attempt.objects.select_related("outcome").filter(provider=provider, provider_call_id=call_id).first()


def _find_request(parsed: ParsedEvent) -> RedialRequest | None:
    """The redial request a final event's call came from: the one the callback names, else the one the dialer
    reported this call id for. Returns None when neither exists; raises 404 when a named request does not exist.

    Runs inside the caller's transaction: the request's contact comes locked and read as
    lock_contact_for_scheduling reads it (record_attempt would take that lock first anyway; its
    `scheduling_config_token` is also the token the provider mappings are cached under), and the request's
    campaign is the contact's. One statement where a lookup, a lock and lazy reads would make several."""
    connection = connections[router.db_for_write(RedialRequest)]
    if parsed.request_id is not None:
        where, params = "WHERE r.id = %(request)s", {"request": parsed.request_id}
    else:
        where, params = "WHERE r.provider_call_id = %(call)s ORDER BY r.id DESC LIMIT 1", {"call": parsed.call_id}
    sql = scheduling_select(connection, (RedialRequest, "r")) + where + lock_clause(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "today": timezone.localdate()})
        row = cursor.fetchone()
    if row is None:
        if parsed.request_id is not None:
            raise parsing.unknown_request(parsed)
        return None
    request, start = instance_from_row(RedialRequest, row, 0, connection)
    contact = read_scheduling_row(row, start, connection)
    request.contact = contact
    if request.campaign_id == contact.campaign_id:
        request.campaign = contact.campaign
    return request


def receive(delivery: storage.Delivery, parsed: ParsedEvent) -> EventResult:
    """Store the delivery raw and process it, in one transaction and so one commit: a progress event is stored with
    its verdict in one statement (`progress.store`); a final one is processed, then written with its result in
    the same transaction. Any fault rolls everything back, and the slow path runs: the event is stored on its own,
    then processed (and marked rejected or failed) as process_event does. Either way the event is stored before
    the provider is answered; a crash before the answer makes the provider deliver it again. Never raises."""
    try:
        if not parsed.is_final:
            event = progress.store(delivery, parsed)
            return _progress_result(event, parsed)
        with transaction.atomic():
            return _process(storage.build_event(delivery, parsed), parsed)
    except Exception:  # nothing of the first try remains; process_event records what went wrong
        return process_event(storage.store_event(delivery, parsed), parsed)


def process_event(event: WebhookEvent, parsed: ParsedEvent | None = None) -> EventResult:
    """Process a stored event (parsing its raw body again when `parsed` is None); never raises.

    A fault while processing rolls back everything the event did, and leaves it `failed` with the error,
    for `reprocess_events` to try again.
    """
    if parsed is None:
        try:
            parsed = storage.parse_stored(event)
        except JsonError as exc:
            return reject_event(event, exc)
    try:
        with transaction.atomic():
            return _process(event, parsed)
    except JsonError as exc:
        return reject_event(event, exc)
    except ValidationError as exc:
        message = "; ".join(exc.messages)
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=WebhookEvent.FAILED, error=message[:ERROR_MAX], processed_at=timezone.now()
        )
        event.refresh_from_db()
        return EventResult(event, 422, message, "")
    except Exception as exc:
        logger.exception("webhook event %s failed", event.pk)
        message = f"Processing failed ({type(exc).__name__}); the event is stored as #{event.pk} for re-processing."
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=WebhookEvent.FAILED, error=f"{type(exc).__name__}: {exc}"[:ERROR_MAX], processed_at=timezone.now()
        )
        event.refresh_from_db()
        return EventResult(event, 500, message, "")


def _progress_result(event: WebhookEvent, parsed: ParsedEvent) -> EventResult:
    refused = progress.refusal(event, parsed)
    if refused is not None:
        return EventResult(event, refused.status, refused.message, refused.field)
    return EventResult(event, 200)


def _process(event: WebhookEvent, parsed: ParsedEvent) -> EventResult:
    if not parsed.is_final:
        status, error, attempt_id = progress.judge(event, parsed)
        _finish(event, status, error=error, attempt_id=attempt_id)
        return _progress_result(event, parsed)

    request = _find_request(parsed)
    if request is None:
        attempt = _existing_attempt(parsed.provider, parsed.call_id)
        if attempt is None:
            raise parsing.unknown_call(parsed)
        _finish(event, WebhookEvent.DUPLICATE, error=progress.ALREADY_RECORDED, attempt=attempt)
        return EventResult(event, 200)

    if request.status not in RedialRequest.OPEN_STATUSES:
        # A retried delivery is answered without mapping or locking. A final event whose request is still
        # open is not one (its first delivery closes the request): record_attempt answers the rare duplicate
        # still in flight under the contact's lock, from the history it reads anyway.
        attempt = _existing_attempt(parsed.provider, parsed.call_id)
        if attempt is not None:
            _finish(event, WebhookEvent.DUPLICATE, error=progress.ALREADY_RECORDED, attempt=attempt)
            return EventResult(event, 200)

    token = request.contact.scheduling_config_token
    outcome, key = resolve(parsed, token)
    status, note = WebhookEvent.PROCESSED, ""
    if outcome is None:
        outcome = scheduling._cached(token, ("provider_mappings",), _active_mappings)[None] if token else None
        outcome = outcome or fallback_outcome()
        status, note = WebhookEvent.UNMAPPED, _unmapped_message(key, outcome)

    # An event not written yet (receive's) is received now; its received_at is set when _finish writes it.
    received_at = event.received_at or timezone.now()
    duration = parsed.duration_seconds or 0
    ended_at = parsed.ended_at or (received_at if parsed.started_at is None else None)
    started_at = parsed.started_at or (ended_at - timedelta(seconds=duration))
    try:
        attempt, created = _record(request, parsed, outcome, started_at, ended_at, duration)
    except attempt_services.DialAlreadyAnswered as answered:
        message = (
            f"Unmatched: redial request {request.pk}'s dial already has its result (attempt {answered.attempt_id}); "
            f"call {parsed.call_id!r} is stored, not recorded as another attempt."
        )
        _finish(event, WebhookEvent.UNMATCHED, error=message, outcome=outcome)
        return EventResult(event, 200)
    if not created:
        _finish(event, WebhookEvent.DUPLICATE, error=progress.ALREADY_RECORDED, attempt=attempt)
        return EventResult(event, 200)
    _finish(event, status, error=note, outcome=outcome, attempt=attempt)
    return EventResult(event, 200)


def _record(request, parsed, outcome, started_at, ended_at, duration):
    return attempt_services.record_attempt(
        campaign=request.campaign,
        contact=request.contact,
        outcome=outcome,
        started_at=started_at,
        ended_at=ended_at,
        duration_seconds=duration,
        provider=parsed.provider,
        provider_call_id=parsed.call_id,
        source=attempt_services.attempt_source_for(request),
        redial_request=request,
        one_per_request=True,
        contact_locked=True,
    )


# --- re-processing -----------------------------------------------------------------------------------------


def reprocess_events(events: QuerySet[WebhookEvent] | list[WebhookEvent]) -> int:
    """Re-map unmapped events after a supervisor added a mapping, and retry failed or unprocessed ones.

    An unmapped event already has its attempt (recorded with the fallback outcome, and scheduled): the
    attempt gets the mapped outcome and, when it is still the contact's latest attempt and nothing has
    taken the contact on since, `schedule_retry` runs again. That replaces the contact's open request
    rather than adding one, so nothing is scheduled twice. Events of other statuses are skipped.

    Returns how many events ended processed.
    """
    done = 0
    for event in events:
        if event.status == WebhookEvent.UNMAPPED:
            done += _remap(event)
        elif event.status in (WebhookEvent.FAILED, WebhookEvent.RECEIVED):
            done += process_event(event).event.status == WebhookEvent.PROCESSED
    return done


def _remap(event: WebhookEvent) -> int:
    try:
        parsed = storage.parse_stored(event)
    except JsonError:
        return 0
    outcome, _key = resolve(parsed)
    if outcome is None or event.attempt_id is None:
        return 0
    with transaction.atomic():
        attempt = Attempt.objects.get(pk=event.attempt_id)
        contact = Contact.objects.select_for_update().get(pk=attempt.contact_id)
        event = WebhookEvent.objects.select_for_update().get(pk=event.pk)
        if event.status != WebhookEvent.UNMAPPED:
            return 0  # another supervisor re-processed it meanwhile
        note = f"Re-mapped to {outcome.code}."
        attempt.outcome = outcome
        attempt.save(update_fields=["outcome"])
        if _may_reschedule(attempt, contact, outcome):
            retry_services.schedule_retry(attempt)
            note += " Retry re-scheduled."
        else:
            note += " The schedule was left as it was: the contact has moved on, or the call connected."
        _finish(event, WebhookEvent.PROCESSED, error=note, outcome=outcome)
    return 1


def _may_reschedule(attempt: Attempt, contact: Contact, outcome: Outcome) -> bool:
    """Whether re-running the schedule for `attempt` is safe: it is the contact's latest attempt, the contact
    is waiting for that retry (no call under way, no wrap-up, not closed by someone) and the new outcome is not
    a connected one (a connected call waits for its wrap-up, which no agent will do after the fact)."""
    if outcome.is_connected:
        return False
    latest = Attempt.objects.filter(contact=contact, campaign_id=attempt.campaign_id).order_by("-number").first()
    if latest is None or latest.pk != attempt.pk:
        return False
    if contact.status not in (Contact.SCHEDULED, Contact.PENDING, Contact.IDLE, Contact.EXHAUSTED, Contact.DONE):
        return False
    if contact.status in (Contact.EXHAUSTED, Contact.DONE) and contact.status_reason != attempt.decision_reason:
        return False  # closed by something other than this attempt's decision (e.g. a supervisor)
    in_flight = (RedialRequest.CLAIMED, RedialRequest.READY, RedialRequest.DIALING)
    return not RedialRequest.objects.filter(
        contact=contact, campaign_id=attempt.campaign_id, status__in=in_flight
    ).exists()
