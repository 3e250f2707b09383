from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from strategies.durations import Delay, add_delay, describe_delay, format_delay, parse_delay, resolve_wall_time

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "delay"),
    [
        ("90m", Delay(90, "m")),
        ("1d", Delay(1, "d")),
        ("0s", Delay(0, "s")),
        ("24h", Delay(24, "h")),
        ("007s", Delay(7, "s")),
    ],
)
def test_parse_delay_reads_whole_numbers_and_units(text, delay):
    assert parse_delay(text) == delay


@pytest.mark.parametrize("text", ["", "h", "1", "1.5h", "-1h", "1w", "1 h", "1H", " 1h", "1h ", "1hh", "ten m"])
def test_parse_delay_rejects_malformed_text_with_a_clear_message(text):
    with pytest.raises(ValueError, match="duration"):
        parse_delay(text)


@pytest.mark.parametrize("value", [None, 5, 1.5, ["1h"]])
def test_parse_delay_rejects_non_strings(value):
    with pytest.raises(ValueError, match="duration"):
        parse_delay(value)


def test_parse_delay_rejects_absurdly_long_delays():
    with pytest.raises(ValueError, match="too long"):
        parse_delay("99999999d")


def test_delay_validates_its_fields():
    with pytest.raises(ValueError):
        Delay(1, "w")
    with pytest.raises(ValueError):
        Delay(-1, "s")
    with pytest.raises(ValueError):
        Delay(True, "s")


@pytest.mark.parametrize("text", ["1h", "30m", "2d", "0s"])
def test_format_delay_round_trips(text):
    assert format_delay(parse_delay(text)) == text
    assert str(parse_delay(text)) == text


def test_describe_delay_for_humans():
    assert describe_delay(Delay(1, "h")) == "1 hour"
    assert describe_delay(Delay(2, "d")) == "2 days"
    assert describe_delay(Delay(30, "m")) == "30 minutes"


def test_delay_helpers():
    assert Delay(0, "h").is_zero
    assert Delay(1, "d").is_calendar and not Delay(24, "h").is_calendar
    assert Delay(2, "h").nominal_seconds == 7200


def test_hours_are_elapsed_time_across_a_dst_gap():
    at = datetime(2026, 3, 29, 0, 30, tzinfo=LONDON)  # GMT, 30 min before the clocks jump
    got = add_delay(at, Delay(1, "h"), LONDON)
    assert got == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert (got.hour, got.utcoffset()) == (2, timedelta(hours=1))


def test_days_keep_the_wall_clock_across_dst():
    at = datetime(2026, 3, 7, 10, 0, tzinfo=NEW_YORK)
    got = add_delay(at, Delay(1, "d"), NEW_YORK)
    assert (got.day, got.hour, got.minute) == (8, 10, 0)
    # Same-tzinfo subtraction is wall-clock arithmetic; elapsed time needs UTC.
    assert got.astimezone(UTC) - at.astimezone(UTC) == timedelta(hours=23)


def test_days_into_a_gap_move_forward_by_the_gap():
    at = datetime(2026, 3, 28, 1, 30, tzinfo=LONDON)
    got = add_delay(at, Delay(1, "d"), LONDON)
    assert got == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert (got.hour, got.minute) == (2, 30)


def test_days_into_an_overlap_take_the_first_occurrence():
    at = datetime(2026, 10, 31, 1, 30, tzinfo=NEW_YORK)
    got = add_delay(at, Delay(1, "d"), NEW_YORK)
    assert got.utcoffset() == timedelta(hours=-4)
    # An ambiguous wall time never compares equal across zones (PEP 495): compare in UTC.
    assert got.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_days_use_the_given_zone_not_the_instants_own_offset():
    at = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # 10:00 in New York
    got = add_delay(at, Delay(1, "d"), NEW_YORK)
    assert got == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)


def test_add_delay_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        add_delay(datetime(2026, 1, 1), Delay(1, "h"), LONDON)


def test_resolve_wall_time_normalises_gap_times():
    got = resolve_wall_time(datetime(2026, 3, 8, 2, 30), NEW_YORK)
    assert (got.hour, got.minute, got.utcoffset()) == (3, 30, timedelta(hours=-4))
