"""Properties of rules 9 and 10 inside rule 5's search, against a brute-force oracle that reads wall clocks
with `astimezone` and counts attempts in lists, independently of the engine's intervals and bisections.

- no decision lands where a rule (or the repeat band, or rule 5) is broken;
- removing an attempt rule or the repeat band never makes a retry later;
- the answer is the earliest allowed instant (a minute-by-minute scan agrees).

Every instant here is a whole minute, so the allowed set can only change at whole minutes and a minute scan
is exact. ENGINE_PROPERTY_EXAMPLES raises the number of examples for a deeper run.
"""

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from strategies.durations import Delay
from strategies.engine import (
    STRATEGY_BUSINESS,
    STRATEGY_TELEPHONY,
    AttemptRecord,
    AttemptRule,
    Calendar,
    Catalog,
    StrategySpec,
    Window,
    decide,
    is_allowed_at,
    next_allowed_at,
)

from .test_engine_properties import DST_DAYS, ZONES, oracle_allowed, windows

CATALOG = Catalog.load()
NA, BUSY, DONE, SHORT = "sip.customer_no_answer", "sip.customer_busy", "platform.call_complete", "platform.short_call"
SETTINGS = settings(
    max_examples=max(20, int(os.environ.get("ENGINE_PROPERTY_EXAMPLES", "150")) // 3),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TELEPHONY = StrategySpec(STRATEGY_TELEPHONY, {NA: Delay(1, "h"), BUSY: Delay(20, "m"), SHORT: Delay(2, "h")})
BUSINESS = StrategySpec(STRATEGY_BUSINESS, {"busy": Delay(3, "h")})


@st.composite
def minutes(draw):
    day = draw(st.one_of(st.sampled_from(DST_DAYS), st.dates(date(2026, 1, 1), date(2027, 6, 30))))
    day += timedelta(days=draw(st.integers(-1, 1)))
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 1439)))


@st.composite
def attempt_rules(draw):
    count = draw(st.sampled_from(["all", "all", "connected", "outcomes"]))
    outcomes = draw(st.sets(st.sampled_from([NA, BUSY, DONE, SHORT]), min_size=1)) if count == "outcomes" else ()
    return AttemptRule(
        draw(st.sampled_from(["", "rule"])),
        draw(st.integers(1, 3)),
        draw(st.sampled_from([Delay(30, "m"), Delay(90, "m"), Delay(3, "h"), Delay(1, "d"), Delay(2, "d")])),
        count,
        outcomes,
        draw(st.sampled_from(["contact", "number"])),
    )


WIDE = (Window(7 * 60, 21 * 60),)


@st.composite
def calendars(draw, opening_delay=False, with_end=False):
    # Wide hours most days let the rules bite more often than random narrow windows do.
    hours = tuple(draw(st.one_of(st.just(WIDE), windows())) for _ in range(7))
    assume(any(hours))
    start = date(2025, 12, 25)
    return Calendar(
        zone=draw(st.sampled_from(ZONES)),
        business_hours=hours,
        max_attempts=30,
        daily_attempts=draw(st.one_of(st.none(), st.integers(2, 4))),
        holidays=frozenset(start + timedelta(days=d) for d in draw(st.lists(st.integers(0, 560), max_size=20))),
        contact_window=draw(st.one_of(st.none(), st.integers(0, 1380).map(lambda m: Window(m, min(1440, m + 600))))),
        short_call_seconds=draw(st.sampled_from([0, 20])),
        opening_delay=Delay(draw(st.sampled_from([0, 10, 45])), "m") if opening_delay else Delay(0, "s"),
        end_at=draw(st.one_of(st.none(), minutes())) if with_end else None,
        attempt_rules=tuple(draw(st.lists(attempt_rules(), min_size=draw(st.sampled_from([0, 1, 1])), max_size=3))),
        avoid_repeat=Delay(draw(st.sampled_from([0, 0, 30, 120, 300, 660])), "m"),
    )


def records(draw_list, anchor):
    """AttemptRecords at whole minutes before `anchor` (the latest first in the draw), oldest first."""
    found = []
    for offset, kind in draw_list:
        at = anchor - timedelta(minutes=offset)
        if kind == "short":
            found.append(AttemptRecord(at, DONE, "busy", 5))
        elif kind == "talk":
            found.append(AttemptRecord(at, DONE, "busy", 120))
        else:
            found.append(AttemptRecord(at, kind))
    return sorted(found, key=lambda a: a.at)


kinds = st.sampled_from([NA, NA, BUSY, "short", "talk"])
# Minutes before the last attempt: mostly close, where the rules bite, sometimes days away.
offsets = st.one_of(st.integers(0, 240), st.integers(0, 3 * 1440))
contact_attempts = st.lists(st.tuples(offsets, kinds), min_size=1, max_size=4).map(lambda a: [(0, a[0][1]), *a[1:]])
number_attempts = st.lists(st.tuples(offsets, kinds), max_size=6)
contact_zones = st.one_of(st.none(), st.sampled_from(ZONES))


def effective(calendar, attempt):
    """(outcome code, connected) as rule 3 reads an attempt."""
    outcome = CATALOG.outcomes[attempt.outcome]
    threshold = calendar.short_call_seconds
    duration = attempt.duration_seconds
    if outcome.is_connected and threshold and duration is not None and duration < threshold:
        return SHORT, False
    return attempt.outcome, outcome.is_connected


