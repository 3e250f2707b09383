"""The claim's re-check: rules 5, 7, 8, 9 and 10 for a batch of claimed requests, per campaign."""

from __future__ import annotations

from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction

from campaigns.models import Attempt, Campaign, Contact
from campaigns.services import blocking, do_not_call, scheduling
from campaigns.services.rule_histories import RuleHistory, needs_rule_history, rule_histories_for
from strategies import engine

# How far back attempts can still count for "today" in some zone (offsets stay within -12h..+14h).
RECENT_HISTORY = timedelta(days=3)

CLOSED_CONTACT_STATUSES = (Contact.DONE, Contact.EXHAUSTED, Contact.DO_NOT_CALL)


class ClaimedRow(NamedTuple):
    """A request the claim just took, with what the re-check reads of its contact. (A tuple: the claim builds
    one per row straight from the cursor's.)"""

    id: int
    token: str
    campaign_id: int
    contact_id: int
    contact_status: str
    contact_zone: str
    has_recent_attempts: bool  # attempts in the last 3 days: only then can the daily limit refuse it
    listed: bool  # the number is on a do-not-call list the campaign uses (rule 8)


class CampaignCache:
    """One Campaign row and one engine Calendar per campaign per `claim_due` call."""

    def __init__(self):
        self._items: dict[int, tuple[Campaign, engine.Calendar]] = {}
        self._catalog: engine.Catalog | None = None

    def catalog(self) -> engine.Catalog:
        """The outcome catalog attempt rules read (which outcomes connected), once per `claim_due` call."""
        if self._catalog is None:
            self._catalog = scheduling.catalog()
        return self._catalog

    def loaded(self, campaign_id: int) -> bool:
        """Whether `get` answers without a query."""
        return campaign_id in self._items

    def get(self, campaign_id: int) -> tuple[Campaign, engine.Calendar]:
        if campaign_id not in self._items:
            campaign = Campaign.objects.prefetch_related("business_hours", "holidays").get(id=campaign_id)
            self._items[campaign_id] = (campaign, scheduling.calendar_for(campaign))
        return self._items[campaign_id]


def _history(campaign: Campaign, contact_ids: list[int], now: datetime) -> dict[int, list[engine.AttemptRecord]]:
    """Recent attempts of these contacts, for the daily limit: one query per campaign and batch, for the
    contacts the claim saw with recent attempts only (usually none)."""
    records: dict[int, list[engine.AttemptRecord]] = defaultdict(list)
    rows = Attempt.objects.filter(
        campaign_id=campaign.id, contact_id__in=contact_ids, started_at__gte=now - RECENT_HISTORY
    ).values_list("contact_id", "started_at", "outcome__code")
    for contact_id, started_at, outcome in rows:
        records[contact_id].append(engine.AttemptRecord(at=started_at, outcome=outcome))
    return records


def _rule_histories(
    by_campaign: dict[int, list[ClaimedRow]], now: datetime, cache: CampaignCache
) -> tuple[dict[int, RuleHistory], engine.Catalog | None]:
    """Rules 9 and 10 for the batch: the histories of the contacts whose campaign has attempt rules or a
    repeat band, in one set of queries for the whole batch (see `rule_histories.rule_histories_for`), and the
    catalog that says which outcomes connected. ({}, None) when no campaign of the batch has either."""
    contact_ids, window = [], timedelta(0)
    for campaign_id, group in by_campaign.items():
        try:
            _, calendar = cache.get(campaign_id)
        except Exception:  # noqa: S112 - that campaign's own re-check fails the same way and blocks it alone
            continue
        if needs_rule_history(calendar):
            contact_ids.extend(row.contact_id for row in group)
            window = max(window, calendar.history_window)
    if not contact_ids:
        return {}, None
    return rule_histories_for(contact_ids, now - window), cache.catalog()


@dataclass
class Verdicts:
    """What the re-check decided for a batch's rows, applied by the claim in the same transaction."""

    ok: list[ClaimedRow] = field(default_factory=list)
    cancel: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # reason -> ids
    close: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # reason -> ids
    replan: list[tuple[int, datetime, str]] = field(default_factory=list)  # (id, due_at, explanation line)
    listed_contacts: list[int] = field(default_factory=list)  # contacts of requests cancelled by rule 8
    blocked: dict[int, tuple[str, list[int]]] = field(default_factory=dict)  # campaign -> (reason, ids)
    passed: set[int] = field(default_factory=set)  # campaigns whose rows the re-check handled


