"""The out-of-hours queue arithmetic, without a database."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from strategies.durations import Delay
from strategies.engine import AttemptRecord, Calendar, Window, is_allowed_at
from strategies.queueing import first_queue_slot, next_queue_slot, plan_queue_slot

LONDON = ZoneInfo("Europe/London")
WEEKDAYS_9_TO_5 = tuple((Window(9 * 60, 17 * 60),) if day < 5 else () for day in range(7))


def at(day: int, hour: int, minute: int = 0, second: int = 0, zone=LONDON) -> datetime:
    """Local time on Mon 25 Nov 2030 + day (London is on GMT then)."""
    return datetime.combine(date(2030, 11, 25) + timedelta(days=day), time(hour, minute, second), tzinfo=zone)


def calendar(hours=WEEKDAYS_9_TO_5, opening_minutes=10, **extra) -> Calendar:
    return Calendar(
        zone="Europe/London", business_hours=hours, max_attempts=5, opening_delay=Delay(opening_minutes, "m"), **extra
    )


def test_the_first_slot_is_the_opening_plus_the_opening_delay():
    assert plan_queue_slot(calendar(), at(1, 9), 1, 30) == at(1, 9, 10)


def test_an_opening_delay_longer_than_the_window_keeps_the_first_slot_at_the_opening():
    # Rule 6 (settled): the delay never pushes an attempt out of the window it opens.
    short_day = tuple((Window(9 * 60, 9 * 60 + 5),) if day < 5 else () for day in range(7))
    cal = calendar(short_day)
    assert plan_queue_slot(cal, at(1, 9), 1, 60) == at(1, 9)
    assert plan_queue_slot(cal, at(1, 9), 2, 60) == at(1, 9, 1)


def test_the_kth_slot_is_spaced_k_minus_one_times():
    assert plan_queue_slot(calendar(), at(1, 9), 3, 30) == at(1, 9, 11)
    assert plan_queue_slot(calendar(), at(1, 9), 500, 30) == at(1, 9, 10) + timedelta(seconds=499 * 30)


def test_slots_are_returned_in_utc():
    slot = plan_queue_slot(calendar(), at(1, 9), 2, 30)
    assert slot.tzinfo == UTC


def test_a_queue_longer_than_the_window_continues_at_the_next_window_with_the_opening_delay():
    short_day = tuple((Window(9 * 60, 10 * 60),) if day < 5 else () for day in range(7))
    cal = calendar(short_day)
    slots = [plan_queue_slot(cal, at(1, 9), k, 600) for k in range(1, 9)]
    assert slots[:5] == [at(1, 9, 10), at(1, 9, 20), at(1, 9, 30), at(1, 9, 40), at(1, 9, 50)]
    assert slots[5:] == [at(2, 9, 10), at(2, 9, 20), at(2, 9, 30)]


def test_a_queue_running_into_friday_evening_continues_on_monday():
    friday_opening = at(4, 9)
    slot = plan_queue_slot(calendar(opening_minutes=0), friday_opening, 2, 8 * 3600)
    assert slot == at(7, 9)


def test_a_lunch_break_interrupts_the_queue():
    split_day = tuple((Window(9 * 60, 12 * 60), Window(13 * 60, 17 * 60)) if day < 5 else () for day in range(7))
    cal = calendar(split_day, opening_minutes=0)
    assert plan_queue_slot(cal, at(1, 9), 4, 3600) == at(1, 13)
    assert plan_queue_slot(cal, at(1, 9), 5, 3600) == at(1, 14)


def test_the_queue_skips_holidays():
    short_day = tuple((Window(9 * 60, 10 * 60),) if day < 5 else () for day in range(7))
    cal = calendar(short_day, holidays=[date(2030, 11, 27)])
    assert plan_queue_slot(cal, at(1, 9), 6, 600) == at(3, 9, 10)


def test_zero_spacing_gives_every_position_the_same_slot():
    assert plan_queue_slot(calendar(), at(1, 9), 7, 0) == at(1, 9, 10)


def test_the_contact_window_in_the_contacts_zone_is_respected():
    cal = calendar(contact_window=Window(8 * 60, 21 * 60), opening_minutes=0)
    # 09:00 London is 04:00 in New York: the queue waits until 08:00 there (13:00 London).
    slot = plan_queue_slot(cal, at(1, 9), 1, 60, contact_zone="America/New_York")
    assert slot == at(1, 13)


def test_the_daily_limit_of_the_contact_moves_the_slot_to_the_next_day():
    cal = calendar(daily_attempts=1, opening_minutes=0)
    history = [AttemptRecord(at(1, 8, 0).astimezone(UTC), "sip.customer_no_answer")]
    assert plan_queue_slot(cal, at(1, 9), 1, 60, attempts=history) == at(2, 9)


def test_the_queue_stops_at_the_campaigns_end():
    cal = calendar(end_at=at(1, 9, 30))
    assert plan_queue_slot(cal, at(1, 9), 40, 30) == at(1, 9, 29, 30)
    assert plan_queue_slot(cal, at(1, 9), 42, 30) is None


def test_no_business_hours_gives_no_slot():
    assert plan_queue_slot(calendar(tuple(() for _ in range(7))), at(1, 9), 1, 30) is None


def test_walking_one_step_at_a_time_matches_planning_from_the_opening():
    short_day = tuple((Window(9 * 60, 11 * 60),) if day < 5 else () for day in range(7))
    cal = calendar(short_day)
    slot = first_queue_slot(cal, at(1, 9))
    for k in range(1, 60):
        assert slot == plan_queue_slot(cal, at(1, 9), k, 300)
        assert is_allowed_at(cal, slot, [])
        following = next_queue_slot(cal, slot, 300)
        assert following > slot
        slot = following


@pytest.mark.parametrize(
    "call",
    [
        lambda: plan_queue_slot(calendar(), at(1, 9), 0, 30),
        lambda: plan_queue_slot(calendar(), at(1, 9).replace(tzinfo=None), 1, 30),
        lambda: next_queue_slot(calendar(), at(1, 9), -1),
        lambda: next_queue_slot(calendar(), at(1, 9).replace(tzinfo=None), 30),
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()
