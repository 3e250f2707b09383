"""Best time to call: learn when contacts answer, and move a retry to an hour when they answer more.

Pure Python (no Django import), beside the engine. Two halves:

Learning (counts in, table out). Counts are attempts and connects per local hour of the week of the
contact (0 = Monday 00:00-01:00 ... 167 = Sunday 23:00-24:00), as one aggregate query gives them. The
tables are Beta-Binomial posterior means: a cell with `a` attempts and `c` connects whose prior rate is
`p` and prior strength `s` (in pseudo-attempts) has rate (c + s*p) / (a + s), so a cell with few calls
stays near its prior and a cell with many calls speaks for itself. The chain of priors:

- `organisation_table`: each cell is smoothed towards the organisation's rate at the same hour of the
  day on the same kind of day (Monday-Friday pooled, Saturday, Sunday), which is itself smoothed towards
  the organisation's global rate. Pooling the weekdays lets Monday's calls inform Tuesday's cells while
  Tuesday has none of its own yet.
- `campaign_table`: each cell is smoothed towards the organisation's cell.
- `contact_table`: one contact's own attempts and connects blended with the campaign table as prior, so
  the hours a contact answered raise its estimate there (and its unanswered hours lower it). A contact's
  call at some hour also counts, with a weight, at the same hour of the other days of the same kind.

Use. `best_time_move` takes the instant the engine decided for a retry and may move it later, to an
hour whose expected connect rate is enough higher, within a maximum shift, inside allowed time (the
caller's predicate) and into a 15-minute slot that the campaign's capacity does not already fill.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_CAMPAIGN_PRIOR_STRENGTH",
    "DEFAULT_CONTACT_PRIOR_STRENGTH",
    "DEFAULT_ORGANISATION_PRIOR_STRENGTH",
    "DEFAULT_RATE",
    "DEFAULT_SAME_HOUR_WEIGHT",
    "HOURS_PER_WEEK",
    "SAME_HOUR_TOMORROW",
    "SLOT_SECONDS",
    "Cell",
    "Move",
    "RateTable",
    "best_time_move",
    "campaign_table",
    "contact_counts",
    "contact_table",
    "hour_of_week",
    "organisation_table",
    "slot_capacity",
    "slot_index",
    "slot_start",
]

HOURS_PER_WEEK = 168
SLOT_SECONDS = 15 * 60
# "To the same hour tomorrow": the largest shift the option offers.
SAME_HOUR_TOMORROW = timedelta(hours=24)
# The rate assumed before the organisation has placed a single call (only its level shows; a table
# without data is flat, and a flat table never moves a retry).
DEFAULT_RATE = 0.2
# Prior strengths, in pseudo-attempts. In bench/best_time.py the contacts reached barely moved with the
# contact's prior strength (1-4) and same-hour weight (0.5-1); the weight is 1 so that a contact's own
# unanswered call does not make the same hour tomorrow look better than today's.
DEFAULT_ORGANISATION_PRIOR_STRENGTH = 50.0
DEFAULT_CAMPAIGN_PRIOR_STRENGTH = 100.0
DEFAULT_CONTACT_PRIOR_STRENGTH = 4.0
DEFAULT_SAME_HOUR_WEIGHT = 1.0

_DAY = 86400
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# 1970-01-01 was a Thursday (weekday 3, Monday being 0).
_EPOCH_WEEKDAY = 3

# hour of week -> (attempts, connects)
Counts = Mapping[int, tuple[int, int]]


# --------------------------------------------------------------------------------------------------
# Tables


@dataclass(frozen=True)
class Cell:
    """One hour of the week: the smoothed connect rate and the calls behind it."""

    rate: float
    attempts: int = 0
    connects: int = 0


@dataclass(frozen=True)
class RateTable:
    """Connect rate by local hour of the week: 168 cells, Monday 00:00 first.

    base_rate is the overall rate the table was smoothed towards (shown beside the heatmap).
    """

    cells: tuple[Cell, ...]
    base_rate: float

    def __post_init__(self):
        cells = tuple(self.cells)
        if len(cells) != HOURS_PER_WEEK:
            raise ValueError(f"cells: need {HOURS_PER_WEEK} cells (one per hour of the week), not {len(cells)}")
        for hour, cell in enumerate(cells):
            if not isinstance(cell, Cell):
                raise ValueError(f"cells[{hour}]: expected a Cell, not {type(cell).__name__}")
            if not 0.0 <= cell.rate <= 1.0:
                raise ValueError(f"cells[{hour}]: rate {cell.rate!r} is not between 0 and 1")
        if not 0.0 <= self.base_rate <= 1.0:
            raise ValueError(f"base_rate: {self.base_rate!r} is not between 0 and 1")
        object.__setattr__(self, "cells", cells)

    @classmethod
    def from_rates(cls, rates: Sequence[float], base_rate: float | None = None) -> RateTable:
        """A table of known rates with no calls behind them (tests, what-if previews, the bench's oracle).
        base_rate defaults to the mean of the rates."""
        rates = [float(rate) for rate in rates]
        if len(rates) != HOURS_PER_WEEK:
            raise ValueError(f"rates: need {HOURS_PER_WEEK} rates (one per hour of the week), not {len(rates)}")
        if base_rate is None:
            base_rate = sum(rates) / HOURS_PER_WEEK
        return cls(tuple(Cell(rate) for rate in rates), base_rate)

    @classmethod
    def flat(cls, rate: float = DEFAULT_RATE) -> RateTable:
        return cls((Cell(rate),) * HOURS_PER_WEEK, rate)

    def rate(self, hour: int) -> float:
        return self.cells[hour].rate

    @property
    def is_flat(self) -> bool:
        first = self.cells[0].rate
        return all(cell.rate == first for cell in self.cells)

    @property
    def attempts(self) -> int:
        return sum(cell.attempts for cell in self.cells)

    @property
    def connects(self) -> int:
        return sum(cell.connects for cell in self.cells)


def _checked_counts(counts: Counts, what: str) -> list[tuple[int, int]]:
    """The counts as a list of 168 (attempts, connects); ValueError naming the bad entry."""
    table = [(0, 0)] * HOURS_PER_WEEK
    for hour, pair in counts.items():
        if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour < HOURS_PER_WEEK:
            raise ValueError(f"{what}: hour of week {hour!r} is not a whole number from 0 to {HOURS_PER_WEEK - 1}")
        try:
            attempts, connects = pair
        except (TypeError, ValueError):
            raise ValueError(f"{what}[{hour}]: expected (attempts, connects), not {pair!r}") from None
        for name, value in (("attempts", attempts), ("connects", connects)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{what}[{hour}]: {name} must be a whole non-negative number, not {value!r}")
        if connects > attempts:
            raise ValueError(f"{what}[{hour}]: {connects} connects is more than {attempts} attempts")
        table[hour] = (attempts, connects)
    return table


def _checked_strength(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or math.isinf(value):
        raise ValueError(f"{what}: the prior strength must be a positive number of calls, not {value!r}")
    return float(value)


def _day_kind(hour: int) -> int:
    """0 for Monday-Friday, 1 for Saturday, 2 for Sunday."""
    return max(0, hour // 24 - 4)


def _same_kind_hours(hour: int) -> tuple[int, ...]:
    """The same hour of the day on every day of the same kind as `hour` (itself included)."""
    day, clock = divmod(hour, 24)
    if day < 5:
        return tuple(d * 24 + clock for d in range(5))
    return (hour,)


def organisation_table(
    counts: Counts,
    *,
    prior_strength: float = DEFAULT_ORGANISATION_PRIOR_STRENGTH,
    default_rate: float = DEFAULT_RATE,
) -> RateTable:
    """The organisation's table from its counts per hour of week (all its campaigns).

    Each cell is smoothed towards the organisation's rate at that hour of the day on that kind of day
    (Monday-Friday together, Saturday, Sunday), itself smoothed towards the global rate (connects /
    attempts, or default_rate before any call), both with `prior_strength` pseudo-attempts.
    """
    cells = _checked_counts(counts, "counts")
    strength = _checked_strength(prior_strength, "prior_strength")
    if not 0.0 <= default_rate <= 1.0:
        raise ValueError(f"default_rate: {default_rate!r} is not between 0 and 1")
    total_attempts = sum(a for a, _ in cells)
    total_connects = sum(c for _, c in cells)
    base = total_connects / total_attempts if total_attempts else float(default_rate)
    pooled: dict[tuple[int, int], float] = {}
    result = []
    for hour, (attempts, connects) in enumerate(cells):
        key = (_day_kind(hour), hour % 24)
        prior = pooled.get(key)
        if prior is None:
            pool = [cells[h] for h in _same_kind_hours(hour)]
            pool_attempts = sum(a for a, _ in pool)
            pool_connects = sum(c for _, c in pool)
            prior = pooled[key] = (pool_connects + strength * base) / (pool_attempts + strength)
        result.append(Cell((connects + strength * prior) / (attempts + strength), attempts, connects))
    return RateTable(tuple(result), base)


def campaign_table(
    counts: Counts, organisation: RateTable, *, prior_strength: float = DEFAULT_CAMPAIGN_PRIOR_STRENGTH
) -> RateTable:
    """The campaign's table from its counts per hour of week, each cell smoothed towards the
    organisation's cell with `prior_strength` pseudo-attempts."""
    cells = _checked_counts(counts, "counts")
    strength = _checked_strength(prior_strength, "prior_strength")
    result = tuple(
        Cell((connects + strength * organisation.cells[hour].rate) / (attempts + strength), attempts, connects)
        for hour, (attempts, connects) in enumerate(cells)
    )
    total_attempts = sum(a for a, _ in cells)
    base = sum(c for _, c in cells) / total_attempts if total_attempts else organisation.base_rate
    return RateTable(result, base)


def contact_table(
    own_counts: Counts,
    campaign: RateTable,
    *,
    prior_strength: float = DEFAULT_CONTACT_PRIOR_STRENGTH,
    same_hour_weight: float = DEFAULT_SAME_HOUR_WEIGHT,
) -> RateTable:
    """One contact's table: its own attempts and connects per hour of week blended with the campaign's
    table as the prior (`prior_strength` pseudo-attempts).

    A call at some hour of the day also counts, times same_hour_weight (0..1), at that hour on the other
    days of the same kind (Monday-Friday), because people keep their daily habits. Cells the contact has
    no calls near keep the campaign's rate. The cells' counts are the campaign's plus the contact's own.
    Returns `campaign` itself when the contact has no calls.
    """
    own = _checked_counts(own_counts, "own_counts")
    strength = _checked_strength(prior_strength, "prior_strength")
    if isinstance(same_hour_weight, bool) or not 0.0 <= same_hour_weight <= 1.0:
        raise ValueError(f"same_hour_weight: {same_hour_weight!r} is not between 0 and 1")
    touched = {hour for hour, (attempts, _) in enumerate(own) if attempts}
    if not touched:
        return campaign
    cells = list(campaign.cells)
    for hour in {h for t in touched for h in _same_kind_hours(t)}:
        attempts, connects = own[hour]
        evidence_attempts = float(attempts)
        evidence_connects = float(connects)
        for other in _same_kind_hours(hour):
            if other != hour:
                evidence_attempts += same_hour_weight * own[other][0]
                evidence_connects += same_hour_weight * own[other][1]
        prior = campaign.cells[hour]
        rate = (evidence_connects + strength * prior.rate) / (evidence_attempts + strength)
        cells[hour] = Cell(rate, prior.attempts + attempts, prior.connects + connects)
    return RateTable(tuple(cells), campaign.base_rate)


def _zone(key: str | ZoneInfo, what: str) -> ZoneInfo:
    if isinstance(key, ZoneInfo):
        return key
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"{what}: unknown time zone {key!r}") from None


