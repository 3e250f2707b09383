"""Campaigns with the seed's calendars and strategies, built by the factories."""

import pytest

from strategies.models import Strategy
from tests.factories import CampaignFactory, DialPlanFactory, StrategyFactory

from .helpers import CALL_FAILED, NO_ANSWER


@pytest.fixture
def make_campaign(db):
    """make_campaign(name=..., open_minutes=(540, 1020), weekdays=range(5), **campaign fields); open_minutes may
    also be several windows: ((540, 720), (780, 1020))."""
    counter = {"n": 0}

    def _make(open_minutes=(9 * 60, 17 * 60), weekdays=range(5), telephony_rules=None, business_rules=None, **fields):
        counter["n"] += 1
        plan = DialPlanFactory(
            name=f"plan {counter['n']}",
            telephony_strategy=StrategyFactory(
                name=f"telephony {counter['n']}",
                kind=Strategy.Kind.TELEPHONY,
                rules=telephony_rules or {NO_ANSWER: (1, "h"), CALL_FAILED: (2, "h")},
            ),
            business_strategy=StrategyFactory(
                name=f"business {counter['n']}",
                kind=Strategy.Kind.BUSINESS,
                rules=business_rules or {"wrong_person": (1, "d")},
            ),
        )
        values = {"name": f"campaign {counter['n']}", "zone": "Europe/London", "max_attempts": 5, "dial_plan": plan}
        values.update(fields)
        windows = [open_minutes] if isinstance(open_minutes[0], int) else list(open_minutes)
        return CampaignFactory(**values, hours=windows, hours__weekdays=weekdays)

    return _make


@pytest.fixture
def campaign(make_campaign):
    """The first seed's campaign: 5 maximum and 2 daily attempts, open 09:00-17:00 on weekdays."""
    return make_campaign(daily_attempts=2)
