"""Campaigns, contacts and redials for the do-not-call tests, built by the factories as the workspace's are."""

import pytest

from campaigns.models import Contact, RedialRequest
from strategies.models import Strategy
from tests.factories import CampaignFactory, ContactFactory, DialPlanFactory, RedialRequestFactory, StrategyFactory
from tests.wrapup.helpers import BUSY, NO_ANSWER


@pytest.fixture
def make_campaign(db):
    """make_campaign(open_minutes=(0, 1440), **fields): a London campaign with a dial plan, open around the clock."""
    counter = {"n": 0}

    def _make(open_minutes=(0, 1440), **fields):
        counter["n"] += 1
        plan = DialPlanFactory(
            name=f"dnc plan {counter['n']}",
            telephony_strategy=StrategyFactory(
                name=f"dnc telephony {counter['n']}",
                kind=Strategy.Kind.TELEPHONY,
                rules={BUSY: (1, "h"), NO_ANSWER: (1, "h")},
            ),
            business_strategy=StrategyFactory(
                name=f"dnc business {counter['n']}", kind=Strategy.Kind.BUSINESS, rules={"busy": (2, "h")}
            ),
        )
        values = {"name": f"dnc campaign {counter['n']}", "zone": "Europe/London", "dial_plan": plan}
        values.update(fields)
        return CampaignFactory(**values, hours=[open_minutes])

    return _make


@pytest.fixture
def campaign(make_campaign):
    return make_campaign()


@pytest.fixture
def make_contact(db):
    """make_contact(campaign, **fields): a London contact with the factory's next number."""

    def _make(campaign, **fields):
        return ContactFactory(campaign=campaign, zone="Europe/London", **fields)

    return _make


@pytest.fixture
def make_redial(db):
    """make_redial(contact, due_at): the contact, now scheduled, gets a scheduled redial."""

    def _make(contact, due_at):
        contact.status = Contact.Status.SCHEDULED
        contact.save(update_fields=["status"])
        return RedialRequestFactory(contact=contact, due_at=due_at, status=RedialRequest.Status.SCHEDULED)

    return _make