def hour_of_week(instant: datetime, zone: str | ZoneInfo) -> int:
    """The local hour of the week of `instant` (aware) in `zone`: 0 = Monday 00:00-01:00 ... 167."""
    if instant.utcoffset() is None:
        raise ValueError("instant: must be an aware datetime")
    local = instant.astimezone(_zone(zone, "zone"))
    return local.weekday() * 24 + local.hour


def contact_counts(calls: Iterable[tuple[datetime, bool]], zone: str | ZoneInfo) -> dict[int, tuple[int, int]]:
    """One contact's (attempts, connects) per local hour of week in `zone`, from (instant, connected)
    pairs: the input of `contact_table`."""
    zone_info = _zone(zone, "zone")
    counts: dict[int, tuple[int, int]] = {}
    for instant, connected in calls:
        hour = hour_of_week(instant, zone_info)
        attempts, connects = counts.get(hour, (0, 0))
        counts[hour] = (attempts + 1, connects + (1 if connected else 0))
    return counts


# --------------------------------------------------------------------------------------------------
# Moving a retry


def slot_index(instant: datetime) -> int:
    """The 15-minute slot holding `instant` (aware): whole slots since the POSIX epoch. Slots are the
    keys of `best_time_move`'s slot_counts; every zone's offset is a multiple of 15 minutes, so a slot
    is also a quarter of a local hour."""
    if instant.utcoffset() is None:
        raise ValueError("instant: must be an aware datetime")
    return math.floor(instant.timestamp() / SLOT_SECONDS)


