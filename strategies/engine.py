"""The scheduling engine: when, if ever, a contact is called again.

Pure Python (no Django import): frozen dataclasses in, a `Decision` out. `manage.py simulate`, the
strategy preview pane and the campaigns services all call `decide`. The rules are PRODUCT.md's
"Scheduling rules", numbered the same way in the code below.

Time: every instant the engine returns is aware and in UTC. "Local" means the campaign's zone, except
for the contact window, which is read in the contact's zone. Internally the search for an allowed
instant works on POSIX seconds and on per-day lists of allowed UTC intervals, computed once per
(zone, windows, date) and cached, so skipping closed days, holidays and full days costs a dict
look-up each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .durations import ZERO, Delay, add_delay, format_delay

__all__ = [
    "STRATEGY_BUSINESS",
    "STRATEGY_LADDER",
    "STRATEGY_TELEPHONY",
    "REASONS",
    "SHORT_CALL_OUTCOME",
    "SEARCH_DAYS",
    "AllowedTime",
    "AttemptRecord",
    "Calendar",
    "CallResultInfo",
    "Catalog",
    "Decision",
    "OutcomeInfo",
    "StrategySpec",
    "Window",
    "decide",
    "is_allowed_at",
    "next_allowed_at",
    "simulate",
]

STRATEGY_TELEPHONY, STRATEGY_BUSINESS, STRATEGY_LADDER = "telephony", "business", "ladder"
STRATEGY_KINDS = (STRATEGY_TELEPHONY, STRATEGY_BUSINESS, STRATEGY_LADDER)

REASON_RETRY = "retry"
REASON_FINAL = "final_outcome"
REASON_MAX_ATTEMPTS = "max_attempts_reached"
REASON_NO_RULE = "no_rule"
REASON_NO_WINDOW = "no_calling_window"
REASON_ENDED = "campaign_ended"
REASONS = (REASON_RETRY, REASON_FINAL, REASON_MAX_ATTEMPTS, REASON_NO_RULE, REASON_NO_WINDOW, REASON_ENDED)

HANDLINGS = ("final", "retry", "redial", "instant")
SHORT_CALL_OUTCOME = "platform.short_call"
# Rule 7: how far past the candidate we look for an allowed instant.
SEARCH_DAYS = 366

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY = 86400
# UTC offsets stay within -12h..+14h, so every instant whose local date is D lies within a day of D's UTC day.
_MAX_OFFSET = 14 * 3600
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Window:
    """A daily window in local wall-clock minutes since midnight: start inclusive, end exclusive.

    end_minute may be 1440 ("24:00").
    """

    start_minute: int
    end_minute: int

    def __post_init__(self):
        if not (0 <= self.start_minute < self.end_minute <= 1440):
            window = f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"
            raise ValueError(f"window {window}: end must be after start, within 00:00-24:00")

    def __str__(self) -> str:
        return f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _zone(key: str) -> ZoneInfo:
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"unknown time zone {key!r}") from None


@dataclass(frozen=True)
class Calendar:
    """Where and when a campaign may call. Lists are accepted and frozen into tuples."""

    zone: str
    business_hours: tuple[tuple[Window, ...], ...]
    max_attempts: int
    daily_attempts: int | None = None
    holidays: frozenset[date] = frozenset()
    contact_window: Window | None = None
    redial_delay: Delay = Delay(0, "m")
    short_call_seconds: int = 0
    opening_delay: Delay = Delay(0, "s")
    end_at: datetime | None = None
    # Nothing is allowed before the campaign starts; a retry or lead due earlier waits for the start.
    start_at: datetime | None = None

    def __post_init__(self):
        _zone(self.zone)
        hours = tuple(tuple(day) for day in self.business_hours)
        if len(hours) != 7:
            raise ValueError("business_hours needs exactly 7 entries, Monday first")
        object.__setattr__(self, "business_hours", hours)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if self.end_at is not None and self.end_at.utcoffset() is None:
            raise ValueError("end_at must be an aware datetime")
        if self.start_at is not None and self.start_at.utcoffset() is None:
            raise ValueError("start_at must be an aware datetime")


@dataclass(frozen=True)
class OutcomeInfo:
    code: str
    name: str
    is_connected: bool
    is_final: bool


@dataclass(frozen=True)
class CallResultInfo:
    code: str
    name: str
    handling: str  # "final" | "retry" | "redial" | "instant"


@dataclass(frozen=True)
class Catalog:
    """Outcomes and call results by code. Plain dicts are accepted and frozen."""

    outcomes: Mapping[str, OutcomeInfo]
    call_results: Mapping[str, CallResultInfo]

    def __post_init__(self):
        object.__setattr__(self, "outcomes", MappingProxyType(dict(self.outcomes)))
        object.__setattr__(self, "call_results", MappingProxyType(dict(self.call_results)))

    @classmethod
    def from_rows(cls, outcome_rows: Iterable, call_result_rows: Iterable, extra_outcomes: Iterable = ()) -> Catalog:
        """Build from rows with code/name/is_connected/is_final and code/name/handling attributes
        (strategies.catalog rows, model instances ...). extra_outcomes (OutcomeInfo or rows) come last
        and override a catalog outcome with the same code."""
        outcomes = {}
        for row in [*outcome_rows, *extra_outcomes]:
            outcomes[row.code] = OutcomeInfo(row.code, row.name, bool(row.is_connected), bool(row.is_final))
        results = {row.code: CallResultInfo(row.code, row.name, row.handling) for row in call_result_rows}
        return cls(outcomes, results)

    @classmethod
    def load(cls, extra_outcomes: Iterable = ()) -> Catalog:
        """The catalog the product ships (the CSV files of strategies.catalog) plus extra_outcomes."""
        from .catalog import read_call_results, read_outcomes

        return cls.from_rows(read_outcomes(), read_call_results(), extra_outcomes)

    def with_outcomes(self, extra_outcomes: Iterable[OutcomeInfo]) -> Catalog:
        """A copy with extra (e.g. mapped) outcomes added or overridden."""
        outcomes = dict(self.outcomes)
        outcomes.update({o.code: o for o in extra_outcomes})
        return Catalog(outcomes, self.call_results)


@dataclass(frozen=True)
class StrategySpec:
    """A retry strategy as the engine sees it.

    telephony: rules map an outcome code to a delay; business: rules map a call result code to a delay.
    ladder: ladder_keys are the outcome codes (and/or call result codes) it applies to and ladder_steps
    the delay of the 1st, 2nd ... retry, None meaning "No retry" (see `_ladder_step` for what k is).
    A plain dict is accepted for rules and is frozen.
    """

    kind: str
    rules: Mapping[str, Delay] = field(default_factory=lambda: MappingProxyType({}))
    ladder_keys: frozenset[str] = frozenset()
    ladder_steps: tuple[Delay | None, ...] = ()
    name: str = ""

    def __post_init__(self):
        if self.kind not in STRATEGY_KINDS:
            raise ValueError(f"unknown strategy kind {self.kind!r}: use one of {', '.join(STRATEGY_KINDS)}")
        object.__setattr__(self, "rules", MappingProxyType(dict(self.rules)))
        object.__setattr__(self, "ladder_keys", frozenset(self.ladder_keys))
        object.__setattr__(self, "ladder_steps", tuple(self.ladder_steps))


@dataclass(frozen=True)
class AttemptRecord:
    at: datetime  # aware
    outcome: str  # telephony outcome code
    result: str | None = None  # call result code from wrap-up
    duration_seconds: int | None = None


# --------------------------------------------------------------------------------------------------
# Outputs


@dataclass(frozen=True)
class Decision:
    next_attempt_at: datetime | None  # aware, UTC
    reason: str
    explanation: str
    candidate_at: datetime | None = None  # t + delay, before rule 5 (UTC)
    moved_to_opening: bool = False  # rule 5 moved the candidate to the opening of a window (rule 6 applied)
    opening_at: datetime | None = None  # that opening, before the opening delay (UTC)
    attempt: int = 0  # k, the number of the attempt this decision follows
    delay: Delay | None = None  # the delay rule 3 chose

    @property
    def is_retry(self) -> bool:
        return self.next_attempt_at is not None


@dataclass(frozen=True)
class AllowedTime:
    """The answer of rules 5-7 for a candidate."""

    at: datetime  # UTC: the candidate itself, or an opening plus the opening delay
    moved_to_opening: bool = False
    opening_at: datetime | None = None  # UTC, before the opening delay; None when the candidate was allowed
    reasons: tuple[str, ...] = ()  # why the candidate was not allowed, e.g. ("outside business hours",)
    explanation: str = ""  # e.g. "outside business hours -> next opening Tue 09:00"


# --------------------------------------------------------------------------------------------------
# Zones and per-day allowed intervals (POSIX seconds)


def _offset(zone: ZoneInfo, ts: int) -> int:
    return int(datetime.fromtimestamp(ts, zone).utcoffset().total_seconds())


def _local_ordinal(zone: ZoneInfo, ts: float) -> int:
    return datetime.fromtimestamp(ts, zone).toordinal()


_SEGMENTS: dict[tuple[str, int], tuple[tuple[int, int, int], ...]] = {}


def _offset_segments(zone: ZoneInfo, ordinal: int) -> tuple[tuple[int, int, int], ...]:
    """Constant-offset pieces (start, end, offset) of the UTC range that holds every instant of local date
    `ordinal`. Offsets are sampled every 6 hours and transitions found by bisection to the second, so
    any zone's rules are honoured without reading its transition table."""
    key = (zone.key, ordinal)
    cached = _SEGMENTS.get(key)
    if cached is not None:
        return cached
    day_start = (ordinal - _EPOCH_ORDINAL) * _DAY
    lo, hi = day_start - _DAY, day_start + 2 * _DAY
    segments = []
    start, current = lo, _offset(zone, lo)
    prev = lo
    for point in range(lo + 6 * 3600, hi + 1, 6 * 3600):
        while _offset(zone, point) != current:
            a, b = prev, point  # offset(a) == current, offset(b) != current
            while b - a > 1:
                mid = (a + b) // 2
                if _offset(zone, mid) == current:
                    a = mid
                else:
                    b = mid
            segments.append((start, b, current))
            start, current, prev = b, _offset(zone, b), b
        prev = point
    segments.append((start, hi, current))
    if len(_SEGMENTS) > 50_000:
        _SEGMENTS.clear()
    result = tuple(segments)
    _SEGMENTS[key] = result
    return result


