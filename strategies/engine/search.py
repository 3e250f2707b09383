"""Rules 5-7: the earliest allowed instant at or after a candidate, the opening delay, and the limits.

Pure Python (no Django import). Rule 5's clock part (business hours, the contact window, holidays, the
daily limit, the campaign's start) is searched day by day over cached per-day intervals; the attempt
rules (rule 9) and the repeat band (rule 10) are checks that each know the earliest instant they allow on
their own. The search alternates the two until one instant satisfies everything at once: each step
moves to an instant no later than the answer, so the first instant where nothing moves is the earliest
allowed one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from ..durations import add_delay, format_delay
from .clock import (
    _DAY,
    _EPOCH_ORDINAL,
    _MAX_OFFSET,
    _clock,
    _daily_windows,
    _day_label,
    _intersection,
    _local_ordinal,
    _utc,
    _when,
)
from .compliance import build_checks
from .model import (
    REASON_ENDED,
    REASON_NO_WINDOW,
    REASON_RETRY,
    SEARCH_DAYS,
    AllowedTime,
    AttemptRecord,
    Calendar,
    Catalog,
    _zone,
)


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
        "rules",
        "band_seconds",
    )

    def __init__(self, calendar: Calendar, contact_zone: str | None):
        self.calendar = calendar
        self.zone = _zone(calendar.zone)
        weekly = tuple(tuple((w.start_minute * 60, w.end_minute * 60) for w in day) for day in calendar.business_hours)
        self.business = _daily_windows(calendar.zone, weekly)
        self.contact_zone = contact_zone or calendar.zone
        window = calendar.contact_window
        if window is None:
            self.contact = None
        else:
            contact_weekly = (((window.start_minute * 60, window.end_minute * 60),),) * 7
            self.contact = _daily_windows(self.contact_zone, contact_weekly)
        # The allowed intervals of each local date before holidays and the daily limit: rule 5's clock part.
        self.days = self.business if self.contact is None else _intersection(self.business, self.contact)
        self.holidays = frozenset(d.toordinal() for d in calendar.holidays)
        self.daily = calendar.daily_attempts
        self.end_ts = calendar.end_at.timestamp() if calendar.end_at is not None else None
        self.start_ts = calendar.start_at.timestamp() if calendar.start_at is not None else None
        self.rules = calendar.attempt_rules
        self.band_seconds = calendar.avoid_repeat.nominal_seconds


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
    """Rule 5's clock part at one instant (and not before the campaign's start)."""
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
    """Rule 5's clock part: the earliest instant >= ts and <= limit it allows; None when there is none."""
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


_SHIPPED: list[Catalog] = []


def _shipped_catalog() -> Catalog:
    if not _SHIPPED:
        _SHIPPED.append(Catalog.load())
    return _SHIPPED[0]


class _Checks:
    """What rule 5 needs from a contact's history: attempts per local date (the daily limit) and the rule 9
    and 10 checks (`extra`, empty when the campaign sets neither)."""

    __slots__ = ("counts", "extra")

    def __init__(self, counts: dict[int, int], extra: tuple):
        self.counts = counts
        self.extra = extra


def _checks_for(
    plan: _Plan,
    attempts: Sequence[AttemptRecord],
    number_history: Sequence[AttemptRecord] = (),
    catalog: Catalog | None = None,
    last: AttemptRecord | None = None,
) -> _Checks:
    """`last` is the attempt the next one follows (the repeat band's reference); by default the latest one."""
    counts = _daily_counts(plan, attempts)
    if not plan.rules and not plan.band_seconds:
        return _Checks(counts, ())
    if last is None and attempts:
        last = max(attempts, key=lambda a: a.at)
    extra = build_checks(
        plan.calendar.zone,
        plan.zone,
        plan.rules,
        plan.band_seconds,
        plan.calendar.short_call_seconds,
        attempts,
        number_history,
        catalog if catalog is not None else _shipped_catalog(),
        last,
    )
    return _Checks(counts, extra)


def _holds(plan: _Plan, checks: _Checks, ts: float) -> bool:
    """Rule 5 in full at one instant: the clock part, the attempt rules and the repeat band."""
    return _allowed(plan, ts, checks.counts) and all(check.holds(ts) for check in checks.extra)


def _earliest_all(plan: _Plan, checks: _Checks, ts: float, limit: float) -> float | None:
    """Rule 5 in full: the earliest instant >= ts and <= limit where every condition holds at once."""
    at = ts
    while True:
        found = _earliest(plan, at, limit, checks.counts)
        if found is None or not checks.extra:
            return found
        moved = found
        for check in checks.extra:
            moved = check.next_ok(moved)
        if moved == found:
            return found
        if moved > limit:
            return None
        at = moved


