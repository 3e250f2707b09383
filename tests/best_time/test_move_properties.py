"""Properties of best_time_move over random tables, predicates, slot counts and zones, checked against
a brute-force walk over the candidate slots that reads local hours with `astimezone` only."""

import math
import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies.best_time import (
    SAME_HOUR_TOMORROW,
    SLOT_SECONDS,
    RateTable,
    best_time_move,
    slot_capacity,
    slot_index,
)

ZONES = [
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
]
PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("BEST_TIME_PROPERTY_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Instants around the 2026 DST changes of the zones above get extra weight.
DST_INSTANTS = [
    datetime(2026, 3, 8, 6, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
    datetime(2026, 4, 4, 14, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime(2026, 11, 1, 5, 0, tzinfo=UTC),
]


@st.composite
def instants(draw):
    base = draw(st.sampled_from([datetime(2026, 6, 1, tzinfo=UTC), *DST_INSTANTS]))
    return base + timedelta(seconds=draw(st.integers(-2 * 86400, 2 * 86400)))


tables = st.lists(st.sampled_from([0.0, 0.05, 0.1, 0.12, 0.2, 0.3, 0.41]), min_size=168, max_size=168).map(
    RateTable.from_rates
)
shifts = st.one_of(st.just(SAME_HOUR_TOMORROW), st.integers(0, 30 * 3600).map(lambda s: timedelta(seconds=s)))


@st.composite
def scenarios(draw):
    decided = draw(instants())
    # Allowed time: a random set of (UTC hour, quarter) pairs; the property holds for any predicate.
    allowed_quarters = draw(st.sets(st.integers(0, 95), max_size=96))
    first = slot_index(decided)
    counts = draw(st.dictionaries(st.integers(first, first + 130), st.integers(0, 8), max_size=60))
    return {
        "decided": decided,
        "contact_zone": draw(st.sampled_from([None, *ZONES])),
        "campaign_zone": draw(st.sampled_from(ZONES)),
        "allowed": allowed_quarters,
        "table": draw(tables),
        "shift": draw(shifts),
        "gain": draw(st.sampled_from([0.0, 0.1, 0.2, 0.5, 1.0])),
        "counts": counts,
        "capacity": draw(st.sampled_from([4, 8, 10, 20, 400])),
    }


def quarter_of_day(instant):
    return (int(instant.timestamp()) % 86400) // SLOT_SECONDS


def run(s, table=None):
    return best_time_move(
        s["decided"],
        campaign_zone=s["campaign_zone"],
        contact_zone=s["contact_zone"],
        is_allowed=lambda instant: quarter_of_day(instant) in s["allowed"],
        table=s["table"] if table is None else table,
        max_shift=s["shift"],
        min_gain=s["gain"],
        slot_counts=s["counts"],
        capacity_per_hour=s["capacity"],
    )


def local_rate(table, instant, zone):
    local = instant.astimezone(zone)
    return table.rate(local.weekday() * 24 + local.hour)


def qualifying(s):
    """Brute force: every slot start after decided_at within the shift that a move may take."""
    zone = ZoneInfo(s["contact_zone"] or s["campaign_zone"])
    table = s["table"]
    from_rate = local_rate(table, s["decided"], zone)
    ts = (math.floor(s["decided"].timestamp() / SLOT_SECONDS) + 1) * SLOT_SECONDS
    found = []
    while ts <= s["decided"].timestamp() + s["shift"].total_seconds():
        candidate = datetime.fromtimestamp(ts, UTC)
        rate = local_rate(table, candidate, zone)
        if (
            rate > from_rate
            and rate >= from_rate * (1 + s["gain"])
            and quarter_of_day(candidate) in s["allowed"]
            and s["counts"].get(slot_index(candidate), 0) + 1 <= slot_capacity(s["capacity"])
        ):
            found.append((rate, candidate))
        ts += SLOT_SECONDS
    return from_rate, found


@PROPERTY_SETTINGS
@given(scenarios())
def test_a_move_is_later_allowed_within_the_shift_and_never_into_a_full_slot(s):
    result = run(s)
    if result is None:
        return
    assert result.at > s["decided"]
    assert result.at - s["decided"] <= s["shift"]
    assert quarter_of_day(result.at) in s["allowed"]
    assert s["counts"].get(slot_index(result.at), 0) + 1 <= slot_capacity(s["capacity"])
    assert result.to_rate > result.from_rate
    assert result.to_rate >= result.from_rate * (1 + s["gain"])


@PROPERTY_SETTINGS
@given(scenarios())
def test_the_move_is_the_best_qualifying_slot_and_none_only_when_there_is_none(s):
    from_rate, found = qualifying(s)
    result = run(s)
    if not found:
        assert result is None
        return
    best = max(rate for rate, _ in found)
    earliest = min(candidate for rate, candidate in found if rate == best)
    assert result is not None
    assert (result.at, result.to_rate, result.from_rate) == (earliest, best, from_rate)


@PROPERTY_SETTINGS
@given(scenarios(), st.sampled_from([0.0, 0.1, 0.2, 0.5]))
def test_a_flat_table_never_moves(s, rate):
    assert run(s, RateTable.flat(rate)) is None


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_shift_never_moves(s):
    s["shift"] = timedelta(0)
    assert run(s) is None