def recheck_batch(rows: list[ClaimedRow], now: datetime, cache: CampaignCache) -> Verdicts:
    """Rules 5, 7, 8, 9 and 10 at claim time, per campaign. A row's `listed` (rule 8) comes with the claim
    itself (no query of its own); the histories rules 9 and 10 read
    come in one set of queries per batch. Whatever a campaign's data does to the engine (an exception of any
    kind) stays with that campaign: its rows are put back as they were and the campaign is reported blocked,
    in a savepoint so the batch's other campaigns go on."""
    verdicts = Verdicts()
    by_campaign: dict[int, list[ClaimedRow]] = defaultdict(list)
    for row in rows:
        by_campaign[row.campaign_id].append(row)
    rule_histories, rule_catalog = _rule_histories(by_campaign, now, cache)
    for campaign_id, group in by_campaign.items():
        partial = Verdicts()
        # A savepoint only where the re-check reads the database (a database fault aborts the transaction unless
        # rolled back to one); the engine's own faults write nothing and leave the transaction usable.
        guard = transaction.atomic() if _reads_database(campaign_id, group, cache) else nullcontext()
        try:
            with guard:
                _recheck_campaign(campaign_id, group, now, cache, partial, rule_histories, rule_catalog)
        except Exception as exc:
            verdicts.blocked[campaign_id] = (blocking.describe(exc), [row.id for row in group])
            continue
        verdicts.passed.add(campaign_id)
        verdicts.ok.extend(partial.ok)
        for reason, ids in partial.cancel.items():
            verdicts.cancel[reason].extend(ids)
        for reason, ids in partial.close.items():
            verdicts.close[reason].extend(ids)
        verdicts.replan.extend(partial.replan)
        verdicts.listed_contacts.extend(partial.listed_contacts)
    return verdicts


def _daily_limit_contacts(campaign: Campaign, calendar: engine.Calendar, group: list[ClaimedRow]) -> list[int]:
    """The contacts whose recent attempts `_history` reads for the daily limit: those the claim saw with recent
    attempts, in a campaign with a daily limit, unless the batch's rule histories hold all their attempts."""
    if not campaign.daily_attempts or needs_rule_history(calendar):
        return []
    return [r.contact_id for r in group if r.has_recent_attempts]


def _reads_database(campaign_id: int, group: list[ClaimedRow], cache: CampaignCache) -> bool:
    """Whether `_recheck_campaign` will query for this group: the campaign's first batch, or a history read."""
    if not cache.loaded(campaign_id):
        return True
    campaign, calendar = cache.get(campaign_id)
    return bool(_daily_limit_contacts(campaign, calendar, group))


def _recheck_campaign(
    campaign_id: int,
    group: list[ClaimedRow],
    now: datetime,
    cache: CampaignCache,
    verdicts: Verdicts,
    rule_histories: dict[int, RuleHistory],
    rule_catalog: engine.Catalog | None,
) -> None:
    """One campaign's rows, in bulk: one calendar and one history query (none for contacts whose histories
    the batch read for rules 9 and 10); the engine is asked once per contact zone, and once more per contact
    that has attempts (here or, for rules per number, in other campaigns). Verdicts go into `verdicts`."""
    campaign, calendar = cache.get(campaign_id)
    with_history = _daily_limit_contacts(campaign, calendar, group)
    history = _history(campaign, with_history, now) if with_history else {}
    by_zone: dict[str, bool] = {}
    for row in group:
        if row.listed:
            verdicts.cancel[do_not_call.REASON_DO_NOT_CALL].append(row.id)
            verdicts.listed_contacts.append(row.contact_id)
            continue
        if row.contact_status in CLOSED_CONTACT_STATUSES:
            verdicts.cancel[f"contact is {row.contact_status}"].append(row.id)
            continue
        zone = row.contact_zone or None
        records, number_records = history.get(row.contact_id, ()), ()
        if row.contact_id in rule_histories:
            records, number_records = rule_histories[row.contact_id]
        if records or number_records:
            allowed = engine.is_allowed_at(
                calendar, now, records, zone, number_history=number_records, catalog=rule_catalog
            )
        else:
            if row.contact_zone not in by_zone:
                by_zone[row.contact_zone] = engine.is_allowed_at(calendar, now, (), zone)
            allowed = by_zone[row.contact_zone]
        if allowed:
            verdicts.ok.append(row)
            continue
        nxt = engine.next_allowed_at(calendar, now, records, zone, number_history=number_records, catalog=rule_catalog)
        if campaign.ends_at is not None and now > campaign.ends_at:
            verdicts.close[engine.REASON_ENDED].append(row.id)
        elif nxt is None:
            verdicts.close[engine.REASON_NO_WINDOW].append(row.id)
        else:
            why = nxt.explanation or "not allowed now"
            line = f"Dispatch {now:%Y-%m-%d %H:%M} UTC: {why} -> {nxt.at:%Y-%m-%d %H:%M} UTC"
            verdicts.replan.append((row.id, nxt.at, line))
