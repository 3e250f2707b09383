"""The scheduling engine through its Python API (no database, no Django)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from strategies.durations import Delay
from strategies.engine import (
    REASONS,
    STRATEGY_BUSINESS,
    STRATEGY_LADDER,
    STRATEGY_TELEPHONY,
    AllowedTime,
    AttemptRecord,
    Calendar,
    Catalog,
    Decision,
    OutcomeInfo,
    StrategySpec,
    Window,
    decide,
    is_allowed_at,
    next_allowed_at,
    simulate,
)

KOLKATA = ZoneInfo("Asia/Kolkata")
LONDON = ZoneInfo("Europe/London")
NA, BUSY, FAILED, DONE = (
    "sip.customer_no_answer",
    "sip.customer_busy",
    "platform.customer_call_failed",
    "platform.call_complete",
)
NINE_TO = {17: (Window(540, 1020),), 18: (Window(540, 1080),)}
CATALOG = Catalog.load([OutcomeInfo("mapped.unreachable", "Customer Network Not Reachable", False, False)])
TELEPHONY = StrategySpec(
    STRATEGY_TELEPHONY,
    {NA: Delay(1, "h"), BUSY: Delay(1, "h"), FAILED: Delay(2, "h"), "mapped.unreachable": Delay(1, "d")},
)
BUSINESS = StrategySpec(STRATEGY_BUSINESS, {"busy": Delay(2, "h")})


def calendar(close=17, days=7, zone="Asia/Kolkata", **kwargs):
    kwargs.setdefault("max_attempts", 5)
    kwargs.setdefault("daily_attempts", 2)
    hours = tuple(NINE_TO[close] if i < days else () for i in range(7))
    return Calendar(zone, hours, **kwargs)


def ist(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=KOLKATA)


def attempt(at, outcome=NA, result=None, duration=None):
    return AttemptRecord(at, outcome, result, duration)


# --- PRODUCT.md worked examples -----------------------------------------------------------------


def test_no_answer_with_one_hour_rule_retries_an_hour_later():
    decision = decide(calendar(), [attempt(ist(23, 10))], CATALOG, TELEPHONY)
    assert decision.reason == "retry"
    assert decision.next_attempt_at == ist(23, 11)
    assert decision.next_attempt_at.tzinfo is UTC
    assert decision.explanation == "Customer No Answer at 10:00 +1h = 11:00"
    assert not decision.moved_to_opening and decision.opening_at is None
    assert decision.candidate_at == ist(23, 11) and decision.attempt == 1 and decision.delay == Delay(1, "h")


def test_daily_limit_moves_the_retry_to_the_next_day():
    history = [attempt(ist(23, 10)), attempt(ist(23, 11), FAILED)]
    decision = decide(calendar(), history, CATALOG, TELEPHONY)
    assert decision.next_attempt_at == ist(24, 9)
    assert decision.explanation == (
        "Customer Call Failed at 11:00 +2h = 13:00, daily limit of 2 attempts reached on Mon 23 Nov -> Tue 09:00"
    )
    assert decision.moved_to_opening and decision.opening_at == ist(24, 9)
    assert decision.candidate_at == ist(23, 13)


def test_retry_outside_hours_moves_to_next_opening():
    decision = decide(calendar(close=18), [attempt(ist(23, 17, 30))], CATALOG, TELEPHONY)
    assert decision.next_attempt_at == ist(24, 9)
    assert (
        decision.explanation
        == "Customer No Answer at 17:30 +1h = 18:30, outside business hours -> next opening Tue 09:00"
    )


def test_connected_call_with_final_result_ends_the_contact():
    history = [attempt(ist(23, 10)), attempt(ist(23, 11), FAILED), attempt(ist(24, 9), DONE, "successful", 240)]
    decisions = simulate(calendar(), history, CATALOG, TELEPHONY, BUSINESS, None)
    assert [d.reason for d in decisions] == ["retry", "retry", "final_outcome"]
    assert decisions[2].next_attempt_at is None
    assert "no retry" in decisions[2].explanation


# --- rules 1-3 ---------------------------------------------------------------------------------


def test_final_outcome_wins_over_a_rule_for_it():
    strategy = StrategySpec(STRATEGY_TELEPHONY, {"sip.customer_invalid_number": Delay(1, "h")})
    decision = decide(calendar(), [attempt(ist(23, 10), "sip.customer_invalid_number")], CATALOG, strategy)
    assert (decision.reason, decision.next_attempt_at) == ("final_outcome", None)
    assert "Customer Invalid Number" in decision.explanation


def test_final_rule_comes_before_max_attempts():
    history = [attempt(ist(23, 10))] * 4 + [attempt(ist(23, 11), DONE, "refusal", 60)]
    assert decide(calendar(), history, CATALOG, TELEPHONY, BUSINESS).reason == "final_outcome"


def test_max_attempts_counts_every_attempt():
    history = [attempt(ist(23, 10)), attempt(ist(23, 11), DONE, "busy", 60), attempt(ist(23, 12))]
    decision = decide(calendar(max_attempts=3, daily_attempts=None), history, CATALOG, TELEPHONY, BUSINESS)
    assert decision.reason == "max_attempts_reached"
    assert "3 of 3" in decision.explanation


def test_short_call_counts_as_short_call_outcome():
    strategy = StrategySpec(STRATEGY_TELEPHONY, {"platform.short_call": Delay(15, "m")})
    cal = calendar(short_call_seconds=20)
    short = decide(cal, [attempt(ist(23, 10), DONE, "busy", 19)], CATALOG, strategy, BUSINESS)
    assert short.next_attempt_at == ist(23, 10, 15)
    assert short.explanation.startswith("Short Call (19s < 20s) at 10:00")
    long = decide(cal, [attempt(ist(23, 10), DONE, "busy", 20)], CATALOG, strategy, BUSINESS)
    assert long.next_attempt_at == ist(23, 12)
    unknown_length = decide(cal, [attempt(ist(23, 10), DONE, "busy", None)], CATALOG, strategy, BUSINESS)
    assert unknown_length.next_attempt_at == ist(23, 12)


def test_connected_call_without_result_waits_for_wrap_up():
    decision = decide(calendar(), [attempt(ist(23, 10), DONE)], CATALOG, TELEPHONY, BUSINESS)
    assert decision.reason == "no_rule"
    assert "without a call result" in decision.explanation


def test_redial_and_instant_results():
    cal = calendar(redial_delay=Delay(30, "m"))
    redial = decide(cal, [attempt(ist(23, 10), DONE, "redial", 60)], CATALOG, TELEPHONY, None)
    assert redial.next_attempt_at == ist(23, 10, 30)
    instant = decide(cal, [attempt(ist(23, 10), DONE, "instant_retry", 60)], CATALOG, TELEPHONY, None)
    assert instant.next_attempt_at == ist(23, 10) and instant.delay == Delay(0, "s")


def test_no_strategy_or_no_rule_means_no_retry():
    assert decide(calendar(), [attempt(ist(23, 10))], CATALOG).reason == "no_rule"
    assert decide(calendar(), [attempt(ist(23, 10), "sip.server_timeout")], CATALOG, TELEPHONY).reason == "no_rule"
    assert (
        decide(calendar(), [attempt(ist(23, 10), DONE, "hang_up", 60)], CATALOG, TELEPHONY, BUSINESS).reason
        == "no_rule"
    )


def test_unknown_codes_do_not_crash():
    assert decide(calendar(), [attempt(ist(23, 10), "nope.nope")], CATALOG, TELEPHONY).reason == "no_rule"
    strategy = StrategySpec(STRATEGY_TELEPHONY, {"nope.nope": Delay(1, "h")})
    assert decide(calendar(), [attempt(ist(23, 10), "nope.nope")], CATALOG, strategy).reason == "retry"
    assert (
        decide(calendar(), [attempt(ist(23, 10), DONE, "nope", 60)], CATALOG, TELEPHONY, BUSINESS).reason == "no_rule"
    )


def test_decide_needs_an_attempt():
    with pytest.raises(ValueError):
        decide(calendar(), [], CATALOG, TELEPHONY)


# --- ladders -------------------------------------------------------------------------------------


LADDER = StrategySpec(
    STRATEGY_LADDER,
    ladder_keys={NA, "platform.short_call"},
    ladder_steps=(Delay(10, "m"), Delay(1, "h"), None),
    name="missed",
)


def test_ladder_kth_retry_uses_kth_step_after_attempt_k():
    cal = calendar(daily_attempts=None, max_attempts=10)
    history = [attempt(ist(23, 10)), attempt(ist(23, 10, 10)), attempt(ist(23, 11, 10))]
    decisions = simulate(cal, history, CATALOG, LADDER, None, None)
    assert [d.next_attempt_at for d in decisions] == [ist(23, 10, 10), ist(23, 11, 10), None]
    assert decisions[2].reason == "no_rule" and "No retry" in decisions[2].explanation


def test_ladder_k_counts_every_attempt_not_only_ladder_outcomes():
    cal = calendar(daily_attempts=None, max_attempts=10)
    history = [attempt(ist(23, 10), DONE, "busy", 60), attempt(ist(23, 12))]
    assert decide(cal, history, CATALOG, LADDER, BUSINESS).next_attempt_at == ist(23, 13)


def test_ladder_past_its_steps_or_for_other_outcomes_means_no_retry():
    cal = calendar(daily_attempts=None, max_attempts=10)
    short = StrategySpec(STRATEGY_LADDER, ladder_keys=[NA], ladder_steps=[Delay(1, "h")])
    assert decide(cal, [attempt(ist(23, 10), BUSY)], CATALOG, short).reason == "no_rule"
    decision = decide(cal, [attempt(ist(23, 10)), attempt(ist(23, 11))], CATALOG, short)
    assert decision.reason == "no_rule" and "No retry" in decision.explanation


def test_business_ladder_on_call_results():
    ladder = StrategySpec(STRATEGY_LADDER, ladder_keys={"busy"}, ladder_steps=(Delay(2, "h"), Delay(1, "d")))
    cal = calendar(daily_attempts=None)
    history = [attempt(ist(23, 10), DONE, "busy", 60), attempt(ist(23, 12), DONE, "busy", 60)]
    assert [d.next_attempt_at for d in simulate(cal, history, CATALOG, None, ladder, None)] == [
        ist(23, 12),
        ist(24, 12),
    ]


# --- rules 4-7 -----------------------------------------------------------------------------------


def test_day_rule_keeps_wall_clock_and_skips_closed_days():
    cal = calendar(days=5)
    friday = decide(cal, [attempt(ist(27, 10, 15), "mapped.unreachable")], CATALOG, TELEPHONY)
    assert friday.next_attempt_at == ist(30, 9)
    assert "Sat 10:15" in friday.explanation and "Mon 09:00" in friday.explanation


def test_holiday_is_skipped_and_named():
    cal = calendar(days=5, holidays={date(2026, 12, 25)})
    decision = decide(
        cal, [attempt(datetime(2026, 12, 24, 10, tzinfo=KOLKATA), "mapped.unreachable")], CATALOG, TELEPHONY
    )
    assert decision.next_attempt_at == datetime(2026, 12, 28, 9, tzinfo=KOLKATA)
    assert "holiday on Fri 25 Dec" in decision.explanation


def test_opening_delay_applies_only_when_moved():
    cal = calendar(opening_delay=Delay(10, "m"))
    moved = decide(cal, [attempt(ist(23, 16, 30))], CATALOG, TELEPHONY)
    assert moved.next_attempt_at == ist(24, 9, 10)
    assert moved.opening_at == ist(24, 9) and moved.moved_to_opening
    assert moved.explanation.endswith("+10m opening delay = Tue 09:10")
    kept = decide(cal, [attempt(ist(23, 10))], CATALOG, TELEPHONY)
    assert kept.next_attempt_at == ist(23, 11) and not kept.moved_to_opening


def test_opening_delay_that_leaves_allowed_time_keeps_the_opening():
    # Settled rule 6: when opening + delay is not allowed, the attempt is at the opening itself.
    hours = ((Window(540, 545), Window(600, 700)),) * 7
    cal = Calendar("Asia/Kolkata", hours, 5, opening_delay=Delay(10, "m"))
    decision = decide(cal, [attempt(ist(23, 7))], CATALOG, TELEPHONY)
    assert decision.next_attempt_at == ist(23, 9)
    assert decision.opening_at == ist(23, 9) and decision.moved_to_opening
    assert decision.explanation.endswith("(+10m opening delay = 09:10 is outside business hours: at the opening)")


def test_contact_window_is_read_in_the_contact_zone():
    cal = Calendar("Europe/London", ((Window(480, 1320),),) * 7, 5, contact_window=Window(540, 1200))
    at = datetime(2026, 11, 23, 9, tzinfo=LONDON)
    decision = decide(cal, [attempt(at)], CATALOG, TELEPHONY, contact_zone="America/New_York")
    assert decision.next_attempt_at == datetime(2026, 11, 23, 14, tzinfo=UTC)
    assert "America/New_York" in decision.explanation
    same_zone = decide(cal, [attempt(at)], CATALOG, TELEPHONY)
    assert same_zone.next_attempt_at == datetime(2026, 11, 23, 10, tzinfo=UTC)


def test_no_business_hours_means_no_calling_window():
    cal = Calendar("Asia/Kolkata", ((),) * 7, 5)
    decision = decide(cal, [attempt(ist(23, 10))], CATALOG, TELEPHONY)
    assert (decision.reason, decision.next_attempt_at) == ("no_calling_window", None)
    assert decision.candidate_at == ist(23, 11)


def closed_for(days):
    return Calendar(
        "UTC", ((Window(0, 1440),),) * 7, 5, holidays={date(2026, 1, 1) + timedelta(days=i) for i in range(days)}
    )


@pytest.mark.parametrize(
    ("closed_days", "expected"),
    [
        (365, datetime(2027, 1, 1, tzinfo=UTC)),
        (366, datetime(2027, 1, 2, tzinfo=UTC)),  # 13 hours short of 366 days after the 11:00 candidate
        (367, None),  # opens 2027-01-03 00:00, more than 366 days after the candidate
        (800, None),
    ],
)
def test_allowed_time_beyond_366_days_is_no_calling_window(closed_days, expected):
    decision = decide(closed_for(closed_days), [attempt(datetime(2026, 1, 1, 10, tzinfo=UTC))], CATALOG, TELEPHONY)
    assert decision.next_attempt_at == expected
    assert decision.reason == ("retry" if expected else "no_calling_window")


def test_campaign_end():
    cal = calendar(end_at=ist(23, 18))
    history = [attempt(ist(23, 16, 30))]
    decision = decide(cal, history, CATALOG, TELEPHONY)
    assert decision.reason == "campaign_ended" and "campaign's end" in decision.explanation
    at_end = calendar(end_at=ist(23, 11))
    assert decide(at_end, [attempt(ist(23, 10))], CATALOG, TELEPHONY).next_attempt_at == ist(23, 11)
    before = calendar(end_at=ist(23, 10, 59))
    assert decide(before, [attempt(ist(23, 10))], CATALOG, TELEPHONY).reason == "campaign_ended"


def test_explanations_name_weekdays_and_dates_far_away():
    cal = Calendar("Asia/Kolkata", ((),) * 6 + ((Window(540, 1020),),), 5, holidays={date(2026, 11, 29)})
    decision = decide(cal, [attempt(ist(23, 10))], CATALOG, TELEPHONY)
    assert decision.next_attempt_at == datetime(2026, 12, 6, 9, tzinfo=KOLKATA)
    assert "Sun 6 Dec 09:00" in decision.explanation


def test_dst_gap_day_rule_explains_the_jump():
    cal = Calendar("Europe/London", ((Window(0, 1440),),) * 7, 5)
    strategy = StrategySpec(STRATEGY_TELEPHONY, {NA: Delay(1, "d")})
    decision = decide(cal, [attempt(datetime(2026, 3, 28, 1, 30, tzinfo=LONDON))], CATALOG, strategy)
    assert decision.next_attempt_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert "does not exist" in decision.explanation


# --- next_allowed_at / is_allowed_at -----------------------------------------------------------


def test_next_allowed_at_answers_manual_redials():
    cal = calendar()
    allowed = next_allowed_at(cal, ist(24, 14, 30), [])
    assert isinstance(allowed, AllowedTime)
    assert allowed.at == ist(24, 14, 30) and not allowed.moved_to_opening
    moved = next_allowed_at(cal, ist(24, 20), [])
    assert moved.at == ist(25, 9) and moved.moved_to_opening and moved.reasons == ("outside business hours",)
    full = next_allowed_at(cal, ist(24, 14, 30), [attempt(ist(24, 9)), attempt(ist(24, 10))])
    assert full.at == ist(25, 9)


def test_next_allowed_at_returns_none_when_nothing_is_allowed():
    assert next_allowed_at(Calendar("UTC", ((),) * 7, 5), ist(24, 10), []) is None
    assert next_allowed_at(calendar(end_at=ist(24, 12)), ist(24, 20), []) is None
    assert next_allowed_at(calendar(end_at=ist(24, 12)), ist(24, 13), []) is None


def test_is_allowed_at():
    cal = calendar(end_at=ist(30, 12), holidays={date(2026, 11, 25)})
    assert is_allowed_at(cal, ist(24, 9), [])
    assert not is_allowed_at(cal, ist(24, 17), [])
    assert not is_allowed_at(cal, ist(24, 8, 59), [])
    assert not is_allowed_at(cal, ist(25, 10), [])
    assert not is_allowed_at(cal, ist(24, 10), [attempt(ist(24, 9)), attempt(ist(24, 9, 30))])
    assert not is_allowed_at(cal, ist(30, 12, 1), [])


# --- data classes --------------------------------------------------------------------------------


def test_catalog_loads_the_shipped_csv_and_extra_outcomes():
    assert CATALOG.outcomes[DONE].is_connected
    assert CATALOG.outcomes["sip.customer_invalid_number"].is_final
    assert CATALOG.call_results["redial"].handling == "redial"
    assert "mapped.unreachable" in CATALOG.outcomes
    assert "mapped.x" in CATALOG.with_outcomes([OutcomeInfo("mapped.x", "X", False, False)]).outcomes


def test_inputs_are_validated_and_frozen():
    with pytest.raises(ValueError):
        Window(600, 600)
    with pytest.raises(ValueError):
        Window(0, 1441)
    with pytest.raises(ValueError):
        Calendar("Mars/Base", ((),) * 7, 5)
    with pytest.raises(ValueError):
        Calendar("UTC", ((),) * 6, 5)
    with pytest.raises(ValueError):
        Calendar("UTC", ((),) * 7, 5, end_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        StrategySpec("weird")
    spec = StrategySpec(STRATEGY_TELEPHONY, {NA: Delay(1, "h")})
    with pytest.raises(TypeError):
        spec.rules[NA] = Delay(2, "h")
    assert Calendar("UTC", [[Window(0, 60)]] * 7, 5).business_hours[0] == (Window(0, 60),)
    assert set(REASONS) == {
        "retry",
        "final_outcome",
        "max_attempts_reached",
        "no_rule",
        "no_calling_window",
        "campaign_ended",
        "do_not_call",
    }
    assert Decision(None, "no_rule", "").is_retry is False
