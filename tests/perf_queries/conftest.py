"""A campaign open around the clock (UTC) whose telephony strategy retries no answer after an hour, and a
fixture that makes one call's worth of work, for counting queries."""

import pytest

from campaigns.models import Contact
from strategies.models import Strategy
from tests.factories import CampaignFactory, ContactFactory, DialPlanFactory, StrategyFactory

from .helpers import BUSY, NO_ANSWER


@pytest.fixture
def telephony(db):
    return StrategyFactory(
        name="perf telephony", kind=Strategy.Kind.TELEPHONY, rules={NO_ANSWER: (60, "m"), BUSY: (30, "m")}
    )


@pytest.fixture
def campaign(telephony):
    plan = DialPlanFactory(name="perf plan", telephony_strategy=telephony)
    return CampaignFactory(name="Perf", zone="UTC", max_attempts=10, dial_plan=plan, hours=[(0, 24 * 60)])


@pytest.fixture
def new_contact(campaign):
    """new_contact(): another contact of the campaign, never called."""

    def _make() -> Contact:
        return ContactFactory(campaign=campaign, zone="UTC")

    return _make
