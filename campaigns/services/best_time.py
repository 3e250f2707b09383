"""Best time to call, wired: learn each campaign's connect rates (beat), move a retry to a better hour,
and the tables the dashboard and the contact page show.

The learning and the move are pure (strategies.best_time); this module only counts attempts in the
database, stores the tables and gathers the move's inputs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, ExtractMinute, NullIf, TruncHour
from django.utils import timezone

from campaigns.models import Attempt, Campaign, ConnectRateTable, Contact, RedialRequest
from campaigns.services import scheduling
from strategies import best_time, engine
from strategies.best_time import Cell, Move, RateTable
from strategies.engine import AttemptRecord, Calendar

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# campaign id -> hour of week -> (attempts, connects)
CampaignCounts = dict[int, dict[int, tuple[int, int]]]


# --------------------------------------------------------------------------------------------------
# Learning (beat)


def _zone_info(key: str, cache: dict[str, ZoneInfo]) -> ZoneInfo:
    zone = cache.get(key)
    if zone is None:
        try:
            zone = ZoneInfo(key)
        except (ValueError, KeyError, OSError):
            # A zone changed by hand in the database: count the call in UTC rather than lose it.
            zone = ZoneInfo("UTC")
        cache[key] = zone
    return zone


def connect_counts(since: datetime) -> CampaignCounts:
    """Attempts and connects since `since` per campaign and the contact's local hour of the week, from
    one aggregate query.

    Time-zone arithmetic is not portable SQL, so the query groups by the contact's zone, the UTC hour and
    its half (minute < 30 or not), and each group is placed at the local hour of its half's middle: exact
    for whole- and half-hour offsets.
    """
    rows = (
        Attempt.objects.filter(started_at__gte=since)
        .annotate(utc_minute=ExtractMinute("started_at", tzinfo=UTC))
        .annotate(
            local_zone=Coalesce(NullIf(F("contact__zone"), Value("")), F("campaign__zone")),
            utc_hour=TruncHour("started_at", tzinfo=UTC),
            late_half=Case(When(Q(utc_minute__gte=30), then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .values("campaign_id", "local_zone", "utc_hour", "late_half")
        .annotate(attempts=Count("id"), connects=Count("id", filter=Q(outcome__is_connected=True)))
        .order_by()
    )
    counts: CampaignCounts = {}
    zones: dict[str, ZoneInfo] = {}
    for row in rows:
        middle = row["utc_hour"].astimezone(UTC) + timedelta(minutes=45 if row["late_half"] else 15)
        hour = best_time.hour_of_week(middle, _zone_info(row["local_zone"], zones))
        cells = counts.setdefault(row["campaign_id"], {})
        attempts, connects = cells.get(hour, (0, 0))
        cells[hour] = (attempts + row["attempts"], connects + row["connects"])
    return counts


def refresh_connect_rate_tables(now: datetime | None = None) -> int:
    """Recompute every campaign's connect-rate table from the last BEST_TIME_HISTORY_DAYS of attempts,
    the organisation's table (all campaigns) being each campaign's prior. Returns how many tables were
    written (one per campaign)."""
    now = now or timezone.now()
    counts = connect_counts(now - timedelta(days=settings.BEST_TIME_HISTORY_DAYS))
    organisation: dict[int, tuple[int, int]] = {}
    for cells in counts.values():
        for hour, (attempts, connects) in cells.items():
            total_attempts, total_connects = organisation.get(hour, (0, 0))
            organisation[hour] = (total_attempts + attempts, total_connects + connects)
    prior = best_time.organisation_table(organisation)
    written = 0
    with transaction.atomic():
        for campaign_id in Campaign.objects.values_list("pk", flat=True):
            table = best_time.campaign_table(counts.get(campaign_id, {}), prior)
            ConnectRateTable.objects.update_or_create(
                campaign_id=campaign_id,
                defaults={
                    "cells": [[cell.rate, cell.attempts, cell.connects] for cell in table.cells],
                    "base_rate": table.base_rate,
                    "computed_at": now,
                },
            )
            written += 1
    return written


def table_for(campaign: Campaign) -> RateTable | None:
    """The campaign's stored connect-rate table; None before beat first computed it (or when a stored
    row is not a valid table, e.g. edited by hand)."""
    row = ConnectRateTable.objects.filter(campaign=campaign).values_list("cells", "base_rate").first()
    return None if row is None else table_from_cells(*row)


def table_from_cells(cells, base_rate) -> RateTable | None:
    """A RateTable from a ConnectRateTable's stored cells and base rate; None when they are not a valid
    table (edited by hand in the database)."""
    try:
        return RateTable(tuple(Cell(float(rate), int(a), int(c)) for rate, a, c in cells), float(base_rate))
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------------------------------
# Use: moving a retry


def _connected(record: AttemptRecord, catalog: engine.Catalog) -> bool:
    outcome = catalog.outcomes.get(record.outcome)
    return outcome is not None and outcome.is_connected


def slot_counts(campaign: Campaign, contact: Contact, start: datetime, end: datetime) -> Counter[int]:
    """The campaign's open redial requests (other contacts') per 15-minute slot between start and end
    (one query)."""
    due = RedialRequest.objects.filter(
        campaign=campaign, status__in=RedialRequest.OPEN_STATUSES, due_at__gte=start, due_at__lte=end
    ).exclude(contact=contact)
    return Counter(best_time.slot_index(instant) for instant in due.values_list("due_at", flat=True))


def move_retry(
    campaign: Campaign,
    contact: Contact,
    decided_at: datetime,
    history: Sequence[AttemptRecord],
    calendar: Calendar,
    number_records: Sequence[AttemptRecord],
    token: str | None,
) -> Move | None:
    """Where best time to call moves the retry the engine decided for `decided_at`, or None: the option
    is off, beat has not computed the campaign's table yet, or no later slot is enough better, allowed
    (every rule the engine checked, on the same history) and not full. `token` is the configuration
    token the decision was made under (its catalog is reused)."""
    if not campaign.best_time_enabled:
        return None
    table = table_for(campaign)
    if table is None:
        return None
    catalog = scheduling.catalog_for_token(token)
    zone = scheduling.contact_zone(contact)
    own = best_time.contact_counts(((r.at, _connected(r, catalog)) for r in history), zone)
    table = best_time.contact_table(own, table)
    max_shift = timedelta(hours=campaign.best_time_max_shift_hours)

    def is_allowed(instant: datetime) -> bool:
        return engine.is_allowed_at(calendar, instant, history, zone, number_history=number_records, catalog=catalog)

    return best_time.best_time_move(
        decided_at,
        campaign_zone=campaign.zone,
        contact_zone=zone,
        is_allowed=is_allowed,
        table=table,
        max_shift=max_shift,
        min_gain=campaign.best_time_min_gain_percent / 100,
        slot_counts=slot_counts(campaign, contact, decided_at, decided_at + max_shift),
        capacity_per_hour=campaign.best_time_capacity_per_hour,
    )


# --------------------------------------------------------------------------------------------------
# See


def _shade(rate: float, top: float) -> float:
    return round(0.08 + 0.72 * (rate / top), 2) if top > 0 else 0.08


def heatmap(table: RateTable) -> list[dict]:
    """Rows for the dashboard's heatmap: one per weekday, each with 24 cells of the hour's rate (%), the
    calls behind it and a background opacity scaled to the table's best hour."""
    top = max(cell.rate for cell in table.cells)
    rows = []
    for day, name in enumerate(WEEKDAYS):
        cells = []
        for clock in range(24):
            cell = table.cells[day * 24 + clock]
            cells.append(
                {
                    "hour": f"{clock:02d}:00",
                    "percent": round(cell.rate * 100),
                    "attempts": cell.attempts,
                    "connects": cell.connects,
                    "opacity": _shade(cell.rate, top),
                }
            )
        rows.append({"day": name, "cells": cells})
    return rows


def contact_answered_hours(contact: Contact) -> list[dict]:
    """The contact's own calls by its local weekday and hour, most calls first: [{day, hour, attempts,
    answered}]; empty before its first call."""
    records = Attempt.objects.filter(contact=contact).values_list("started_at", "outcome__is_connected")
    counts = best_time.contact_counts(records, scheduling.contact_zone(contact))
    rows = []
    for hour, (attempts, answered) in sorted(counts.items()):
        day, clock = divmod(hour, 24)
        rows.append({"day": WEEKDAYS[day], "hour": f"{clock:02d}:00", "attempts": attempts, "answered": answered})
    return rows
