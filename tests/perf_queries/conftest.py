"""A campaign open around the clock (UTC) whose telephony strategy retries no answer after an hour, and helpers
that make one call's worth of work, for counting queries."""

from datetime import UTC, datetime

import pytest

from campaigns.models import BusinessHourWindow, Campaign, Contact, DialPlan
from strategies.models import Outcome, Strategy, StrategyRule

NO_ANSWER = "sip.customer_no_answer"
BUSY = "sip.customer_busy"
# Tue 26 Nov 2030 10:00 UTC: inside the campaign's hours, far from any DST change.
TUESDAY_TEN = datetime(2030, 11, 26, 10, tzinfo=UTC)


@pytest.fixture
def telephony(db):
    strategy = Strategy.objects.create(name="perf telephony", kind=Strategy.TELEPHONY)
    StrategyRule.objects.create(strategy=strategy, outcome=Outcome.objects.get(code=NO_ANSWER), amount=60, unit="m")
    StrategyRule.objects.create(strategy=strategy, outcome=Outcome.objects.get(code=BUSY), amount=30, unit="m")
    return strategy


@pytest.fixture
def campaign(telephony):
    plan = DialPlan.objects.create(name="perf plan", telephony_strategy=telephony)
    campaign = Campaign.objects.create(name="Perf", zone="UTC", max_attempts=10, dial_plan=plan)
    BusinessHourWindow.objects.bulk_create(
        BusinessHourWindow(campaign=campaign, weekday=day, start_minute=0, end_minute=24 * 60) for day in range(7)
    )
    return campaign


@pytest.fixture
def new_contact(campaign):
    """new_contact(): another contact of the campaign, never called."""
    counter = iter(range(1000))

    def _make() -> Contact:
        return Contact.objects.create(campaign=campaign, phone=f"+44207123{next(counter):04d}", zone="UTC")

    return _make
