"""Progress callbacks (Twilio's queued, initiated, ringing, in-progress): stored and judged in one statement.

A progress event changes nothing but its own row, so it needs no lock and no transaction: one
INSERT ... SELECT stores the raw delivery together with the verdict its subqueries reach, in autocommit. The
verdict, the first that holds:

- rejected (404): the callback names a redial request that does not exist, or names none and neither a redial
  request nor an attempt has its call id;
- duplicate, with the attempt: the call already has its attempt (progress arriving after the final status);
- duplicate: an event of the call with the same or a later SequenceNumber already took effect;
- duplicate: the same body already took effect (what catches repeats of callbacks without a SequenceNumber);
- progress.

Concurrency: copies of one callback arriving together carry one SequenceNumber, and the partial unique index
`event_one_progress_per_sequence` lets only one of them in as progress. The INSERT of another copy waits for
that one's commit, does nothing (ON CONFLICT DO NOTHING), and is judged again: it sees the first, and is
stored as a duplicate. Distinct callbacks of one call arriving together (or with the final status) may both
be labelled progress: that is a label only; no attempt or schedule depends on progress events.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from campaigns.models import Attempt, RedialRequest, WebhookEvent
from campaigns.telephony import parsing, storage
from campaigns.telephony.parsing import ParsedEvent
from retryadmin.lib.jsonapi import JsonError
from retryadmin.lib.rows import insert_values, mark_inserted

# Statuses of events that took effect: later copies of the same call are compared with these.
EFFECTIVE_STATUSES = (WebhookEvent.PROGRESS, WebhookEvent.PROCESSED, WebhookEvent.UNMAPPED)
ALREADY_RECORDED = "The call is already recorded."
LATER_SEQUENCE = "An event with a later SequenceNumber is already in."
SAME_CALLBACK = "The same callback was already received."
# The columns the verdict fills in; every other column of the INSERT is the delivery's.
JUDGED_COLUMNS = ("status", "error", "attempt_id")
# A copy that lost the race to the unique index is judged again once it has seen the winner; past this many
# rounds something else is wrong, and the caller's slow path takes over.
MAX_ROUNDS = 3


def store(delivery: storage.Delivery, parsed: ParsedEvent) -> WebhookEvent:
    """Store a progress delivery with its verdict (one INSERT, committed at once); returns the stored event."""
    event = storage.build_event(delivery, parsed)
    event.processed_at = timezone.now()
    values = insert_values(event, connection)
    qn = connection.ops.quote_name
    judged_columns = {qn(column) for column in JUDGED_COLUMNS}
    items = [f"judged.{column}" if column in judged_columns else "%s" for column in values]
    params = [value for column, value in values.items() if column not in judged_columns]
    with_sql, with_params = _verdict_sql(parsed, event.body)
    returned = ", ".join(qn(column) for column in ("id", *JUDGED_COLUMNS))
    sql = (
        f"{with_sql} INSERT INTO {qn(WebhookEvent._meta.db_table)} ({', '.join(values)}) "  # noqa: S608
        f"SELECT {', '.join(items)} FROM judged WHERE TRUE "
        f"ON CONFLICT ({qn('provider')}, {qn('call_id')}, {qn('sequence_number')}) "
        f"WHERE {qn('status')} = '{WebhookEvent.PROGRESS}' DO NOTHING RETURNING {returned}"
    )
    for _ in range(MAX_ROUNDS):
        with connection.cursor() as cursor:
            cursor.execute(sql, with_params + params)
            row = cursor.fetchone()
        if row is not None:
            pk, event.status, event.error, event.attempt_id = row
            mark_inserted(event, pk, connection)
            return event
    raise RuntimeError(f"progress event of call {parsed.call_id!r} kept conflicting with another copy")


def judge(event: WebhookEvent, parsed: ParsedEvent) -> tuple[str, str, int | None]:
    """The (status, error, attempt id) verdict on a progress event already stored (one SELECT); it is compared
    with every other event of its call."""
    with_sql, params = _verdict_sql(parsed, event.body, exclude_pk=event.pk)
    with connection.cursor() as cursor:
        cursor.execute(f"{with_sql} SELECT status, error, attempt_id FROM judged", params)  # noqa: S608
        return cursor.fetchone()


def refusal(event: WebhookEvent, parsed: ParsedEvent) -> JsonError | None:
    """The 404 of a rejected progress event; None for any other verdict."""
    return _unknown(parsed) if event.status == WebhookEvent.REJECTED else None


def _unknown(parsed: ParsedEvent) -> JsonError:
    return parsing.unknown_request(parsed) if parsed.request_id is not None else parsing.unknown_call(parsed)


def _verdict_sql(parsed: ParsedEvent, body: str, exclude_pk: int | None = None) -> tuple[str, list]:
    """A WITH clause whose last table, `judged`, is one row (status, error, attempt_id): the verdict of the module
    docstring on the event of `parsed` with this (stored) `body`; `exclude_pk` leaves the event itself out.

    Each look-up runs once (MATERIALIZED: inlined, PostgreSQL would plan and run them once per reference), and
    the two questions about the call's other events are one scan: 2 when one has the same or a later
    SequenceNumber, 1 when one has the same body."""
    qn = connection.ops.quote_name
    named = parsed.request_id is not None
    request_match = "r.id = %s" if named else "r.provider_call_id = %s"
    exclude = "" if exclude_pk is None else "AND e.id <> %s"
    unknown = "NOT facts.has_request" + ("" if named else " AND facts.attempt_id IS NULL")
    sql = f"""
        WITH facts AS MATERIALIZED (
            SELECT
                (SELECT a.id FROM {qn(Attempt._meta.db_table)} a
                 WHERE a.provider = %s AND a.provider_call_id = %s LIMIT 1) AS attempt_id,
                EXISTS (SELECT 1 FROM {qn(RedialRequest._meta.db_table)} r WHERE {request_match}) AS has_request,
                (SELECT MAX(CASE WHEN e.sequence_number >= %s THEN 2 WHEN e.body = %s THEN 1 ELSE 0 END)
                 FROM {qn(WebhookEvent._meta.db_table)} e
                 WHERE e.provider = %s AND e.call_id = %s AND e.status IN (%s, %s, %s) {exclude}) AS seen
        ),
        verdict AS MATERIALIZED (
            SELECT facts.attempt_id, CASE
                WHEN {unknown} THEN 'unknown'
                WHEN facts.attempt_id IS NOT NULL THEN 'recorded'
                WHEN facts.seen = 2 THEN 'later'
                WHEN facts.seen = 1 THEN 'same'
                ELSE 'progress' END AS verdict
            FROM facts
        ),
        judged AS (
            SELECT
                CASE verdict WHEN 'unknown' THEN %s WHEN 'progress' THEN %s ELSE %s END AS status,
                CASE verdict WHEN 'unknown' THEN %s WHEN 'recorded' THEN %s WHEN 'later' THEN %s WHEN 'same' THEN %s
                    ELSE '' END AS error,
                CASE WHEN verdict = 'recorded' THEN attempt_id END AS attempt_id
            FROM verdict
        )
    """  # noqa: S608  (table names from the models; every value is a parameter)
    params = [
        parsed.provider,
        parsed.call_id,
        parsed.request_id if named else parsed.call_id,
        parsed.sequence_number,  # None: no event is "later", the body decides
        body,
        parsed.provider,
        parsed.call_id,
        *EFFECTIVE_STATUSES,
        *([] if exclude_pk is None else [exclude_pk]),
        WebhookEvent.REJECTED,
        WebhookEvent.PROGRESS,
        WebhookEvent.DUPLICATE,
        _unknown(parsed).message,
        ALREADY_RECORDED,
        LATER_SEQUENCE,
        SAME_CALLBACK,
    ]
    return sql, params