def slot_start(index: int) -> datetime:
    """The first instant (UTC) of slot `index`."""
    return datetime.fromtimestamp(index * SLOT_SECONDS, UTC)


def slot_capacity(capacity_per_hour: float) -> float:
    """How many calls one 15-minute slot takes at `capacity_per_hour` calls per hour."""
    return capacity_per_hour * SLOT_SECONDS / 3600


@dataclass(frozen=True)
class Move:
    """A retry moved by best time to call."""

    at: datetime  # UTC, the start of a 15-minute slot
    from_rate: float  # the table's rate at the engine's instant
    to_rate: float  # the table's rate at `at`
    calls: int  # the calls behind `to_rate`
    explanation: str  # "moved 11:10 -> 18:00: 41% answer then vs 12% (3,200 calls)"


def _local_hours(stamps: list[int], zone: ZoneInfo) -> list[int]:
    """hour_of_week in `zone` for each POSIX second in `stamps` (ascending, spanning about a day)."""
    first = int(datetime.fromtimestamp(stamps[0], zone).utcoffset().total_seconds())
    last = int(datetime.fromtimestamp(stamps[-1], zone).utcoffset().total_seconds())
    if first == last:
        # No offset change in between (the usual case): local time is plain arithmetic.
        return [((ts + first) // _DAY + _EPOCH_WEEKDAY) % 7 * 24 + (ts + first) % _DAY // 3600 for ts in stamps]
    hours = []
    for ts in stamps:
        local = datetime.fromtimestamp(ts, zone)
        hours.append(local.weekday() * 24 + local.hour)
    return hours


def _clock(instant: datetime, zone: ZoneInfo, ref: datetime) -> str:
    local = instant.astimezone(zone)
    text = f"{local.hour:02d}:{local.minute:02d}"
    days = (local.date() - ref.astimezone(zone).date()).days
    if days == 0:
        return text
    if 0 < days <= 6:
        return f"{_WEEKDAYS[local.weekday()]} {text}"
    return f"{local.date().isoformat()} {text}"


def best_time_move(
    decided_at: datetime,
    *,
    campaign_zone: str | ZoneInfo,
    contact_zone: str | ZoneInfo | None,
    is_allowed: Callable[[datetime], bool],
    table: RateTable,
    max_shift: timedelta,
    min_gain: float,
    slot_counts: Mapping[int, int],
    capacity_per_hour: float,
) -> Move | None:
    """Where best time to call moves a retry the engine decided for `decided_at`.

    The table is read at the contact's local hour (`contact_zone`, or the campaign's when None); the
    explanation's clocks are the campaign's. Candidates are the starts of the 15-minute slots after
    `decided_at`, up to `decided_at + max_shift` (SAME_HOUR_TOMORROW for "to the same hour
    tomorrow"). A candidate qualifies when its rate is at least (1 + min_gain) times the rate at
    `decided_at` (min_gain 0.3 = "30% higher") and strictly higher, `is_allowed(candidate)` (the engine's
    full allowed-time check for this contact, supplied by the caller) holds, and its slot holds fewer
    retries than the capacity allows: slot_counts[slot_index(candidate)] + 1 <= slot_capacity(capacity).
    The qualifying candidate with the highest rate wins, the earliest of equals.

    Returns None (keep the engine's instant) when max_shift is zero, when no candidate's rate is high
    enough (always so for a flat table), or when every candidate high enough is disallowed or in a full
    slot. A returned instant is never earlier than `decided_at`, always allowed and never in a full slot.
    """
    if decided_at.utcoffset() is None:
        raise ValueError("decided_at: must be an aware datetime")
    if not isinstance(max_shift, timedelta) or max_shift < timedelta(0):
        raise ValueError(f"max_shift: expected a non-negative timedelta, not {max_shift!r}")
    if isinstance(min_gain, bool) or not isinstance(min_gain, int | float) or not 0 <= min_gain < math.inf:
        raise ValueError(f"min_gain: expected a non-negative fraction (0.3 = 30% higher), not {min_gain!r}")
    if isinstance(capacity_per_hour, bool) or not isinstance(capacity_per_hour, int | float) or capacity_per_hour <= 0:
        raise ValueError(f"capacity_per_hour: expected a positive number of calls, not {capacity_per_hour!r}")
    campaign_zone_info = _zone(campaign_zone, "campaign_zone")
    zone = campaign_zone_info if contact_zone is None else _zone(contact_zone, "contact_zone")
    if not max_shift:
        return None
    start = decided_at.timestamp()
    limit = start + max_shift.total_seconds()
    first_slot = math.floor(start / SLOT_SECONDS) + 1
    stamps = list(range(first_slot * SLOT_SECONDS, math.floor(limit) + 1, SLOT_SECONDS))
    if not stamps:
        return None
    hours = _local_hours([math.floor(start), *stamps], zone)
    from_rate = table.cells[hours[0]].rate
    threshold = from_rate * (1 + min_gain)
    better = sorted(
        (-table.cells[hour].rate, ts)
        for ts, hour in zip(stamps, hours[1:], strict=True)
        if table.cells[hour].rate >= threshold and table.cells[hour].rate > from_rate
    )
    per_slot = slot_capacity(capacity_per_hour)
    for negative_rate, ts in better:
        if slot_counts.get(ts // SLOT_SECONDS, 0) + 1 > per_slot:
            continue
        candidate = datetime.fromtimestamp(ts, UTC)
        if not is_allowed(candidate):
            continue
        cell = table.cells[hour_of_week(candidate, zone)]
        before = _clock(decided_at, campaign_zone_info, decided_at)
        text = f"moved {before} -> {_clock(candidate, campaign_zone_info, decided_at)}"
        if zone.key != campaign_zone_info.key:
            text += f" ({_clock(candidate, zone, decided_at)} contact time)"
        text += f": {-negative_rate:.0%} answer then vs {from_rate:.0%} ({cell.attempts:,} calls)"
        return Move(candidate, from_rate, -negative_rate, cell.attempts, text)
    return None
