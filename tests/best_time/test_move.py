"""Moving a retry to a better hour: best_time_move (no database, no Django)."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from strategies.best_time import (
    SAME_HOUR_TOMORROW,
    Cell,
    RateTable,
    best_time_move,
    slot_capacity,
    slot_index,
    slot_start,
)
from strategies.durations import Delay
from strategies.engine import (
    STRATEGY_TELEPHONY,
    AttemptRecord,
    Calendar,
    Catalog,
    StrategySpec,
    Window,
    decide,
    is_allowed_at,
)

NEW_YORK = ZoneInfo("America/New_York")


def ny(day, hour, minute=0):
    return datetime(2026, 4, day, hour, minute, tzinfo=NEW_YORK)  # 13 Apr 2026 is a Monday


def evening_table(evening=0.41, other=0.12, calls=3200):
    """Weekdays: 18:00-19:00 at `evening`, every other hour at `other`."""
    cells = []
    for hour in range(168):
        if hour // 24 < 5 and hour % 24 == 18:
            cells.append(Cell(evening, calls, round(calls * evening)))
        else:
            cells.append(Cell(other, 500, 60))
    return RateTable(tuple(cells), other)


def move(decided, table, *, is_allowed=lambda _: True, shift=timedelta(hours=8), gain=0.2, slots=None, **kwargs):
    kwargs.setdefault("campaign_zone", "America/New_York")
    kwargs.setdefault("contact_zone", None)
    kwargs.setdefault("capacity_per_hour", 400)
    return best_time_move(
        decided,
        is_allowed=is_allowed,
        table=table,
        max_shift=shift,
        min_gain=gain,
        slot_counts=slots or {},
        **kwargs,
    )


def test_moves_to_the_better_hour_and_says_why():
    result = move(ny(13, 11, 10), evening_table())
    assert result.at == ny(13, 18, 0).astimezone(UTC)
    assert result.explanation == "moved 11:10 -> 18:00: 41% answer then vs 12% (3,200 calls)"
    assert (result.from_rate, result.to_rate, result.calls) == (0.12, 0.41, 3200)


def test_flat_table_or_no_shift_keeps_the_engines_instant():
    assert move(ny(13, 11, 10), RateTable.flat(0.3)) is None
    assert move(ny(13, 11, 10), evening_table(), shift=timedelta(0)) is None


def test_too_small_a_gain_keeps_the_engines_instant():
    assert move(ny(13, 11, 10), evening_table(evening=0.14, other=0.12), gain=0.2) is None
    assert move(ny(13, 11, 10), evening_table(evening=0.15, other=0.12), gain=0.2) is not None


def test_the_better_hour_must_be_within_the_shift():
    assert move(ny(13, 11, 10), evening_table(), shift=timedelta(hours=6)) is None
    assert move(ny(13, 11, 10), evening_table(), shift=timedelta(hours=6, minutes=50)).at == ny(13, 18).astimezone(UTC)


def test_same_hour_tomorrow_reaches_the_next_day():
    result = move(ny(13, 19, 30), evening_table(), shift=SAME_HOUR_TOMORROW)
    assert result.at == ny(14, 18, 0).astimezone(UTC)
    assert result.explanation.startswith("moved 19:30 -> Tue 18:00: ")


def test_full_slots_are_skipped():
    capacity = 400  # 100 per 15-minute slot
    full = {slot_index(ny(13, 18, 0)): 100, slot_index(ny(13, 18, 15)): 150}
    result = move(ny(13, 11, 10), evening_table(), slots=full, capacity_per_hour=capacity)
    assert result.at == ny(13, 18, 30).astimezone(UTC)
    almost = {slot_index(ny(13, 18, 0)): 99}
    assert move(ny(13, 11, 10), evening_table(), slots=almost, capacity_per_hour=capacity).at == ny(13, 18).astimezone(
        UTC
    )
    every_evening_slot = {slot_index(ny(13, 18, 15 * q)): 100 for q in range(4)}
    assert move(ny(13, 11, 10), evening_table(), slots=every_evening_slot, capacity_per_hour=capacity) is None


def test_disallowed_instants_are_skipped():
    def closed_until_1830(instant):
        return instant.astimezone(NEW_YORK).time() >= ny(13, 18, 30).time()

    assert move(ny(13, 11, 10), evening_table(), is_allowed=closed_until_1830).at == ny(13, 18, 30).astimezone(UTC)
    assert move(ny(13, 11, 10), evening_table(), is_allowed=lambda _: False) is None


def test_equal_rates_take_the_earliest():
    result = move(ny(13, 11, 10), evening_table(), shift=timedelta(days=2))
    assert result.at == ny(13, 18).astimezone(UTC)


def test_the_table_is_read_in_the_contacts_zone_and_the_clock_in_the_campaigns():
    # 18:00 in Los Angeles is 21:00 in New York.
    result = move(ny(13, 14, 10), evening_table(), contact_zone="America/Los_Angeles", shift=timedelta(hours=10))
    assert result.at == ny(13, 21, 0).astimezone(UTC)
    assert result.explanation == "moved 14:10 -> 21:00 (18:00 contact time): 41% answer then vs 12% (3,200 calls)"


def test_slots_are_quarters_of_an_hour():
    instant = datetime(2026, 4, 13, 18, 14, 59, tzinfo=UTC)
    assert slot_start(slot_index(instant)) == datetime(2026, 4, 13, 18, 0, tzinfo=UTC)
    assert slot_capacity(400) == 100


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"decided": datetime(2026, 4, 13, 11, 10)}, "decided_at: must be an aware datetime"),
        ({"shift": timedelta(hours=-1)}, "max_shift"),
        ({"shift": 6}, "max_shift"),
        ({"gain": -0.1}, "min_gain"),
        ({"capacity_per_hour": 0}, "capacity_per_hour"),
        ({"campaign_zone": "Mars/Olympus"}, "campaign_zone: unknown time zone"),
        ({"contact_zone": "Nowhere"}, "contact_zone: unknown time zone"),
    ],
)
def test_bad_arguments_name_the_field(kwargs, message):
    decided = kwargs.pop("decided", ny(13, 11, 10))
    with pytest.raises(ValueError, match=re.escape(message)):
        move(decided, evening_table(), **kwargs)


def test_with_the_engine_the_move_respects_the_daily_limit():
    """The caller's predicate is the engine's is_allowed_at for the contact: a move never lands on a
    day whose daily limit is already reached."""
    calendar = Calendar(
        "America/New_York",
        ((Window(9 * 60, 20 * 60),),) * 5 + ((), ()),
        max_attempts=6,
        daily_attempts=2,
    )
    telephony = StrategySpec(STRATEGY_TELEPHONY, {"sip.customer_no_answer": Delay(2, "h")})
    attempts = [AttemptRecord(ny(13, 9, 10), "sip.customer_no_answer")]
    decision = decide(calendar, attempts, Catalog.load(), telephony)
    assert decision.next_attempt_at == ny(13, 11, 10).astimezone(UTC)

    def allowed(instant):
        return is_allowed_at(calendar, instant, attempts, None)

    result = move(decision.next_attempt_at, evening_table(), is_allowed=allowed, shift=SAME_HOUR_TOMORROW)
    assert result.at == ny(13, 18).astimezone(UTC)
    # With two attempts today already, Monday is full: the move goes to Tuesday 18:00.
    attempts.append(AttemptRecord(ny(13, 11, 10), "sip.customer_no_answer"))
    decision = decide(calendar, attempts, Catalog.load(), telephony)
    assert decision.next_attempt_at == ny(14, 9).astimezone(UTC)
    result = move(decision.next_attempt_at, evening_table(), is_allowed=allowed, shift=SAME_HOUR_TOMORROW)
    assert result.at == ny(14, 18).astimezone(UTC)
