"""A campaign's start: nothing is allowed before it, and a retry due earlier waits for it."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from strategies.durations import Delay
from strategies.engine import (
    AttemptRecord,
    Calendar,
    Catalog,
    StrategySpec,
    Window,
    decide,
    is_allowed_at,
    next_allowed_at,
)

LONDON = ZoneInfo("Europe/London")
OFFICE = [(Window(9 * 60, 17 * 60),)] * 5 + [(), ()]


def calendar(**extra):
    return Calendar(zone="Europe/London", business_hours=OFFICE, max_attempts=5, **extra)


def test_nothing_is_allowed_before_the_start():
    start = datetime(2026, 12, 1, 12, 0, tzinfo=LONDON)
    cal = calendar(start_at=start)
    assert not is_allowed_at(cal, datetime(2026, 12, 1, 11, 59, tzinfo=LONDON), [])
    assert is_allowed_at(cal, start, [])


def test_a_candidate_before_the_start_waits_for_it_and_says_why():
    cal = calendar(start_at=datetime(2026, 12, 1, 12, 0, tzinfo=LONDON))
    allowed = next_allowed_at(cal, datetime(2026, 11, 25, 10, 0, tzinfo=LONDON), [])
    assert allowed.at == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert "before the campaign starts on Tue 1 Dec 2026 12:00" in allowed.explanation


def test_a_start_outside_hours_moves_to_the_first_opening_after_it():
    cal = calendar(start_at=datetime(2026, 12, 5, 8, 0, tzinfo=LONDON), opening_delay=Delay(10, "m"))  # a Saturday
    allowed = next_allowed_at(cal, datetime(2026, 11, 30, 10, 0, tzinfo=LONDON), [])
    assert allowed.at == datetime(2026, 12, 7, 9, 10, tzinfo=LONDON)


def test_decide_honours_the_start():
    cal = calendar(start_at=datetime(2026, 12, 1, 9, 0, tzinfo=LONDON))
    spec = StrategySpec(kind="telephony", rules={"sip.customer_no_answer": Delay(1, "h")})
    decision = decide(
        cal,
        [AttemptRecord(datetime(2026, 11, 27, 10, 0, tzinfo=LONDON), "sip.customer_no_answer")],
        Catalog.load(),
        telephony=spec,
    )
    assert decision.next_attempt_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
