"""Rules 1 (do not call), 9 (attempt rules) and 10 (repeat band), and the settled points of rules 3, 6, 7."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from strategies.durations import Delay
from strategies.engine import (
    ATTEMPT_RULE_PRESETS,
    FLORIDA_3_IN_24H,
    REG_F_7_IN_7,
    REG_F_AFTER_CONVERSATION,
    REPEAT_BAND,
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
    not_allowed_because,
    simulate,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
NA, BUSY, DONE = "sip.customer_no_answer", "sip.customer_busy", "platform.call_complete"
CATALOG = Catalog.load()
TELEPHONY = StrategySpec(
    STRATEGY_TELEPHONY, {NA: Delay(1, "h"), BUSY: Delay(1, "h"), "platform.short_call": Delay(1, "h")}
)
BUSINESS = StrategySpec(STRATEGY_BUSINESS, {"busy": Delay(1, "h")})
WEEKDAYS_9_TO_18 = ((Window(540, 1080),),) * 5 + ((), ())
EVERY_DAY_8_TO_20 = ((Window(480, 1200),),) * 7


def ny(day, hour, minute=0, second=0, microsecond=0):
    return datetime(2026, 11, day, hour, minute, second, microsecond, tzinfo=NEW_YORK)


def cal(hours=WEEKDAYS_9_TO_18, zone="America/New_York", **kwargs):
    kwargs.setdefault("max_attempts", 20)
    return Calendar(zone, hours, **kwargs)


def tries(*instants, outcome=NA):
    return [AttemptRecord(at, outcome) for at in instants]


# --- rule 9 ----------------------------------------------------------------------------------------

PUBLIC_HISTORY = tries(ny(19, 10, 14), ny(20, 11), ny(21, 12, 30), ny(23, 9, 45), ny(24, 15, 20), ny(25, 10, 5))


def test_reg_f_counts_the_number_in_other_campaigns_and_names_itself():
    calendar = cal(attempt_rules=(REG_F_7_IN_7,))
    decision = decide(calendar, tries(ny(25, 16)), CATALOG, TELEPHONY, number_history=PUBLIC_HISTORY)
    assert decision.next_attempt_at == ny(26, 10, 14)
    assert decision.explanation == (
        "Customer No Answer at 16:00 +1h = 17:00, US Regulation F: 7 calls in 7 days reached -> Thu 10:14"
    )
    assert decision.deferred_by == ("US Regulation F: 7 calls in 7 days",)
    assert not decision.moved_to_opening and decision.opening_at is None
    # Without the other campaigns' calls, or with the rule scoped to the contact, nothing defers it.
    assert decide(calendar, tries(ny(25, 16)), CATALOG, TELEPHONY).next_attempt_at == ny(25, 17)
    contact_only = AttemptRule("mine", 7, Delay(7, "d"), scope="contact")
    alone = decide(
        cal(attempt_rules=(contact_only,)), tries(ny(25, 16)), CATALOG, TELEPHONY, number_history=PUBLIC_HISTORY
    )
    assert alone.next_attempt_at == ny(25, 17) and alone.deferred_by == ()


def test_the_window_is_rolling_elapsed_time_and_open_on_the_left():
    rule = AttemptRule("", 2, Delay(3, "h"))
    calendar = cal(EVERY_DAY_8_TO_20, attempt_rules=(rule,))
    history = tries(ny(23, 10), ny(23, 11, 30))
    # Two attempts in (x - 3h, x] until the 10:00 one leaves the window at exactly 13:00.
    assert not is_allowed_at(calendar, ny(23, 12, 59, 59), history)
    assert is_allowed_at(calendar, ny(23, 13), history)
    assert decide(calendar, history, CATALOG, TELEPHONY).next_attempt_at == ny(23, 13)
    assert rule.label == "2 calls in 3h"


def test_fractions_of_a_second_leave_the_window_exactly():
    rule = AttemptRule("", 1, Delay(1, "h"))
    calendar = cal(EVERY_DAY_8_TO_20, attempt_rules=(rule,))
    history = tries(ny(23, 10, 0, 0, 123457))
    allowed = next_allowed_at(calendar, ny(23, 10, 30), history)
    assert allowed.at == ny(23, 11, 0, 0, 123457)
    assert is_allowed_at(calendar, allowed.at, history)
    assert not is_allowed_at(calendar, allowed.at - timedelta(microseconds=1), history)


def test_reg_f_after_a_conversation_counts_connected_calls_only():
    calendar = cal(attempt_rules=(REG_F_AFTER_CONVERSATION,), short_call_seconds=20)
    talked = [AttemptRecord(ny(23, 10), DONE, "busy", 240)]
    decision = decide(calendar, talked, CATALOG, TELEPHONY, BUSINESS)
    assert decision.next_attempt_at == ny(30, 10)  # 7 x 24h later, a Monday inside hours
    assert "US Regulation F: no call within 7 days after a conversation reached -> Mon 30 Nov 10:00" in (
        decision.explanation
    )
    # Unanswered calls and a short call (not connected, rule 3) are no conversation.
    assert decide(calendar, tries(ny(23, 10)), CATALOG, TELEPHONY).next_attempt_at == ny(23, 11)
    short = [AttemptRecord(ny(23, 10), DONE, "busy", 5)]
    assert decide(calendar, short, CATALOG, TELEPHONY, BUSINESS).next_attempt_at == ny(23, 11)


def test_outcome_rules_count_only_their_outcomes_and_short_calls_as_short_call():
    busy_lines = AttemptRule("busy lines", 2, Delay(3, "h"), count="outcomes", outcomes={BUSY})
    calendar = cal(EVERY_DAY_8_TO_20, attempt_rules=(busy_lines,))
    mixed = tries(ny(23, 9)) + tries(ny(23, 10), ny(23, 11), outcome=BUSY)
    assert decide(calendar, mixed, CATALOG, TELEPHONY).next_attempt_at == ny(23, 13)
    no_answers = tries(ny(23, 9), ny(23, 10), ny(23, 11))
    assert decide(calendar, no_answers, CATALOG, TELEPHONY).next_attempt_at == ny(23, 12)
    shorts = AttemptRule("shorts", 1, Delay(2, "h"), count="outcomes", outcomes={"platform.short_call"})
    calendar = cal(EVERY_DAY_8_TO_20, attempt_rules=(shorts,), short_call_seconds=20)
    short = [AttemptRecord(ny(23, 10), DONE, "busy", 5)]
    assert decide(calendar, short, CATALOG, TELEPHONY, BUSINESS).next_attempt_at == ny(23, 12)


def test_every_rule_holds_at_once():
    florida = FLORIDA_3_IN_24H
    hourly = AttemptRule("one an hour", 1, Delay(90, "m"))
    calendar = cal(EVERY_DAY_8_TO_20, attempt_rules=(florida, hourly))
    history = tries(ny(23, 8), ny(23, 9), ny(23, 15))
    decision = decide(calendar, history, CATALOG, TELEPHONY)
    # At 16:00 both rules are broken; the hourly one frees 16:30, Florida only Tue 08:00 (Mon 08:00 leaves).
    assert decision.next_attempt_at == ny(24, 8)
    assert decision.deferred_by == ("Florida: 3 calls in 24 hours", "one an hour")
    assert decision.explanation.endswith("Florida: 3 calls in 24 hours reached, one an hour reached -> Tue 08:00")
    without_florida = decide(cal(EVERY_DAY_8_TO_20, attempt_rules=(hourly,)), history, CATALOG, TELEPHONY)
    assert without_florida.next_attempt_at == ny(23, 16, 30)


def test_a_rule_that_frees_the_number_after_hours_moves_to_the_opening_with_its_delay():
    rule = AttemptRule("twice a day", 2, Delay(1, "d"))
    calendar = cal(attempt_rules=(rule,), opening_delay=Delay(10, "m"))
    history = tries(ny(23, 8, 30), ny(23, 16))
    decision = decide(calendar, history, CATALOG, TELEPHONY)
    # 17:00 is blocked until Tue 08:30 (outside hours), so the next opening Tue 09:00 plus its delay.
    assert decision.next_attempt_at == ny(24, 9, 10)
    assert decision.moved_to_opening and decision.opening_at == ny(24, 9)
    assert decision.explanation == (
        "Customer No Answer at 16:00 +1h = 17:00, twice a day reached -> Tue 08:30, "
        "outside business hours -> next opening Tue 09:00 +10m opening delay = Tue 09:10"
    )


def test_a_rule_that_frees_the_number_mid_window_gets_no_opening_delay():
    calendar = cal(attempt_rules=(REG_F_7_IN_7,), opening_delay=Delay(30, "m"))
    decision = decide(calendar, tries(ny(25, 16)), CATALOG, TELEPHONY, number_history=PUBLIC_HISTORY)
    assert decision.next_attempt_at == ny(26, 10, 14)


def test_manual_redial_checks_name_the_rule_and_the_next_allowed_time():
    calendar = cal(attempt_rules=(REG_F_7_IN_7,))
    mine = tries(ny(25, 16))
    assert not is_allowed_at(calendar, ny(26, 9, 30), mine, number_history=PUBLIC_HISTORY)
    assert not_allowed_because(calendar, ny(26, 9, 30), mine, number_history=PUBLIC_HISTORY) == (
        "US Regulation F: 7 calls in 7 days reached",
    )
    allowed = next_allowed_at(calendar, ny(26, 9, 30), mine, number_history=PUBLIC_HISTORY)
    assert allowed.at == ny(26, 10, 14) and allowed.deferred_by == ("US Regulation F: 7 calls in 7 days",)
    assert allowed.reasons == ("US Regulation F: 7 calls in 7 days reached",)
    assert not_allowed_because(calendar, ny(26, 10, 14), mine, number_history=PUBLIC_HISTORY) == ()
    assert "outside business hours" in not_allowed_because(calendar, ny(26, 20), mine)


def test_simulate_gives_each_decision_the_history_known_then():
    calendar = cal(EVERY_DAY_8_TO_20, attempt_rules=(AttemptRule("", 1, Delay(2, "h"), scope="number"),))
    later_elsewhere = tries(ny(23, 10, 30))
    decisions = simulate(calendar, tries(ny(23, 9), ny(23, 12)), CATALOG, TELEPHONY, number_history=later_elsewhere)
    assert [d.next_attempt_at for d in decisions] == [ny(23, 11), ny(23, 14)]


def test_presets_are_data_the_forms_can_offer():
    assert set(ATTEMPT_RULE_PRESETS) == {"us_reg_f_7_in_7", "us_reg_f_after_conversation", "florida_3_in_24h"}
    assert (REG_F_7_IN_7.max_attempts, REG_F_7_IN_7.within, REG_F_7_IN_7.count, REG_F_7_IN_7.scope) == (
        7,
        Delay(7, "d"),
        "all",
        "number",
    )
    conversation = REG_F_AFTER_CONVERSATION
    assert (conversation.max_attempts, conversation.within, conversation.count, conversation.scope) == (
        1,
        Delay(7, "d"),
        "connected",
        "number",
    )
    assert (FLORIDA_3_IN_24H.max_attempts, FLORIDA_3_IN_24H.window, FLORIDA_3_IN_24H.scope) == (
        3,
        timedelta(hours=24),
        "number",
    )
    calendar = cal(attempt_rules=(FLORIDA_3_IN_24H, REG_F_7_IN_7))
    assert calendar.history_window == timedelta(days=7)
    assert cal().history_window == timedelta(0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"max_attempts": True},
        {"within": Delay(0, "h")},
        {"count": "some"},
        {"count": "outcomes"},
        {"scope": "everyone"},
    ],
)
def test_attempt_rules_are_validated(kwargs):
    values = {"name": "r", "max_attempts": 2, "within": Delay(1, "h"), **kwargs}
    with pytest.raises(ValueError):
        AttemptRule(**values)


def test_calendar_checks_its_new_fields():
    with pytest.raises(ValueError):
        cal(avoid_repeat=Delay(12, "h"))
    with pytest.raises(ValueError):
        cal(attempt_rules=("7 in 7",))
    assert cal(avoid_repeat=Delay(11, "h")).avoid_repeat == Delay(11, "h")
    assert cal(attempt_rules=[REG_F_7_IN_7]).attempt_rules == (REG_F_7_IN_7,)


# --- rule 10 ---------------------------------------------------------------------------------------


def lon(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=LONDON)


def test_repeat_band_after_an_unanswered_call():
    calendar = Calendar("Europe/London", EVERY_DAY_8_TO_20, 10, avoid_repeat=Delay(2, "h"))
    once = StrategySpec(STRATEGY_TELEPHONY, {NA: Delay(1, "d")})
    decision = decide(calendar, tries(lon(23, 11, 17)), CATALOG, once)
    assert decision.next_attempt_at == lon(24, 13, 17)
    assert decision.explanation == (
        "Customer No Answer at 11:17 +1d = Tue 11:17, "
        "repeat band 09:17-13:17 (2h either side of the last call at 11:17) -> Tue 13:17"
    )
    assert decision.deferred_by == (REPEAT_BAND,)
    # The band's start is inside it, its end is not.
    assert not is_allowed_at(calendar, lon(24, 9, 17), tries(lon(23, 11, 17)))
    assert is_allowed_at(calendar, lon(24, 9, 16), tries(lon(23, 11, 17)))
    assert is_allowed_at(calendar, lon(24, 13, 17), tries(lon(23, 11, 17)))


def test_repeat_band_reads_around_the_clock():
    calendar = Calendar("Europe/London", ((Window(0, 1440),),) * 7, 10, avoid_repeat=Delay(3, "h"))
    late = tries(lon(23, 23, 30))
    assert not is_allowed_at(calendar, lon(24, 2, 29), late)
    assert is_allowed_at(calendar, lon(24, 2, 30), late)
    assert not is_allowed_at(calendar, lon(24, 20, 30), late)
    assert is_allowed_at(calendar, lon(24, 20, 29), late)
    decision = decide(calendar, late, CATALOG, TELEPHONY)
    assert decision.next_attempt_at == lon(24, 2, 30)


def test_repeat_band_does_not_follow_a_connected_call_but_follows_a_short_one():
    calendar = Calendar("Europe/London", EVERY_DAY_8_TO_20, 10, avoid_repeat=Delay(2, "h"), short_call_seconds=30)
    connected = [AttemptRecord(lon(24, 12), DONE, "busy", 45)]
    assert decide(calendar, connected, CATALOG, TELEPHONY, BUSINESS).next_attempt_at == lon(24, 13)
    short = [AttemptRecord(lon(24, 12), DONE, "busy", 10)]
    assert decide(calendar, short, CATALOG, TELEPHONY, BUSINESS).next_attempt_at == lon(24, 14)


def test_repeat_band_and_business_hours_together():
    calendar = cal(avoid_repeat=Delay(2, "h"), opening_delay=Delay(15, "m"))
    decision = decide(calendar, tries(ny(23, 9, 30)), CATALOG, StrategySpec(STRATEGY_TELEPHONY, {NA: Delay(9, "h")}))
    # 18:30 is after hours; Tue 09:00 (the opening) is inside 07:30-11:30; so Tue 11:30, mid-window, no delay.
    assert decision.next_attempt_at == ny(24, 11, 30)
    assert decision.explanation.endswith(
        "outside business hours -> next opening Tue 09:00, "
        "repeat band 07:30-11:30 (2h either side of the last call at 09:30) -> Tue 11:30"
    )
    assert not decision.moved_to_opening


def test_repeat_band_on_the_day_clocks_go_back_uses_the_wall_clock():
    calendar = Calendar("Europe/London", ((Window(0, 1440),),) * 7, 10, avoid_repeat=Delay(1, "h"))
    before = [AttemptRecord(datetime(2026, 10, 24, 1, 30, tzinfo=LONDON), NA)]
    # Both 01:30s of 25 Oct are inside 00:30-02:30 wall time; 02:30 GMT is the first instant outside.
    allowed = next_allowed_at(calendar, datetime(2026, 10, 24, 23, 30, tzinfo=UTC), before)  # 00:30 BST
    assert allowed.at == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)


# --- rule 1: do not call --------------------------------------------------------------------------


def test_a_listed_number_is_never_called_again_and_it_is_checked_first():
    calendar = cal()
    decision = decide(calendar, tries(ny(23, 10)), CATALOG, TELEPHONY, do_not_call=True)
    assert (decision.next_attempt_at, decision.reason) == (None, "do_not_call")
    assert decision.explanation == "Customer No Answer at 10:00: the number is on a do-not-call list: no retry"
    final = decide(calendar, tries(ny(23, 10), outcome="sip.customer_invalid_number"), CATALOG, do_not_call=True)
    assert final.reason == "do_not_call"
    assert decide(calendar, tries(ny(23, 10)), CATALOG, TELEPHONY).reason == "retry"


# --- settled points --------------------------------------------------------------------------------


def test_redial_delay_defaults_to_30_minutes():
    decision = decide(cal(), [AttemptRecord(ny(23, 10), DONE, "redial", 60)], CATALOG)
    assert decision.next_attempt_at == ny(23, 10, 30) and decision.delay == Delay(30, "m")


def test_campaign_ended_wins_over_no_calling_window():
    closed = ((),) * 7
    ends_soon = Calendar("UTC", closed, 5, end_at=datetime(2026, 12, 1, tzinfo=UTC))
    at = [AttemptRecord(datetime(2026, 11, 23, 10, tzinfo=UTC), NA)]
    decision = decide(ends_soon, at, CATALOG, TELEPHONY)
    assert decision.reason == "campaign_ended"
    assert "no allowed calling time before the campaign's end" in decision.explanation
    ends_later = Calendar("UTC", closed, 5, end_at=datetime(2028, 12, 1, tzinfo=UTC))
    assert decide(ends_later, at, CATALOG, TELEPHONY).reason == "no_calling_window"
    rule_forever = AttemptRule("", 1, Delay(400, "d"))
    blocked = Calendar(
        "UTC", EVERY_DAY_8_TO_20, 5, attempt_rules=(rule_forever,), end_at=datetime(2027, 6, 1, tzinfo=UTC)
    )
    assert decide(blocked, at, CATALOG, TELEPHONY).reason == "campaign_ended"
    blocked_no_end = Calendar("UTC", EVERY_DAY_8_TO_20, 5, attempt_rules=(rule_forever,))
    assert decide(blocked_no_end, at, CATALOG, TELEPHONY).reason == "no_calling_window"


def test_the_opening_delay_never_leaves_the_opening_window():
    hours = ((Window(540, 550), Window(600, 1000)),) * 7
    calendar = Calendar("America/New_York", hours, 5, opening_delay=Delay(15, "m"))
    decision = decide(calendar, tries(ny(23, 7)), CATALOG, TELEPHONY)
    assert decision.next_attempt_at == ny(23, 9)
    # When opening + delay is past the campaign's end, the opening itself (before the end) is the answer.
    ending = Calendar("America/New_York", EVERY_DAY_8_TO_20, 5, opening_delay=Delay(30, "m"), end_at=ny(24, 8, 10))
    assert decide(ending, tries(ny(23, 19, 30)), CATALOG, TELEPHONY).next_attempt_at == ny(24, 8)


def test_the_engine_package_imports_without_django():
    code = (
        "import sys, strategies.engine, strategies.scenario, strategies.queueing; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={"PATH": ""})
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_band_that_covers_all_the_hours_is_no_calling_window_and_says_so():
    calendar = Calendar("Europe/London", ((Window(600, 1200),),) * 7, 5, avoid_repeat=Delay(11, "h"))
    decision = decide(calendar, tries(lon(23, 15)), CATALOG, TELEPHONY)
    assert (decision.reason, decision.next_attempt_at) == ("no_calling_window", None)
    assert decision.explanation == (
        "Customer No Answer at 15:00 +1h = 16:00, no allowed calling time within 366 days with "
        "repeat band 04:00-02:00 (11h either side of the last call at 15:00): no retry"
    )
