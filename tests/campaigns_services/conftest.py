"""Campaigns with the seed's calendars and strategies, built through the ORM."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from campaigns.models import BusinessHourWindow, Campaign, DialPlan
from strategies.models import CallResult, Outcome, Strategy, StrategyRule

LONDON = ZoneInfo("Europe/London")
# Mon 25 Nov 2030; London is on GMT then, so local time equals UTC.
MONDAY = (2030, 11, 25)
NO_ANSWER = "sip.customer_no_answer"
CALL_FAILED = "platform.customer_call_failed"
ANSWERED = "sip.call_answered"
FINAL_OUTCOME = "platform.isd_not_allowed"


def local(day_offset: int, hour: int, minute: int = 0, second: int = 0, zone=LONDON) -> datetime:
    """An aware instant `day_offset` days after Monday 25 Nov 2030, local wall time in `zone`."""
    day = date(*MONDAY) + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute, second), tzinfo=zone)


def outcome(code: str) -> Outcome:
    return Outcome.objects.get(code=code)


def call_result(code: str) -> CallResult:
    return CallResult.objects.get(code=code)


@pytest.fixture
def make_campaign(db):
    """make_campaign(name=..., open_minutes=(540, 1020), weekdays=range(5), **campaign fields)."""
    counter = {"n": 0}

    def _make(open_minutes=(9 * 60, 17 * 60), weekdays=range(5), telephony_rules=None, business_rules=None, **fields):
        counter["n"] += 1
        telephony = Strategy.objects.create(name=f"telephony {counter['n']}", kind=Strategy.TELEPHONY)
        rules = telephony_rules or {NO_ANSWER: (1, "h"), CALL_FAILED: (2, "h")}
        for code, (amount, unit) in rules.items():
            StrategyRule.objects.create(strategy=telephony, outcome=outcome(code), amount=amount, unit=unit)
        business = Strategy.objects.create(name=f"business {counter['n']}", kind=Strategy.BUSINESS)
        for code, (amount, unit) in (business_rules or {"wrong_person": (1, "d")}).items():
            StrategyRule.objects.create(strategy=business, call_result=call_result(code), amount=amount, unit=unit)
        plan = DialPlan.objects.create(
            name=f"plan {counter['n']}", telephony_strategy=telephony, business_strategy=business
        )
        values = {"name": f"campaign {counter['n']}", "zone": "Europe/London", "max_attempts": 5, "dial_plan": plan}
        values.update(fields)
        campaign = Campaign.objects.create(**values)
        windows = [open_minutes] if isinstance(open_minutes[0], int) else list(open_minutes)
        for weekday in weekdays:
            for start, end in windows:
                BusinessHourWindow.objects.create(
                    campaign=campaign, weekday=weekday, start_minute=start, end_minute=end
                )
        return campaign

    return _make


@pytest.fixture
def campaign(make_campaign):
    """The first seed's campaign: 5 maximum and 2 daily attempts, open 09:00-17:00 on weekdays."""
    return make_campaign(daily_attempts=2)