def wall_seconds(instant, zone):
    local = instant.astimezone(zone)
    return local.hour * 3600 + local.minute * 60 + local.second


def oracle_full(calendar, instant, attempts, history, contact_zone):
    """Rule 5 with rules 9 and 10, straight from the definitions."""
    if not oracle_allowed(calendar, instant, attempts, contact_zone):
        return False
    for rule in calendar.attempt_rules:
        source = attempts + history if rule.scope == "number" else attempts
        counted = 0
        for attempt in source:
            code, connected = effective(calendar, attempt)
            if rule.count == "connected" and not connected:
                continue
            if rule.count == "outcomes" and code not in rule.outcomes:
                continue
            if instant - rule.window < attempt.at <= instant:
                counted += 1
        if counted >= rule.max_attempts:
            return False
    band = calendar.avoid_repeat.nominal_seconds
    if band and attempts:
        last = max(attempts, key=lambda a: a.at)
        if not effective(calendar, last)[1]:
            zone = ZoneInfo(calendar.zone)
            if (wall_seconds(instant, zone) - wall_seconds(last.at, zone) + band) % 86400 < 2 * band:
                return False
    return True


def first_allowed(calendar, start, stop, attempts, history, contact_zone):
    at = start
    while at < stop:
        if oracle_full(calendar, at, attempts, history, contact_zone):
            return at
        at += timedelta(minutes=1)
    return None


def without(calendar, index):
    """The calendar with attempt rule `index` removed, or the repeat band off when index is past the rules."""
    rules = calendar.attempt_rules
    if index < len(rules):
        return Calendar(**{**vars(calendar), "attempt_rules": rules[:index] + rules[index + 1 :]})
    return Calendar(**{**vars(calendar), "avoid_repeat": Delay(0, "s")})


@SETTINGS
@given(calendars(opening_delay=True, with_end=True), minutes(), contact_attempts, number_attempts, contact_zones)
def test_no_decision_lands_where_a_rule_is_broken(calendar, last_at, mine, others, contact_zone):
    attempts = records(mine, last_at)
    history = records(others, last_at)
    decision = decide(calendar, attempts, CATALOG, TELEPHONY, BUSINESS, contact_zone, number_history=history)
    if decision.next_attempt_at is None:
        assert decision.reason != "retry"
        return
    at = decision.next_attempt_at
    assert at >= decision.candidate_at
    assert oracle_full(calendar, at, attempts, history, contact_zone), decision.explanation
    assert is_allowed_at(calendar, at, attempts, contact_zone, number_history=history)
    if calendar.end_at is not None:
        assert at <= calendar.end_at
    for label in decision.deferred_by:
        assert label in decision.explanation
    event(f"deferred by a rule: {bool(decision.deferred_by)}")


@SETTINGS
@given(calendars(with_end=True), minutes(), contact_attempts, number_attempts, contact_zones, st.integers(0, 3))
def test_removing_a_rule_never_makes_a_retry_later(calendar, last_at, mine, others, contact_zone, index):
    assume(calendar.attempt_rules or calendar.avoid_repeat.nominal_seconds)
    index = min(index, len(calendar.attempt_rules))
    if index == len(calendar.attempt_rules) and not calendar.avoid_repeat.nominal_seconds:
        index = 0
    attempts = records(mine, last_at)
    history = records(others, last_at)
    full = decide(calendar, attempts, CATALOG, TELEPHONY, BUSINESS, contact_zone, number_history=history)
    fewer = decide(
        without(calendar, index), attempts, CATALOG, TELEPHONY, BUSINESS, contact_zone, number_history=history
    )
    if full.next_attempt_at is not None:
        assert fewer.next_attempt_at is not None, fewer.explanation
        assert fewer.next_attempt_at <= full.next_attempt_at, (fewer.explanation, full.explanation)


@SETTINGS
@given(calendars(), minutes(), st.integers(0, 600), contact_attempts, number_attempts, contact_zones)
def test_the_answer_is_the_earliest_allowed_instant(calendar, last_at, ahead, mine, others, contact_zone):
    attempts = records(mine, last_at)
    history = records(others, last_at)
    candidate = last_at + timedelta(minutes=ahead)
    allowed = next_allowed_at(calendar, candidate, attempts, contact_zone, number_history=history)
    horizon = candidate + timedelta(days=2)
    if allowed is not None and allowed.at < horizon:
        horizon = allowed.at + timedelta(minutes=1)
    first = first_allowed(calendar, candidate, horizon, attempts, history, contact_zone)
    if first is None:
        assert allowed is None or allowed.at >= horizon
    else:
        assert allowed is not None and allowed.at == first, allowed


@SETTINGS
@given(calendars(with_end=True), minutes(), st.integers(-600, 600), contact_attempts, number_attempts, contact_zones)
def test_is_allowed_at_agrees_with_the_oracle(calendar, last_at, ahead, mine, others, contact_zone):
    attempts = records(mine, last_at)
    history = records(others, last_at)
    instant = last_at + timedelta(minutes=ahead)
    expected = oracle_full(calendar, instant, attempts, history, contact_zone) and (
        calendar.end_at is None or instant <= calendar.end_at
    )
    assert is_allowed_at(calendar, instant, attempts, contact_zone, number_history=history) == expected
