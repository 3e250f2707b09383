"""Property tests of the engine's invariants, checked against a brute-force oracle written independently
of the engine's interval arithmetic: it reads wall clocks with `astimezone` and nothing else."""

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from strategies.durations import Delay, add_delay
from strategies.engine import (
    STRATEGY_TELEPHONY,
    AttemptRecord,
    Calendar,
    Catalog,
    StrategySpec,
    Window,
    decide,
    is_allowed_at,
    next_allowed_at,
)

CATALOG = Catalog.load()
NA = "sip.customer_no_answer"
ZONES = [
    "UTC",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/Sao_Paulo",
    "Pacific/Chatham",  # +12:45/+13:45
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # -11
]
FIXED_ZONES = ["UTC", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tokyo", "Asia/Dubai", "Etc/GMT+5", "America/Bogota"]
# Days around DST changes get extra weight: that is where naive arithmetic goes wrong.
DST_DAYS = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 9, 27),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 11, 1),
]
# ENGINE_PROPERTY_EXAMPLES=5000 for a deeper run.
PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("ENGINE_PROPERTY_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def windows(draw, max_windows=3):
    result = []
    for _ in range(draw(st.integers(0, max_windows))):
        start = draw(st.integers(0, 1439))
        end = draw(st.integers(start + 1, 1440))
        result.append(Window(start, end))
    return tuple(result)


@st.composite
def instants(draw, zones=ZONES):
    day = draw(st.one_of(st.sampled_from(DST_DAYS), st.dates(date(2026, 1, 1), date(2027, 6, 30))))
    day += timedelta(days=draw(st.integers(-1, 1)))
    minute = draw(st.integers(0, 1439))
    second = draw(st.sampled_from([0, 0, 0, 30]))
    base = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return base + timedelta(minutes=minute, seconds=second)


@st.composite
def calendars(draw, zones=ZONES, with_end=True, opening_delay=True):
    zone = draw(st.sampled_from(zones))
    hours = tuple(draw(windows()) for _ in range(7))
    assume(any(hours))
    holidays = frozenset(draw(st.lists(st.dates(date(2025, 12, 25), date(2027, 7, 15)), max_size=40)))
    contact_window = draw(st.one_of(st.none(), windows(max_windows=1).filter(bool).map(lambda w: w[0])))
    delay = Delay(draw(st.sampled_from([0, 0, 5, 30, 90])), "m") if opening_delay else Delay(0, "s")
    end_at = draw(st.one_of(st.none(), instants())) if with_end else None
    return Calendar(
        zone=zone,
        business_hours=hours,
        max_attempts=draw(st.integers(1, 12)),
        daily_attempts=draw(st.one_of(st.none(), st.integers(1, 3))),
        holidays=holidays,
        contact_window=contact_window,
        opening_delay=delay,
        end_at=end_at,
    )


def oracle_allowed(calendar, instant, attempts, contact_zone):
    """Rule 5 read straight off wall clocks."""
    zone = ZoneInfo(calendar.zone)
    local = instant.astimezone(zone)
    if local.date() in calendar.holidays:
        return False
    if calendar.daily_attempts is not None:
        same_day = sum(1 for a in attempts if a.at.astimezone(zone).date() == local.date())
        if same_day >= calendar.daily_attempts:
            return False
    seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    if not any(w.start_minute * 60 <= seconds < w.end_minute * 60 for w in calendar.business_hours[local.weekday()]):
        return False
    if calendar.contact_window is not None:
        contact = instant.astimezone(ZoneInfo(contact_zone or calendar.zone))
        seconds = contact.hour * 3600 + contact.minute * 60 + contact.second + contact.microsecond / 1e6
        window = calendar.contact_window
        if not window.start_minute * 60 <= seconds < window.end_minute * 60:
            return False
    return True


def first_allowed_by_scan(calendar, start, stop, attempts, contact_zone):
    """The first allowed instant in [start, stop) by checking start and every whole UTC minute after it:
    the allowed set only changes at whole minutes of some wall clock, which are whole UTC minutes."""
    if oracle_allowed(calendar, start, attempts, contact_zone):
        return start
    at = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while at < stop:
        if oracle_allowed(calendar, at, attempts, contact_zone):
            return at
        at += timedelta(minutes=1)
    return None


histories = st.lists(st.tuples(st.integers(-3 * 1440, 0), st.sampled_from([NA, "sip.customer_busy"])), max_size=5)
contact_zones = st.one_of(st.none(), st.sampled_from(ZONES))


def build_history(candidate, offsets):
    return sorted((AttemptRecord(candidate + timedelta(minutes=m), code) for m, code in offsets), key=lambda a: a.at)


@PROPERTY_SETTINGS
@given(calendars(), instants(), histories, contact_zones)
# Found by CI: London's campaign opens Sundays 00:00-01:01 local; on 25 Oct 2026 the opening at 01:00 GMT is the
# second 01:00 of the night (fold=1).
@example(
    calendar=Calendar(
        zone="Europe/London",
        business_hours=((), (), (), (), (), (), (Window(start_minute=0, end_minute=61),)),
        max_attempts=1,
        daily_attempts=1,
    ),
    candidate=datetime(2026, 10, 25, 0, 1, tzinfo=UTC),
    offsets=[],
    contact_zone=None,
)
def test_next_allowed_at_is_allowed_not_early_and_within_limits(calendar, candidate, offsets, contact_zone):
    attempts = build_history(candidate, offsets)
    allowed = next_allowed_at(calendar, candidate, attempts, contact_zone)
    if allowed is None:
        first = first_allowed_by_scan(calendar, candidate, candidate + timedelta(days=2), attempts, contact_zone)
        # Nothing allowed soon, or only after the campaign's end (the opening delay never loses an opening).
        assert first is None or (calendar.end_at is not None and first > calendar.end_at)
        return
    at = allowed.at
    assert at.tzinfo is UTC
    assert at >= candidate
    assert at - candidate <= timedelta(days=366)
    assert oracle_allowed(calendar, at, attempts, contact_zone)
    assert is_allowed_at(calendar, at, attempts, contact_zone)
    if calendar.end_at is not None:
        assert at <= calendar.end_at
    if allowed.moved_to_opening:
        assert not oracle_allowed(calendar, candidate, attempts, contact_zone)
        assert allowed.opening_at >= candidate
        # Rule 6: the opening plus the delay when that is allowed, else the opening itself.
        # In UTC: add_delay answers in the campaign's zone, and an ambiguous local time (the repeated hour of a
        # fall-back) never equals an instant of another zone (PEP 495), whatever instant it names.
        with_delay = add_delay(allowed.opening_at, calendar.opening_delay, ZoneInfo(calendar.zone)).astimezone(UTC)
        delay_allowed = oracle_allowed(calendar, with_delay, attempts, contact_zone) and (
            calendar.end_at is None or with_delay <= calendar.end_at
        )
        assert at == (with_delay if delay_allowed else allowed.opening_at)
    else:
        assert at == candidate


@PROPERTY_SETTINGS
@given(calendars(with_end=False, opening_delay=False), instants(), histories, contact_zones)
def test_next_allowed_at_is_the_earliest_allowed_instant(calendar, candidate, offsets, contact_zone):
    attempts = build_history(candidate, offsets)
    allowed = next_allowed_at(calendar, candidate, attempts, contact_zone)
    horizon = candidate + timedelta(days=2)
    if allowed is not None and allowed.at < horizon:
        horizon = allowed.at + timedelta(minutes=1)
    first = first_allowed_by_scan(calendar, candidate, horizon, attempts, contact_zone)
    if first is None:
        assert allowed is None or allowed.at >= horizon
    else:
        assert allowed is not None and allowed.at == first
        if allowed.moved_to_opening:
            assert allowed.opening_at == first


@PROPERTY_SETTINGS
@given(
    calendars(),
    instants(),
    st.lists(st.sampled_from(["10m", "1h", "3h", "1d", "0s"]), min_size=1, max_size=8),
    st.lists(st.integers(0, 120), min_size=8, max_size=8),
    contact_zones,
)
def test_a_contact_called_when_told_stays_within_every_limit(calendar, first_at, delays, lateness, contact_zone):
    """Call the contact at each decision (plus some lateness) and check the whole history."""
    zone = ZoneInfo(calendar.zone)
    attempts = [AttemptRecord(first_at, NA)]
    for step in range(len(delays)):
        delay_text = delays[step]
        telephony = StrategySpec(STRATEGY_TELEPHONY, {NA: Delay(int(delay_text[:-1]), delay_text[-1])})
        decision = decide(calendar, attempts, CATALOG, telephony, None, contact_zone)
        assert decision.attempt == len(attempts)
        if len(attempts) >= calendar.max_attempts:
            assert decision.reason == "max_attempts_reached"
        if decision.next_attempt_at is None:
            assert decision.reason != "retry"
            break
        at = decision.next_attempt_at
        assert decision.reason == "retry"
        assert at.tzinfo is UTC
        assert at >= decision.candidate_at >= attempts[-1].at
        assert oracle_allowed(calendar, at, attempts, contact_zone), decision.explanation
        if calendar.end_at is not None:
            assert at <= calendar.end_at
        late = at + timedelta(minutes=lateness[step])
        attempts.append(AttemptRecord(at if not oracle_allowed(calendar, late, attempts, contact_zone) else late, NA))
    # Each placed attempt was allowed given the attempts before it, so no local day ever exceeds the limit.
    if calendar.daily_attempts is not None:
        counts = {}
        for a in attempts:
            day = a.at.astimezone(zone).date()
            counts[day] = counts.get(day, 0) + 1
        assert max(counts.values()) <= calendar.daily_attempts
    assert len(attempts) <= calendar.max_attempts


@PROPERTY_SETTINGS
@given(
    calendars(zones=["UTC"], with_end=False),
    st.sampled_from(FIXED_ZONES),
    st.sampled_from(FIXED_ZONES),
    instants(),
    st.sampled_from(["10m", "1h", "5h", "1d", "2d"]),
    histories,
    st.booleans(),
)
def test_same_wall_clock_answer_whatever_the_campaign_zone(template, zone_a, zone_b, at, delay_text, offsets, with_end):
    """The same campaign and history written in two zones (same wall clocks) gives the same wall-clock answer.
    Zones without DST in 2025-2027, so wall clocks map one to one to instants."""
    delay = Delay(int(delay_text[:-1]), delay_text[-1])
    telephony = StrategySpec(STRATEGY_TELEPHONY, {NA: delay})
    wall_end = at.replace(tzinfo=None) + timedelta(days=3)
    walls = sorted(at.replace(tzinfo=None) + timedelta(minutes=m) for m, _ in offsets) + [at.replace(tzinfo=None)]

    def in_zone(name):
        zone = ZoneInfo(name)
        calendar = Calendar(
            name,
            template.business_hours,
            max_attempts=template.max_attempts + 6,
            daily_attempts=template.daily_attempts,
            holidays=template.holidays,
            contact_window=template.contact_window,
            opening_delay=template.opening_delay,
            end_at=wall_end.replace(tzinfo=zone) if with_end else None,
        )
        attempts = [AttemptRecord(w.replace(tzinfo=zone), NA) for w in walls]
        decision = decide(calendar, attempts, CATALOG, telephony)
        local = (
            None if decision.next_attempt_at is None else decision.next_attempt_at.astimezone(zone).replace(tzinfo=None)
        )
        return decision.reason, local, decision.explanation

    assert in_zone(zone_a) == in_zone(zone_b)


@PROPERTY_SETTINGS
@given(calendars(), instants(), histories, contact_zones)
def test_is_allowed_at_agrees_with_the_oracle(calendar, instant, offsets, contact_zone):
    attempts = build_history(instant, offsets)
    expected = oracle_allowed(calendar, instant, attempts, contact_zone) and (
        calendar.end_at is None or instant <= calendar.end_at
    )
    assert is_allowed_at(calendar, instant, attempts, contact_zone) == expected
