"""The out-of-hours queue: spacing the calls that wait for the same opening.

Pure Python (no Django import). When a retry or a new lead cannot be called now and the engine moves it
to the next opening O, the k-th request queued for O is due at O + opening delay + (k - 1) x spacing,
"still inside allowed time": whenever the next slot falls outside allowed time (past the window's end,
into a lunch break, past the contact window, on a full day ...) the queue continues at the next allowed
instant the engine gives, which applies the opening delay again after that opening.

The queue is a walk: slot 1 is the first allowed instant at or after O + opening delay, and slot k + 1
is `next_queue_slot(slot k)`. `plan_queue_slot` walks from the opening (O(k) steps); callers that keep
the previous slot (the campaigns services store it as the request's due time) take one step instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .durations import add_delay
from .engine import AttemptRecord, Calendar, is_allowed_at, next_allowed_at
from .limits import MAX_QUEUE_SPACING_SECONDS

__all__ = ["first_queue_slot", "next_queue_slot", "plan_queue_slot"]


def _allowed_from(
    calendar: Calendar,
    instant: datetime,
    attempts: Sequence[AttemptRecord],
    contact_zone: str | None,
    number_history: Sequence[AttemptRecord] = (),
) -> datetime | None:
    """`instant` when it is allowed, else the engine's next allowed instant (opening delay included).

    Returns None when nothing is allowed any more (no window within 366 days, or after the campaign's end).
    """
    if is_allowed_at(calendar, instant, attempts, contact_zone, number_history=number_history):
        return instant.astimezone(UTC)
    allowed = next_allowed_at(calendar, instant, attempts, contact_zone, number_history=number_history)
    return None if allowed is None else allowed.at


def first_queue_slot(
    calendar: Calendar,
    opening_at: datetime,
    attempts: Sequence[AttemptRecord] = (),
    contact_zone: str | None = None,
    *,
    number_history: Sequence[AttemptRecord] = (),
) -> datetime | None:
    """Slot 1 of the queue for `opening_at`: the opening plus the campaign's opening delay; when that is not
    allowed, the opening itself if it is (rule 6: the delay never pushes an attempt out of the window it
    opens), else the next allowed instant. Returns None when no allowed instant remains."""
    if opening_at.utcoffset() is None:
        raise ValueError("opening_at must be an aware datetime")
    start = add_delay(opening_at, calendar.opening_delay, ZoneInfo(calendar.zone))

    def allowed(instant: datetime) -> bool:
        return is_allowed_at(calendar, instant, attempts, contact_zone, number_history=number_history)

    if start != opening_at and not allowed(start) and allowed(opening_at):
        return opening_at.astimezone(UTC)
    return _allowed_from(calendar, start, attempts, contact_zone, number_history)


def next_queue_slot(
    calendar: Calendar,
    previous_slot_at: datetime,
    spacing_seconds: int,
    attempts: Sequence[AttemptRecord] = (),
    contact_zone: str | None = None,
    *,
    number_history: Sequence[AttemptRecord] = (),
) -> datetime | None:
    """The slot after `previous_slot_at`: spacing_seconds later when that is allowed, else the next
    allowed instant. Returns None when no allowed instant remains."""
    if previous_slot_at.utcoffset() is None:
        raise ValueError("previous_slot_at must be an aware datetime")
    if spacing_seconds < 0:
        raise ValueError("spacing_seconds must not be negative")
    if spacing_seconds > MAX_QUEUE_SPACING_SECONDS:
        raise ValueError(f"spacing_seconds must be at most {MAX_QUEUE_SPACING_SECONDS}")
    candidate = previous_slot_at.astimezone(UTC) + timedelta(seconds=spacing_seconds)
    return _allowed_from(calendar, candidate, attempts, contact_zone, number_history)


def plan_queue_slot(
    calendar: Calendar,
    opening_at: datetime,
    position_k: int,
    spacing_seconds: int,
    attempts: Sequence[AttemptRecord] = (),
    contact_zone: str | None = None,
    *,
    number_history: Sequence[AttemptRecord] = (),
) -> datetime | None:
    """When the `position_k`-th (1-based) request queued for `opening_at` is due, in UTC.

    Inside one allowed stretch this is opening_at + opening delay + (position_k - 1) x spacing_seconds;
    a queue longer than the stretch continues at the next allowed window. Returns None when the queue
    runs out of allowed time (no window within 366 days, or past the campaign's end).
    """
    if position_k < 1:
        raise ValueError("position_k is 1-based and must be at least 1")
    slot = first_queue_slot(calendar, opening_at, attempts, contact_zone, number_history=number_history)
    for _ in range(position_k - 1):
        if slot is None:
            return None
        slot = next_queue_slot(calendar, slot, spacing_seconds, attempts, contact_zone, number_history=number_history)
    return slot
