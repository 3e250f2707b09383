"""Rules 9 and 10 at one instant: attempt rules over rolling windows and the repeat band.

Pure Python (no Django import). A check is built per decision from the contact's attempts (and, for rules
with scope "number", the number's attempts in other campaigns); the search asks it whether an instant is
allowed (`holds`) and, when not, for the earliest later instant it allows on its own (`next_ok`). Rolling
windows are counted in whole microseconds so that "an attempt leaves the window exactly P after it
started" is exact, whatever the instants' fractions of a second.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from .clock import _clock, _daily_windows, _DailyWindows, _local_ordinal
from .model import (
    COUNT_ALL,
    COUNT_CONNECTED,
    SCOPE_NUMBER,
    SHORT_CALL_OUTCOME,
    AttemptRecord,
    AttemptRule,
    Catalog,
    _hhmm,
)

REPEAT_BAND = "repeat band"
_MICROS = 1_000_000
_DAY = 86400


def _micros(ts: float) -> int:
    return round(ts * _MICROS)


def _is_short(attempt: AttemptRecord, catalog: Catalog, short_call_seconds: int) -> bool:
    duration = attempt.duration_seconds
    if not short_call_seconds or duration is None or duration >= short_call_seconds:
        return False
    outcome = catalog.outcomes.get(attempt.outcome)
    return outcome is not None and outcome.is_connected


def effective_outcome(attempt: AttemptRecord, catalog: Catalog, short_call_seconds: int) -> tuple[str, bool]:
    """(outcome code, connected) as rule 3 reads the attempt: a connected call shorter than the campaign's
    short-call threshold is outcome "platform.short_call", not connected; unknown codes are not connected."""
    if _is_short(attempt, catalog, short_call_seconds):
        return SHORT_CALL_OUTCOME, False
    outcome = catalog.outcomes.get(attempt.outcome)
    return attempt.outcome, outcome is not None and outcome.is_connected


def counts_for_rule(rule: AttemptRule, attempt: AttemptRecord, catalog: Catalog, short_call_seconds: int) -> bool:
    """Whether `attempt` is one of those `rule` counts (its `count`; scope is the caller's business)."""
    if rule.count == COUNT_ALL:
        return True
    code, connected = effective_outcome(attempt, catalog, short_call_seconds)
    return connected if rule.count == COUNT_CONNECTED else code in rule.outcomes


def starts_repeat_band(attempt: AttemptRecord, catalog: Catalog, short_call_seconds: int) -> bool:
    """Rule 10 applies after a not-connected attempt (a short call is not connected)."""
    return not effective_outcome(attempt, catalog, short_call_seconds)[1]


class RuleCheck:
    """One attempt rule against the counted attempts' start instants."""

    __slots__ = ("rule", "label", "_times", "_span", "_limit")

    def __init__(self, rule: AttemptRule, starts: Iterable[int]):
        """`starts`: the counted attempts' start instants in POSIX microseconds."""
        self.rule = rule
        self.label = rule.label
        self._times = sorted(starts)
        self._span = rule.within.nominal_seconds * _MICROS
        self._limit = rule.max_attempts

    def _count(self, x: int) -> int:
        """Counted attempts that started in (x - P, x]."""
        return bisect_right(self._times, x) - bisect_right(self._times, x - self._span)

    def holds(self, ts: float) -> bool:
        return self._count(_micros(ts)) < self._limit

    def next_ok(self, ts: float) -> float:
        """The earliest instant >= ts where fewer than N counted attempts lie in the window: ts itself, or the
        moment an attempt leaves the window (the count only drops at such moments)."""
        x = _micros(ts)
        if self._count(x) < self._limit:
            return ts
        times = self._times
        for i in range(bisect_right(times, x - self._span), len(times)):
            leaves = times[i] + self._span
            # At `leaves` every attempt up to and including times[i] is out of the window.
            if bisect_right(times, leaves) - bisect_right(times, times[i]) < self._limit:
                return leaves / _MICROS
        return (times[-1] + self._span) / _MICROS  # unreachable: the window is empty after the last attempt

    def reason(self, ts: float) -> str:
        return f"{self.label} reached"


class RepeatBand:
    """Rule 10: no local time of day in [T - H, T + H) (around the clock), T the last attempt's local time."""

    __slots__ = ("_windows", "_local", "_half", "_lo", "_hi")

    label = REPEAT_BAND

    def __init__(self, zone_key: str, zone: ZoneInfo, last_at: datetime, half_seconds: int):
        local = last_at.astimezone(zone)
        self._local, self._half = local, half_seconds
        t = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / _MICROS
        lo, hi = t - half_seconds, t + half_seconds
        if lo < 0:
            allowed: tuple = ((hi, lo + _DAY),)
        elif hi > _DAY:
            allowed = ((hi - _DAY, lo),)
        else:
            allowed = tuple(w for w in ((0, lo), (hi, _DAY)) if w[1] > w[0])
        allowed = tuple((_whole(a), _whole(b)) for a, b in allowed)
        self._windows: _DailyWindows = _daily_windows(zone_key, (allowed,) * 7)
        self._lo, self._hi = lo % _DAY, hi % _DAY

    def reason(self, ts: float) -> str:
        half_seconds = self._half
        if half_seconds % 3600 == 0:
            either = f"{half_seconds // 3600}h"
        elif half_seconds % 60 == 0:
            either = f"{half_seconds // 60}m"
        else:
            either = f"{half_seconds}s"
        return (
            f"repeat band {_clock_of(self._lo)}-{_clock_of(self._hi)} "
            f"({either} either side of the last call at {_clock(self._local)})"
        )

    def holds(self, ts: float) -> bool:
        return self._windows.contains(ts)

    def next_ok(self, ts: float) -> float:
        """The earliest instant >= ts outside the band. Some of every local day is outside it (H <= 11h), so
        the dates from the day before ts's to two days after hold the answer."""
        zone = self._windows.zone
        first = _local_ordinal(zone, ts) - 1
        best = None
        for ordinal in range(first, first + 4):
            for lo, hi in self._windows.intervals(ordinal):
                if hi > ts:
                    found = lo if lo > ts else ts
                    if best is None or found < best:
                        best = found
                    break
        return ts if best is None else best


def _whole(seconds: float) -> float:
    return int(seconds) if seconds == int(seconds) else seconds


def _clock_of(seconds: float) -> str:
    whole = int(seconds)
    text = _hhmm(whole // 60)
    return text if whole % 60 == 0 else f"{text}:{whole % 60:02d}"


def build_checks(
    zone_key: str,
    zone: ZoneInfo,
    rules: Sequence[AttemptRule],
    avoid_repeat_seconds: int,
    short_call_seconds: int,
    attempts: Sequence[AttemptRecord],
    number_history: Sequence[AttemptRecord],
    catalog: Catalog,
    last: AttemptRecord | None,
) -> tuple:
    """The rule 9 and 10 checks for a contact: one per attempt rule, then the repeat band when `last` (the
    attempt the next one follows) was not connected."""
    checks: list = []
    if rules:
        mine = [(_micros(a.at.timestamp()), a) for a in attempts]
        everyone = mine + [(_micros(a.at.timestamp()), a) for a in number_history]
    for rule in rules:
        source = everyone if rule.scope == SCOPE_NUMBER else mine
        if rule.count == COUNT_ALL:
            starts = [micros for micros, _ in source]
        else:
            starts = [micros for micros, a in source if counts_for_rule(rule, a, catalog, short_call_seconds)]
        checks.append(RuleCheck(rule, starts))
    if avoid_repeat_seconds and last is not None and starts_repeat_band(last, catalog, short_call_seconds):
        checks.append(RepeatBand(zone_key, zone, last.at, avoid_repeat_seconds))
    return tuple(checks)
