"""Zones, per-day allowed intervals and the engine's way of writing local times.

Pure Python (no Django import). The search for an allowed instant works on POSIX seconds and on per-day
lists of allowed UTC intervals, computed once per (zone, windows, date) and cached, so skipping closed
days, holidays and full days costs a dict look-up each.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from .model import _zone

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY = 86400
# UTC offsets stay within -12h..+14h, so every instant whose local date is D lies within a day of D's UTC day.
_MAX_OFFSET = 14 * 3600
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
    """Allowed UTC intervals, per local date, of weekly wall-clock windows in one zone.

    `weekly` holds, Monday first, each day's (start, end) windows in seconds since local midnight.
    """

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
            for start_second, end_second in windows:
                wall_start, wall_end = day_start + start_second, day_start + end_second
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


def _daily_windows(zone_key: str, weekly: tuple[tuple[tuple[float, float], ...], ...]) -> _DailyWindows:
    key = (zone_key, weekly)
    found = _DAILY_WINDOWS.get(key)
    if found is None:
        if len(_DAILY_WINDOWS) > 2_000:
            _DAILY_WINDOWS.clear()
        found = _DAILY_WINDOWS[key] = _DailyWindows(_zone(zone_key), weekly)
    return found


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