def _is_opening(plan: _Plan, ts: float) -> bool:
    """The start of an allowed stretch of business hours and the contact window, or the campaign's start."""
    if ts == plan.start_ts:
        return True
    return any(lo == ts for lo, _ in plan.days.intervals(_local_ordinal(plan.zone, ts)))


def _clock_reasons(plan: _Plan, ts: float, counts: dict[int, int]) -> list[str]:
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


def _why_not_allowed(plan: _Plan, checks: _Checks, ts: float) -> list[str]:
    reasons = _clock_reasons(plan, ts, checks.counts)
    reasons += [check.reason(ts) for check in checks.extra if not check.holds(ts)]
    return reasons


# An explanation names at most this many moves: the first ones and the last.
_MAX_MOVES_NAMED = 4


def _moves(
    plan: _Plan, checks: _Checks, start: float, found: float, ref: datetime, clock_reasons: list[str]
) -> tuple[str, tuple[str, ...]]:
    """The explanation of how the search went from `start` to `found` (each move with its reasons), and the
    labels of the rule 9/10 checks that moved it. Each move is one the search itself makes, so each lands
    no later than `found`. `clock_reasons` are rule 5's clock part's reasons at `start`."""
    if not checks.extra:  # rule 5's clock part alone moves once, straight to `found`
        opening = any(r == "outside business hours" or r.startswith("holiday") for r in clock_reasons)
        when = _when(_utc(found), plan.zone, ref)
        return f"{', '.join(clock_reasons)} -> {'next opening ' if opening else ''}{when}", ()
    parts: list[str] = []
    deferred: list[str] = []
    at = start
    while at < found:
        if clock_reasons:
            to = _earliest(plan, at, found, checks.counts)
            reasons = clock_reasons
        else:
            failing = [check for check in checks.extra if not check.holds(at)]
            to = max((check.next_ok(at) for check in failing), default=None)
            reasons = [check.reason(at) for check in failing]
            deferred += [check.label for check in failing if check.label not in deferred]
        if to is None or to <= at:  # only if the checks disagree with the search; stop rather than loop
            to = found
        opening = any(r == "outside business hours" or r.startswith("holiday") for r in reasons)
        parts.append(f"{', '.join(reasons)} -> {'next opening ' if opening else ''}{_when(_utc(to), plan.zone, ref)}")
        at = to
        clock_reasons = _clock_reasons(plan, at, checks.counts) if at < found else []
    if len(parts) > _MAX_MOVES_NAMED:
        skipped = len(parts) - _MAX_MOVES_NAMED + 1
        parts = [*parts[: _MAX_MOVES_NAMED - 2], f"... {skipped} more moves", parts[-1]]
    return ", ".join(parts), tuple(deferred)


# --------------------------------------------------------------------------------------------------
# Rules 5-7


class _Search:
    __slots__ = ("allowed", "reason", "explanation")

    def __init__(self, allowed: AllowedTime | None, reason: str = REASON_RETRY, explanation: str = ""):
        self.allowed = allowed
        self.reason = reason  # no_calling_window or campaign_ended when allowed is None
        self.explanation = explanation  # the tail of the sentence when allowed is None


def _search(plan: _Plan, checks: _Checks, candidate: datetime, ref: datetime) -> _Search:
    """Rules 5, 6 and 7 for a candidate.

    Rule 6: when rule 5 moved the candidate to an opening O (the start of an allowed stretch of business
    hours and the contact window, or the campaign's start), the attempt is at O + opening delay if that
    instant is allowed (rule 5 in full, and not after the campaign's end), else at O itself: the delay
    never pushes an attempt into another window or day. A candidate moved by rule 9 or 10 to the middle
    of a window gets no opening delay.
    Rule 7: campaign_ended when the candidate or the answer is after the campaign's end, and also when
    there is no allowed instant within 366 days but the campaign ends within them (both apply).
    """
    calendar = plan.calendar
    zone = plan.zone
    cand_ts = candidate.timestamp()
    end_ts = plan.end_ts
    if end_ts is not None and cand_ts > end_ts:
        return _Search(None, REASON_ENDED, f"after the campaign's end {_when(calendar.end_at, zone, ref)}")
    limit = cand_ts + SEARCH_DAYS * _DAY
    found = None if plan.business.is_empty else _earliest_all(plan, checks, cand_ts, limit)
    if found is None:
        # The rules 9/10 that already forbid the candidate, as a hint at what closes every window.
        rules = [check.reason(cand_ts) for check in checks.extra if not check.holds(cand_ts)]
        hint = f" with {', '.join(rules)}" if rules else ""
        if end_ts is not None and end_ts <= limit:
            end = _when(calendar.end_at, zone, ref)
            return _Search(None, REASON_ENDED, f"no allowed calling time before the campaign's end {end}{hint}")
        if plan.business.is_empty:
            return _Search(None, REASON_NO_WINDOW, "the campaign has no business hours")
        return _Search(None, REASON_NO_WINDOW, f"no allowed calling time within {SEARCH_DAYS} days{hint}")
    if found == cand_ts:
        allowed = AllowedTime(candidate.astimezone(UTC))
    else:
        clock_reasons = _clock_reasons(plan, cand_ts, checks.counts)
        reasons = (*clock_reasons, *(check.reason(cand_ts) for check in checks.extra if not check.holds(cand_ts)))
        text, deferred = _moves(plan, checks, cand_ts, found, ref, clock_reasons)
        # Rule 5's clock part alone only ever moves a candidate to an opening (or the campaign's start).
        opening = found if not checks.extra or _is_opening(plan, found) else None
        result = found
        delay = calendar.opening_delay
        if opening is not None and not delay.is_zero:
            later = add_delay(_utc(opening), delay, zone).timestamp()
            shown = f" +{format_delay(delay)} opening delay = {_when(_utc(later), zone, ref)}"
            if later <= limit and (end_ts is None or later <= end_ts) and _holds(plan, checks, later):
                result = later
                text += shown
            else:
                why = _why_not_allowed(plan, checks, later)
                if end_ts is not None and later > end_ts:
                    why.append(f"after the campaign's end {_when(calendar.end_at, zone, ref)}")
                text += f" ({shown.strip()} is {', '.join(why) or 'not allowed'}: at the opening)"
        allowed = AllowedTime(
            _utc(result),
            opening is not None,
            None if opening is None else _utc(opening),
            reasons,
            text,
            deferred,
        )
    if end_ts is not None and allowed.at.timestamp() > end_ts:
        tail = f"{allowed.explanation}, " if allowed.explanation else ""
        return _Search(None, REASON_ENDED, f"{tail}after the campaign's end {_when(calendar.end_at, zone, ref)}")
    return _Search(allowed)


