"""The attempts attempt rules count: a number's attempts in other campaigns and a batch's rule histories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from django.db import connection

from campaigns.models import Attempt, Campaign, Contact
from strategies.engine import SCOPE_NUMBER, AttemptRecord, Calendar
from strategies.models import CallResult, Outcome

__all__ = [
    "RuleHistory",
    "needs_rule_history",
    "number_history",
    "number_history_for",
    "other_campaigns",
    "rule_histories_for",
    "uses_number_history",
]


def uses_number_history(calendar: Calendar) -> bool:
    """Whether any of the calendar's attempt rules counts the number's attempts in other campaigns."""
    return any(rule.scope == SCOPE_NUMBER for rule in calendar.attempt_rules)


def number_history_for(phones: Iterable[str], since: datetime) -> dict[str, list[tuple[int, AttemptRecord]]]:
    """Every attempt to these phone numbers that started at or after `since`, in any campaign, oldest
    first, by phone: (campaign id, record). One query, over the attempt's (phone, started_at) index."""
    wanted = sorted({phone for phone in phones if phone})
    if not wanted:
        return {}
    rows = (
        Attempt.objects.filter(phone__in=wanted, started_at__gte=since)
        .order_by("started_at", "id")
        .values_list("phone", "campaign_id", "started_at", "outcome__code", "call_result__code", "duration_seconds")
    )
    by_phone: dict[str, list[tuple[int, AttemptRecord]]] = {}
    for phone, campaign_id, started_at, outcome, result, duration in rows:
        by_phone.setdefault(phone, []).append((campaign_id, AttemptRecord(started_at, outcome, result, duration)))
    return by_phone


def other_campaigns(history: Sequence[tuple[int, AttemptRecord]], campaign_id: int) -> list[AttemptRecord]:
    """The records of `number_history_for` made in campaigns other than `campaign_id` (the contact's own
    attempts reach the engine as its attempts)."""
    return [record for other_id, record in history if other_id != campaign_id]


def number_history(
    contact: Contact, campaign: Campaign, calendar: Calendar, first_instant: datetime
) -> list[AttemptRecord]:
    """The attempts to the contact's number in other campaigns that attempt rules may count at
    `first_instant` or later (those started within the calendar's history window before it); no query
    and an empty list when no rule has scope "number"."""
    if not uses_number_history(calendar):
        return []
    since = first_instant - calendar.history_window
    return other_campaigns(number_history_for([contact.phone], since).get(contact.phone, []), campaign.pk)


class RuleHistory(NamedTuple):
    """What attempt rules and the repeat band read for one contact: its attempts in its campaign (oldest
    first, all of them: the repeat band follows the latest however old) and its number's attempts in other
    campaigns since the batch's `since`."""

    own: list[AttemptRecord]
    number: list[AttemptRecord]


def needs_rule_history(calendar: Calendar) -> bool:
    """Whether the calendar has attempt rules or a repeat band, which read the contact's older attempts."""
    return bool(calendar.attempt_rules) or not calendar.avoid_repeat.is_zero


def rule_histories_for(contact_ids: Iterable[int], since: datetime) -> dict[int, RuleHistory]:
    """RuleHistory by contact id for a batch of contacts, whatever the batch's size in one query on
    PostgreSQL (the contacts' own attempts and every attempt to their numbers in other campaigns since
    `since`, over the (contact, started_at) and (phone, started_at) indexes) and three elsewhere. A contact
    id that no longer exists is left out."""
    ids = sorted(set(contact_ids))
    if not ids:
        return {}
    if connection.vendor == "postgresql":
        return _rule_histories_pg(ids, since)
    contacts = {
        pk: (campaign_id, phone)
        for pk, campaign_id, phone in Contact.objects.filter(id__in=ids).values_list("id", "campaign_id", "phone")
    }
    own: dict[int, list[AttemptRecord]] = {pk: [] for pk in contacts}
    rows = (
        Attempt.objects.filter(contact_id__in=ids)
        .order_by("contact_id", "number")
        .values_list("contact_id", "started_at", "outcome__code", "call_result__code", "duration_seconds")
    )
    for contact_id, started_at, outcome, result, duration in rows:
        own[contact_id].append(AttemptRecord(started_at, outcome, result, duration))
    numbers = number_history_for((phone for _, phone in contacts.values()), since)
    return {
        pk: RuleHistory(own[pk], other_campaigns(numbers.get(phone, ()), campaign_id))
        for pk, (campaign_id, phone) in contacts.items()
    }


# Table names come from the models, never from input; values are bound parameters. The ids travel as one
# array parameter: a 500-item IN list costs more to build and parse than the query costs to run. Each
# contact's attempts, and its number's, come by index per contact (LATERAL ... OFFSET 0 keeps PostgreSQL from
# flattening it into a hash join over the whole attempts table, which it picks while that table is small and
# which then costs twice as much as the probes).
_RULE_HISTORIES_PG = f"""
WITH batch AS MATERIALIZED (
    SELECT id, campaign_id, phone FROM {Contact._meta.db_table} WHERE id = ANY(%(ids)s)
)
SELECT b.id, true AS own, a.number, a.started_at, o.code, r.code, a.duration_seconds
FROM batch b
CROSS JOIN LATERAL (
    SELECT a.number, a.started_at, a.outcome_id, a.call_result_id, a.duration_seconds
    FROM {Attempt._meta.db_table} a WHERE a.contact_id = b.id OFFSET 0
) a
JOIN {Outcome._meta.db_table} o ON o.id = a.outcome_id
LEFT JOIN {CallResult._meta.db_table} r ON r.id = a.call_result_id
UNION ALL
SELECT b.id, false, 0, a.started_at, o.code, r.code, a.duration_seconds
FROM batch b
CROSS JOIN LATERAL (
    SELECT a.started_at, a.outcome_id, a.call_result_id, a.duration_seconds
    FROM {Attempt._meta.db_table} a
    WHERE a.phone = b.phone AND a.started_at >= %(since)s AND a.campaign_id <> b.campaign_id OFFSET 0
) a
JOIN {Outcome._meta.db_table} o ON o.id = a.outcome_id
LEFT JOIN {CallResult._meta.db_table} r ON r.id = a.call_result_id
UNION ALL
SELECT b.id, NULL, 0, NULL, NULL, NULL, NULL FROM batch b
"""  # noqa: S608


def _rule_histories_pg(ids: list[int], since: datetime) -> dict[int, RuleHistory]:
    with connection.cursor() as cursor:
        cursor.execute(_RULE_HISTORIES_PG, {"ids": ids, "since": since})
        rows = cursor.fetchall()
    own: dict[int, list[tuple[int, AttemptRecord]]] = {}
    number: dict[int, list[AttemptRecord]] = {}
    for contact_id, is_own, attempt_number, started_at, outcome, result, duration in rows:
        if is_own is None:  # the contact's own row: it exists, even without attempts
            own.setdefault(contact_id, [])
            number.setdefault(contact_id, [])
            continue
        record = AttemptRecord(started_at, outcome, result, duration)
        if is_own:
            own.setdefault(contact_id, []).append((attempt_number, record))
        else:
            number.setdefault(contact_id, []).append(record)
    return {
        pk: RuleHistory(
            [record for _, record in sorted(own[pk], key=lambda pair: pair[0])],
            sorted(number.get(pk, ()), key=lambda record: record.at),
        )
        for pk in own
    }