class _DailyWindows:
    """Allowed UTC intervals, per local date, of weekly wall-clock windows in one zone."""

    __slots__ = ("zone", "weekly", "_days", "is_empty")

    def __init__(self, zone: ZoneInfo, weekly: tuple[tuple[tuple[int, int], ...], ...]):
        self.zone = zone
        self.weekly = weekly
        self.is_empty = not any(weekly)
        self._days: dict[int, tuple[tuple[int, int], ...]] = {}

    def intervals(self, ordinal: int) -> tuple[tuple[int, int], ...]:
        """Sorted, disjoint [start, end) UTC intervals whose instants have local date `ordinal` and a wall
        time inside that weekday's windows. Across a DST overlap one window may give two intervals."""
        cached = self._days.get(ordinal)
        if cached is not None:
            return cached
        windows = self.weekly[(ordinal - 1) % 7]  # date.fromordinal(1) is a Monday
        found = []
        if windows:
            day_start = (ordinal - _EPOCH_ORDINAL) * _DAY
            segments = _offset_segments(self.zone, ordinal)
            for start_minute, end_minute in windows:
                wall_start, wall_end = day_start + start_minute * 60, day_start + end_minute * 60
                for seg_start, seg_end, offset in segments:
                    lo = max(seg_start, wall_start - offset)
                    hi = min(seg_end, wall_end - offset)
                    if lo < hi:
                        found.append((lo, hi))
        return _remember_day(self._days, ordinal, _merged(found))

    def contains(self, ts: float) -> bool:
        ordinal = _local_ordinal(self.zone, ts)
        return any(lo <= ts < hi for lo, hi in self.intervals(ordinal))