def next_allowed_at(
    calendar: Calendar,
    candidate: datetime,
    attempts: Sequence[AttemptRecord],
    contact_zone: str | None = None,
    *,
    number_history: Sequence[AttemptRecord] = (),
    catalog: Catalog | None = None,
) -> AllowedTime | None:
    """Rules 5-7 alone: the earliest allowed instant >= candidate, with the opening delay when the candidate
    moved to an opening (see `_search`), for a contact whose attempts in this campaign are `attempts` (the
    daily limit, rule 9, and rule 10 after the latest of them). `number_history` holds the attempts to the
    contact's number that are not in `attempts` (other campaigns), counted by rules with scope "number";
    `catalog` says which outcomes connected (default: the shipped catalog; needed only by rules 9-10).

    Used to validate manual redials: "is 14:30 tomorrow allowed? if not, the next allowed time is ...";
    the AllowedTime's `reasons` and `deferred_by` name what forbids the candidate.
    Returns None when nothing is allowed: no allowed instant within 366 days of the candidate, or the
    candidate or the answer is after the campaign's end.
    """
    plan = _plan_for(calendar, contact_zone)
    checks = _checks_for(plan, attempts, number_history, catalog)
    return _search(plan, checks, candidate, candidate).allowed


def is_allowed_at(
    calendar: Calendar,
    instant: datetime,
    attempts: Sequence[AttemptRecord],
    contact_zone: str | None = None,
    *,
    number_history: Sequence[AttemptRecord] = (),
    catalog: Catalog | None = None,
) -> bool:
    """Whether a call may be placed at `instant`: inside business hours, not on a holiday, inside the
    contact window (contact's zone), on a local day with fewer than daily_attempts of `attempts`, allowed by
    every attempt rule and outside the repeat band (after the latest of `attempts`), and not after the
    campaign's end (rules 5 and 7, as dispatch re-checks them). `number_history` and `catalog` are as for
    `next_allowed_at`."""
    plan = _plan_for(calendar, contact_zone)
    ts = instant.timestamp()
    if plan.end_ts is not None and ts > plan.end_ts:
        return False
    return _holds(plan, _checks_for(plan, attempts, number_history, catalog), ts)


def not_allowed_because(
    calendar: Calendar,
    instant: datetime,
    attempts: Sequence[AttemptRecord],
    contact_zone: str | None = None,
    *,
    number_history: Sequence[AttemptRecord] = (),
    catalog: Catalog | None = None,
) -> tuple[str, ...]:
    """Why a call may not be placed at `instant`, each reason naming its rule ("US Regulation F: 7 calls in 7
    days reached", "outside business hours", "after the campaign's end ..."); empty when it may."""
    plan = _plan_for(calendar, contact_zone)
    ts = instant.timestamp()
    reasons = _why_not_allowed(plan, _checks_for(plan, attempts, number_history, catalog), ts)
    if plan.end_ts is not None and ts > plan.end_ts:
        reasons.append(f"after the campaign's end {_when(calendar.end_at, plan.zone, instant)}")
    return tuple(reasons)
