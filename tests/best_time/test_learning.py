"""The learning core of best time to call: counts in, tables out (no database, no Django)."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from strategies.best_time import (
    DEFAULT_RATE,
    HOURS_PER_WEEK,
    Cell,
    RateTable,
    campaign_table,
    contact_counts,
    contact_table,
    hour_of_week,
    organisation_table,
)

MON_18 = 18
TUE_18 = 24 + 18
SAT_18 = 5 * 24 + 18


def test_no_history_gives_a_flat_table_at_the_default_rate():
    table = organisation_table({})
    assert table.is_flat
    assert table.rate(0) == DEFAULT_RATE
    assert table.base_rate == DEFAULT_RATE
    assert table.attempts == 0


def test_a_cell_is_the_beta_binomial_posterior_mean_towards_its_pooled_hour():
    # Only Monday 18:00 has calls: 100 attempts, 40 connects; global rate 0.4.
    table = organisation_table({MON_18: (100, 40)}, prior_strength=10)
    assert table.base_rate == pytest.approx(0.4)
    # Weekday 18:00 pooled: (40 + 10 * 0.4) / (100 + 10) = 0.4, and the cell the same.
    assert table.rate(MON_18) == pytest.approx(0.4)
    assert table.cells[MON_18] == Cell(pytest.approx(0.4), 100, 40)


def test_weekday_cells_learn_from_the_same_hour_on_other_weekdays():
    counts = {MON_18: (200, 80), 10: (200, 20)}  # Monday 18:00 at 40%, Monday 10:00 at 10%
    table = organisation_table(counts, prior_strength=20)
    base = 100 / 400
    pooled_18 = (80 + 20 * base) / (200 + 20)
    assert table.rate(TUE_18) == pytest.approx((0 + 20 * pooled_18) / (0 + 20))
    assert table.rate(TUE_18) > base > table.rate(24 + 10)
    # Saturday is its own kind of day: no Monday evidence reaches it.
    assert table.rate(SAT_18) == pytest.approx(base)
    assert table.cells[TUE_18].attempts == 0


def test_more_calls_move_a_cell_further_from_its_prior():
    few = organisation_table({MON_18: (5, 5), 10: (1000, 100)}, prior_strength=50)
    many = organisation_table({MON_18: (500, 500), 10: (1000, 100)}, prior_strength=50)
    assert many.rate(MON_18) > few.rate(MON_18) > few.base_rate


def test_campaign_cells_shrink_towards_the_organisation_cells():
    organisation = RateTable.from_rates([0.1] * 24 + [0.3] * (HOURS_PER_WEEK - 24))
    table = campaign_table({MON_18: (50, 40)}, organisation, prior_strength=50)
    assert table.rate(MON_18) == pytest.approx((40 + 50 * 0.1) / 100)
    assert table.rate(TUE_18) == pytest.approx(0.3)  # no campaign calls there: the organisation's rate
    assert table.cells[MON_18].attempts == 50
    assert table.base_rate == pytest.approx(0.8)


def test_campaign_without_calls_keeps_the_organisation_base_rate():
    organisation = organisation_table({MON_18: (10, 3)})
    table = campaign_table({}, organisation)
    assert table.base_rate == organisation.base_rate
    assert [c.rate for c in table.cells] == [c.rate for c in organisation.cells]


def test_a_contacts_answered_hour_raises_its_estimate_and_an_unanswered_one_lowers_it():
    campaign = RateTable.flat(0.2)
    answered = contact_table({MON_18: (1, 1)}, campaign, prior_strength=4, same_hour_weight=0.5)
    assert answered.rate(MON_18) == pytest.approx((1 + 4 * 0.2) / (1 + 4))
    # The same hour on the other weekdays rises too, by the weighted evidence.
    assert answered.rate(TUE_18) == pytest.approx((0.5 + 4 * 0.2) / (0.5 + 4))
    assert answered.rate(MON_18) > answered.rate(TUE_18) > 0.2
    assert answered.rate(SAT_18) == 0.2
    assert answered.rate(10) == 0.2
    assert answered.cells[MON_18].attempts == 1 and answered.cells[MON_18].connects == 1
    unanswered = contact_table({MON_18: (2, 0)}, campaign, prior_strength=4)
    assert unanswered.rate(MON_18) < 0.2


def test_contact_without_calls_gets_the_campaign_table_itself():
    campaign = RateTable.flat(0.3)
    assert contact_table({}, campaign) is campaign


def test_contact_counts_read_local_hours():
    new_york = "America/New_York"
    calls = [
        (datetime(2026, 4, 13, 22, 5, tzinfo=UTC), False),  # Mon 18:05 in New York
        (datetime(2026, 4, 13, 22, 55, tzinfo=UTC), True),
        (datetime(2026, 4, 14, 14, 0, tzinfo=UTC), False),  # Tue 10:00
    ]
    assert contact_counts(calls, new_york) == {MON_18: (2, 1), 24 + 10: (1, 0)}


def test_hour_of_week_is_local():
    assert hour_of_week(datetime(2026, 4, 13, 0, 30, tzinfo=ZoneInfo("Asia/Tokyo")), "Asia/Tokyo") == 0
    assert hour_of_week(datetime(2026, 4, 19, 23, 59, tzinfo=UTC), "UTC") == HOURS_PER_WEEK - 1
    # Monday 03:00 UTC is still Sunday 20:00 in Los Angeles.
    assert hour_of_week(datetime(2026, 4, 13, 3, 0, tzinfo=UTC), "America/Los_Angeles") == 6 * 24 + 20


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({168: (1, 0)}, "hour of week 168"),
        ({-1: (1, 0)}, "hour of week -1"),
        ({"3": (1, 0)}, "hour of week '3'"),
        ({3: (1, 2)}, "counts[3]: 2 connects is more than 1 attempts"),
        ({3: (-1, 0)}, "counts[3]: attempts must be a whole non-negative number"),
        ({3: (1.5, 0)}, "counts[3]: attempts must be a whole non-negative number"),
        ({3: 7}, "counts[3]: expected (attempts, connects)"),
    ],
)
def test_bad_counts_name_the_entry(counts, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        organisation_table(counts)


@pytest.mark.parametrize("strength", [0, -1, float("inf"), float("nan"), True])
def test_prior_strength_must_be_positive(strength):
    with pytest.raises(ValueError, match="prior_strength"):
        organisation_table({}, prior_strength=strength)


def test_tables_check_their_shape_and_rates():
    with pytest.raises(ValueError, match="cells: need 168"):
        RateTable((Cell(0.1),) * 24, 0.1)
    with pytest.raises(ValueError, match=r"cells\[5\]: rate 1.5"):
        RateTable.from_rates([0.1] * 5 + [1.5] + [0.1] * 162)
    with pytest.raises(ValueError, match="same_hour_weight"):
        contact_table({1: (1, 0)}, RateTable.flat(), same_hour_weight=2)
    with pytest.raises(ValueError, match="aware"):
        hour_of_week(datetime(2026, 4, 13, 10, 0), "UTC")