def _merged(intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """`intervals` sorted, with overlapping and touching ones joined."""
    intervals.sort()
    merged: list[tuple[int, int]] = []
    for lo, hi in intervals:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _remember_day(days: dict, ordinal: int, intervals: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    # A bound on the per-day cache: a long-running worker sees ever new dates.
    if len(days) > 20_000:
        days.clear()
    days[ordinal] = intervals
    return intervals


class _Intersection:
    """Business intervals per campaign-local date, cut down to the contact window (read in its own zone)."""

    __slots__ = ("business", "contact", "is_empty", "_days")

    def __init__(self, business: _DailyWindows, contact: _DailyWindows):
        self.business = business
        self.contact = contact
        self.is_empty = business.is_empty
        self._days: dict[int, tuple[tuple[int, int], ...]] = {}

    def intervals(self, ordinal: int) -> tuple[tuple[int, int], ...]:
        cached = self._days.get(ordinal)
        if cached is not None:
            return cached
        found = []
        contact_zone = self.contact.zone
        for lo, hi in self.business.intervals(ordinal):
            # One contact-local date either side covers a fall-back that revisits the previous date.
            first = _local_ordinal(contact_zone, lo) - 1
            last = _local_ordinal(contact_zone, hi) + 1
            for contact_ordinal in range(first, last + 1):
                for start, end in self.contact.intervals(contact_ordinal):
                    start, end = max(start, lo), min(end, hi)
                    if start < end:
                        found.append((start, end))
        return _remember_day(self._days, ordinal, _merged(found))


_INTERSECTIONS: dict[tuple[_DailyWindows, _DailyWindows], _Intersection] = {}


def _intersection(business: _DailyWindows, contact: _DailyWindows) -> _Intersection:
    key = (business, contact)
    found = _INTERSECTIONS.get(key)
    if found is None:
        if len(_INTERSECTIONS) > 2_000:
            _INTERSECTIONS.clear()
        found = _INTERSECTIONS[key] = _Intersection(business, contact)
    return found


_DAILY_WINDOWS: dict[tuple, _DailyWindows] = {}


def _daily_windows(zone_key: str, weekly: tuple[tuple[tuple[int, int], ...], ...]) -> _DailyWindows:
    key = (zone_key, weekly)
    found = _DAILY_WINDOWS.get(key)
    if found is None:
        if len(_DAILY_WINDOWS) > 2_000:
            _DAILY_WINDOWS.clear()
        found = _DAILY_WINDOWS[key] = _DailyWindows(_zone(zone_key), weekly)
    return found


class _Plan:
    """What the search needs from a Calendar (+ contact zone), derived once."""

    __slots__ = (
        "calendar",
        "zone",
        "business",
        "contact",
        "contact_zone",
        "days",
        "holidays",
        "daily",
        "end_ts",
        "start_ts",
    )

    def __init__(self, calendar: Calendar, contact_zone: str | None):
        self.calendar = calendar
        self.zone = _zone(calendar.zone)
        weekly = tuple(tuple((w.start_minute, w.end_minute) for w in day) for day in calendar.business_hours)
        self.business = _daily_windows(calendar.zone, weekly)
        self.contact_zone = contact_zone or calendar.zone
        window = calendar.contact_window
        if window is None:
            self.contact = None
        else:
            self.contact = _daily_windows(self.contact_zone, (((window.start_minute, window.end_minute),),) * 7)
        # The allowed intervals of each local date before holidays and the daily limit: rule 5's clock part.
        self.days = self.business if self.contact is None else _intersection(self.business, self.contact)
        self.holidays = frozenset(d.toordinal() for d in calendar.holidays)
        self.daily = calendar.daily_attempts
        self.end_ts = calendar.end_at.timestamp() if calendar.end_at is not None else None
        self.start_ts = calendar.start_at.timestamp() if calendar.start_at is not None else None


_PLANS: dict[tuple[int, str | None], tuple[Calendar, _Plan]] = {}


def _plan_for(calendar: Calendar, contact_zone: str | None) -> _Plan:
    # Keyed by identity (the entry holds the calendar, so the id cannot be reused while cached): hashing a
    # Calendar walks all its windows, and callers usually pass the same object for many decisions.
    key = (id(calendar), contact_zone)
    entry = _PLANS.get(key)
    if entry is not None and entry[0] is calendar:
        return entry[1]
    if len(_PLANS) > 1_000:
        _PLANS.clear()
    plan = _Plan(calendar, contact_zone)
    _PLANS[key] = (calendar, plan)
    return plan


def _daily_counts(plan: _Plan, attempts: Sequence[AttemptRecord]) -> dict[int, int]:
    if plan.daily is None:
        return {}
    counts: dict[int, int] = {}
    for attempt in attempts:
        ordinal = _local_ordinal(plan.zone, attempt.at.timestamp())
        counts[ordinal] = counts.get(ordinal, 0) + 1
    return counts


def _day_is_open(plan: _Plan, ordinal: int, counts: dict[int, int]) -> bool:
    if ordinal in plan.holidays:
        return False
    return plan.daily is None or counts.get(ordinal, 0) < plan.daily


def _allowed(plan: _Plan, ts: float, counts: dict[int, int]) -> bool:
    """Rule 5 at one instant (and not before the campaign's start)."""
    if plan.start_ts is not None and ts < plan.start_ts:
        return False
    ordinal = _local_ordinal(plan.zone, ts)
    if not _day_is_open(plan, ordinal, counts):
        return False
    return any(lo <= ts < hi for lo, hi in plan.days.intervals(ordinal))


def _earliest_in_day(plan: _Plan, ordinal: int, ts: float, counts: dict[int, int]) -> float | None:
    """The earliest allowed instant >= ts with local date `ordinal`; None when that date has none (closed,
    a holiday, full, or its windows all end by ts)."""
    intervals = plan.days.intervals(ordinal)
    if not intervals or intervals[-1][1] <= ts or not _day_is_open(plan, ordinal, counts):
        return None
    for lo, hi in intervals:
        if hi > ts:
            return lo if lo > ts else ts
    return None


def _earliest(plan: _Plan, ts: float, limit: float, counts: dict[int, int]) -> float | None:
    """Rule 5: the earliest allowed instant >= ts and <= limit; None when there is none."""
    if plan.business.is_empty:
        return None
    if plan.start_ts is not None and ts < plan.start_ts:
        ts = plan.start_ts
    ordinal = _local_ordinal(plan.zone, ts) - 1  # a DST fall-back across midnight can revisit yesterday
    while (ordinal - _EPOCH_ORDINAL) * _DAY - _MAX_OFFSET <= limit:
        found = _earliest_in_day(plan, ordinal, ts, counts)
        if found is not None:
            # Wall time is not monotonic across a fall-back: the next local date may start earlier.
            following = plan.days.intervals(ordinal + 1)
            if following and following[0][0] < found:
                later = _earliest_in_day(plan, ordinal + 1, ts, counts)
                if later is not None and later < found:
                    found = later
            return found if found <= limit else None
        ordinal += 1
    return None


# --------------------------------------------------------------------------------------------------
# Formatting, in the campaign's local time


def _clock(local: datetime) -> str:
    if local.second or local.microsecond:
        text = f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    else:
        text = f"{local.hour:02d}:{local.minute:02d}"
    # A wall time that happens twice (DST fall-back) is named with its zone abbreviation.
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        text += f" {local.tzname()}"
    return text


def _day_label(day: date, with_year: bool = False) -> str:
    label = f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
    return f"{label} {day.year}" if with_year else label


def _when(instant: datetime, zone: ZoneInfo, ref: datetime) -> str:
    """`instant` in local time, as short as the reference (the attempt) allows: "13:00", "Tue 09:00",
    "Fri 25 Dec 09:00"."""
    local = instant.astimezone(zone)
    ref_day = ref.astimezone(zone).date()
    days = (local.date() - ref_day).days
    if days == 0:
        return _clock(local)
    if 0 < days <= 6:
        return f"{_WEEKDAYS[local.weekday()]} {_clock(local)}"
    return f"{_day_label(local.date(), local.year != ref_day.year)} {_clock(local)}"


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _why_not_allowed(plan: _Plan, ts: float, counts: dict[int, int]) -> list[str]:
    local_day = date.fromordinal(_local_ordinal(plan.zone, ts))
    ordinal = local_day.toordinal()
    reasons = []
    if plan.start_ts is not None and ts < plan.start_ts:
        start = plan.calendar.start_at.astimezone(plan.zone)
        reasons.append(f"before the campaign starts on {_day_label(start.date(), True)} {_clock(start)}")
    if ordinal in plan.holidays:
        reasons.append(f"holiday on {_day_label(local_day)}")
    elif plan.daily is not None and counts.get(ordinal, 0) >= plan.daily:
        noun = "attempt" if plan.daily == 1 else "attempts"
        reasons.append(f"daily limit of {plan.daily} {noun} reached on {_day_label(local_day)}")
    if not any(lo <= ts < hi for lo, hi in plan.business.intervals(ordinal)):
        reasons.append("outside business hours")
    if plan.contact is not None and not plan.contact.contains(ts):
        where = "" if plan.contact_zone == plan.calendar.zone else f" ({plan.contact_zone} time)"
        reasons.append(f"outside the contact window {plan.calendar.contact_window}{where}")
    return reasons


# --------------------------------------------------------------------------------------------------
# Rules 5-7


@dataclass(frozen=True)
class _Search:
    allowed: AllowedTime | None
    reason: str = REASON_RETRY  # no_calling_window or campaign_ended when allowed is None
    explanation: str = ""  # the tail of the sentence when allowed is None


def _search(plan: _Plan, candidate: datetime, counts: dict[int, int], ref: datetime) -> _Search:
    """Rules 5, 6 and 7 for a candidate.

    Rule 6 and what we do when the opening delay leads out of allowed time: if the candidate is not
    allowed, rule 5 moves it to the next opening O (the start of an allowed interval) and rule 6 gives
    O + opening delay. When that instant is itself not allowed (the window or the contact window closes
    sooner, a holiday, a full day ...), we take the next opening after it and add the delay again, until
    the result is allowed or the search runs out. So a moved retry always lands in allowed time and never
    sooner than an opening delay after an opening.
    """
    calendar = plan.calendar
    zone = plan.zone
    cand_ts = candidate.timestamp()
    if plan.end_ts is not None and cand_ts > plan.end_ts:
        return _Search(None, REASON_ENDED, f"after the campaign's end {_when(calendar.end_at, zone, ref)}")
    limit = cand_ts + SEARCH_DAYS * _DAY
    if plan.business.is_empty:
        return _Search(None, REASON_NO_WINDOW, "the campaign has no business hours")
    found = _earliest(plan, cand_ts, limit, counts)
    if found is None:
        return _Search(None, REASON_NO_WINDOW, f"no allowed calling time within {SEARCH_DAYS} days")
    if found == cand_ts:
        allowed = AllowedTime(candidate.astimezone(UTC))
    else:
        reasons = _why_not_allowed(plan, cand_ts, counts)
        phrase = ", ".join(reasons)
        arrow = (
            "next opening " if any(r == "outside business hours" or r.startswith("holiday") for r in reasons) else ""
        )
        text = f"{phrase} -> {arrow}{_when(_utc(found), zone, ref)}"
        opening = found
        result = found
        if not calendar.opening_delay.is_zero:
            while True:
                result = add_delay(_utc(opening), calendar.opening_delay, zone).timestamp()
                text += f" +{format_delay(calendar.opening_delay)} opening delay = {_when(_utc(result), zone, ref)}"
                if result > limit:
                    return _Search(None, REASON_NO_WINDOW, f"{text}, no allowed calling time within {SEARCH_DAYS} days")
                if _allowed(plan, result, counts):
                    break
                why = ", ".join(_why_not_allowed(plan, result, counts))
                opening = _earliest(plan, result, limit, counts)
                if opening is None:
                    return _Search(
                        None, REASON_NO_WINDOW, f"{text}, {why}, no allowed calling time within {SEARCH_DAYS} days"
                    )
                text += f", {why} -> next opening {_when(_utc(opening), zone, ref)}"
        allowed = AllowedTime(_utc(result), True, _utc(opening), tuple(reasons), text)
    if plan.end_ts is not None and allowed.at.timestamp() > plan.end_ts:
        tail = f"{allowed.explanation}, " if allowed.explanation else ""
        return _Search(None, REASON_ENDED, f"{tail}after the campaign's end {_when(calendar.end_at, zone, ref)}")
    return _Search(allowed)


def next_allowed_at(
    calendar: Calendar,
    candidate: datetime,
    attempts: Sequence[AttemptRecord],
    contact_zone: str | None = None,
) -> AllowedTime | None:
    """Rules 5-7 alone: the earliest allowed instant >= candidate, with the opening delay when the candidate
    had to move (see `_search`), for a contact whose history is `attempts` (for the daily limit).

    Used to validate manual redials: "is 14:30 tomorrow allowed? if not, the next allowed time is ...".
    Returns None when nothing is allowed: no allowed instant within 366 days of the candidate, or the
    candidate or the answer is after the campaign's end.
    """
    plan = _plan_for(calendar, contact_zone)
    return _search(plan, candidate, _daily_counts(plan, attempts), candidate).allowed


def is_allowed_at(
    calendar: Calendar,
    instant: datetime,
    attempts: Sequence[AttemptRecord],
    contact_zone: str | None = None,
) -> bool:
    """Whether a call may be placed at `instant`: inside business hours, not on a holiday, inside the
    contact window (contact's zone), on a local day with fewer than daily_attempts of `attempts`, and not
    after the campaign's end (rules 5 and 7, as dispatch re-checks them)."""
    plan = _plan_for(calendar, contact_zone)
    ts = instant.timestamp()
    if plan.end_ts is not None and ts > plan.end_ts:
        return False
    return _allowed(plan, ts, _daily_counts(plan, attempts))


# --------------------------------------------------------------------------------------------------
# Rules 1-4 and the decision


def _ladder_step(spec: StrategySpec, codes: Sequence[str], k: int) -> tuple[Delay | None, str]:
    """The ladder's delay after attempt number k, with the words that explain it.

    What k is: the seed's ladder says "the first retry is scheduled after the last call", then the second
    retry "in case the first retry also falls in the category" and so on. Attempt 1 is the first call, so
    the retry planned after attempt number k is the k-th retry, and it uses step k (1-based). k counts every
    attempt this contact had in this campaign (PRODUCT.md rule numbering), not only those whose outcome is
    in the ladder: a ladder with 3 steps therefore never plans more than 3 retries in all.
    Returns (None, why) when the ladder does not apply, has no step k, or step k is "No retry".
    """
    label = f"ladder {spec.name!r}" if spec.name else "the ladder"
    if not any(code in spec.ladder_keys for code in codes):
        return None, f"not in {label}"
    if k > len(spec.ladder_steps):
        return None, f"No retry: {label} has no step {k} ({len(spec.ladder_steps)} steps)"
    step = spec.ladder_steps[k - 1]
    if step is None:
        return None, f"No retry: step {k} of {label} is No retry"
    return step, f"retry {k} of {label}"


def _rule_delay(spec: StrategySpec | None, rule_code: str, ladder_codes: Sequence[str], k: int, what: str):
    """(delay or None, note). The note describes a ladder step, or why there is no rule."""
    if spec is None:
        return None, f"no {what} strategy"
    if spec.kind == STRATEGY_LADDER:
        return _ladder_step(spec, ladder_codes, k)
    delay = spec.rules.get(rule_code)
    if delay is None:
        named = f" {spec.name!r}" if spec.name else ""
        return None, f"no rule in {what} strategy{named}"
    return delay, ""


# Call results that make their redial by themselves, with a delay of their own (no strategy rule).
SELF_REDIALLING = ("redial", "instant")


def result_redial_delay(calendar: Calendar, handling: str) -> tuple[Delay, str]:
    """The delay a self-redialling call result sets, and its note: `redial` waits the campaign's redial
    delay, `instant` none. Raises ValueError for another handling (its delay comes from a strategy)."""
    if handling == "redial":
        return calendar.redial_delay, "redial delay"
    if handling == "instant":
        return ZERO, "instant retry"
    raise ValueError(f"{handling!r} call results take their delay from a strategy")


def decide(
    calendar: Calendar,
    attempts: Sequence[AttemptRecord],
    catalog: Catalog,
    telephony: StrategySpec | None = None,
    business: StrategySpec | None = None,
    contact_zone: str | None = None,
) -> Decision:
    """The decision after the LAST of `attempts` (the contact's full history in this campaign, oldest first).

    Unknown outcome codes count as not connected and not final (so only a rule for that very code retries
    them); an unknown call result counts as no call result. Raises ValueError when `attempts` is empty.
    """
    if not attempts:
        raise ValueError("decide needs at least one attempt")
    plan = _plan_for(calendar, contact_zone)
    zone = plan.zone
    last = attempts[-1]
    k = len(attempts)
    at = last.at
    clock = _clock(at.astimezone(zone))
    outcome = catalog.outcomes.get(last.outcome) or OutcomeInfo(last.outcome, last.outcome, False, False)
    result = catalog.call_results.get(last.result) if last.result else None

    def stop(reason: str, text: str, delay: Delay | None = None, candidate: datetime | None = None) -> Decision:
        return Decision(None, reason, text, candidate, attempt=k, delay=delay)

    # Rule 1
    if outcome.is_final:
        return stop(REASON_FINAL, f"{outcome.name} at {clock} is a final outcome: no retry")
    if result is not None and result.handling == "final":
        return stop(REASON_FINAL, f"{outcome.name} at {clock}, call result {result.name} is final: no retry")

    # Rule 2
    connected = outcome.is_connected
    event = f"{outcome.name} at {clock}"
    if connected and result is not None:
        event = f"{outcome.name}, call result {result.name}, at {clock}"
    if k >= calendar.max_attempts:
        return stop(
            REASON_MAX_ATTEMPTS, f"{event}: attempt {k} of {calendar.max_attempts}, maximum attempts reached: no retry"
        )

    # Rule 3
    threshold = calendar.short_call_seconds
    if connected and threshold and last.duration_seconds is not None and last.duration_seconds < threshold:
        connected = False
        short = catalog.outcomes.get(SHORT_CALL_OUTCOME) or OutcomeInfo(SHORT_CALL_OUTCOME, "Short Call", False, False)
        outcome = short
        event = f"{short.name} ({last.duration_seconds}s < {threshold}s) at {clock}"
    codes = (outcome.code, last.result) if last.result else (outcome.code,)
    if not connected:
        delay, note = _rule_delay(telephony, outcome.code, codes, k, "telephony")
    elif result is None:
        delay = None
        note = "connected call without a call result (wrap-up not ended)" if not last.result else "unknown call result"
    elif result.handling in SELF_REDIALLING:
        delay, note = result_redial_delay(calendar, result.handling)
    else:
        delay, note = _rule_delay(business, result.code, (result.code, outcome.code), k, "business")
    if delay is None:
        text = f"{event}: {note}" if note.startswith("No retry") else f"{event}: {note}: no retry"
        return stop(REASON_NO_RULE, text)

    # Rule 4
    candidate = add_delay(at, delay, zone)
    noted = f" ({note})" if note else ""
    text = f"{event} +{format_delay(delay)}{noted} = {_when(candidate, zone, at)}"
    if delay.is_calendar:
        wall = at.astimezone(zone)
        if (candidate.hour, candidate.minute, candidate.second) != (wall.hour, wall.minute, wall.second):
            text += f" ({_clock(wall.replace(tzinfo=None))} does not exist that day: clocks go forward)"
    candidate_utc = candidate.astimezone(UTC)

    # Rules 5-7
    search = _search(plan, candidate, _daily_counts(plan, attempts), at)
    if search.allowed is None:
        return stop(search.reason, f"{text}, {search.explanation}: no retry", delay, candidate_utc)
    allowed = search.allowed
    if allowed.explanation:
        text = f"{text}, {allowed.explanation}"
    return Decision(
        allowed.at,
        REASON_RETRY,
        text,
        candidate_utc,
        allowed.moved_to_opening,
        allowed.opening_at,
        attempt=k,
        delay=delay,
    )


def simulate(
    calendar: Calendar,
    attempts: Sequence[AttemptRecord],
    catalog: Catalog,
    telephony: StrategySpec | None = None,
    business: StrategySpec | None = None,
    contact_zone: str | None = None,
) -> list[Decision]:
    """One decision per prefix of `attempts`: the decision after attempt 1, after attempt 2, ..."""
    return [
        decide(calendar, attempts[: i + 1], catalog, telephony, business, contact_zone) for i in range(len(attempts))
    ]
