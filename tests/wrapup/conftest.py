"""Campaigns, contacts and agents for the workspace tests, built by the factories."""

import pytest

from campaigns.models import Contact, RedialRequest
from strategies.models import Strategy
from tests.factories import CampaignFactory, ContactFactory, DialPlanFactory, RedialRequestFactory, StrategyFactory

from .helpers import BUSY, NO_ANSWER


@pytest.fixture
def make_campaign(db):
    """make_campaign(open_minutes=(0, 1440), weekdays=range(7), **fields): open around the clock by default."""
    counter = {"n": 0}

    def _make(open_minutes=(0, 1440), weekdays=range(7), **fields):
        counter["n"] += 1
        plan = DialPlanFactory(
            name=f"wrap plan {counter['n']}",
            telephony_strategy=StrategyFactory(
                name=f"wrap telephony {counter['n']}",
                kind=Strategy.Kind.TELEPHONY,
                rules={BUSY: (1, "h"), NO_ANSWER: (1, "h")},
            ),
            business_strategy=StrategyFactory(
                name=f"wrap business {counter['n']}", kind=Strategy.Kind.BUSINESS, rules={"busy": (2, "h")}
            ),
        )
        values = {
            "name": f"wrap campaign {counter['n']}",
            "zone": "Europe/London",
            "max_attempts": 5,
            "dial_plan": plan,
            "redial_delay_amount": 30,
            "redial_delay_unit": "m",
            "acw_timeout_seconds": 120,
        }
        values.update(fields)
        return CampaignFactory(**values, hours=[open_minutes], hours__weekdays=weekdays)

    return _make


@pytest.fixture
def campaign(make_campaign):
    return make_campaign()


@pytest.fixture
def make_contact(db):
    """make_contact(campaign, name=None, zone="Europe/London", **fields)."""

    def _make(campaign, name=None, zone="Europe/London", **fields):
        if name is not None:
            fields["name"] = name
        return ContactFactory(campaign=campaign, zone=zone, **fields)

    return _make


@pytest.fixture
def make_redial(db):
    """make_redial(contact, due_at, owner=None, status="scheduled", **fields): the contact, now scheduled,
    gets a redial (fields such as source= go to the request)."""

    def _make(contact, due_at, owner=None, status=RedialRequest.Status.SCHEDULED, **fields):
        contact.status = Contact.Status.SCHEDULED
        contact.save(update_fields=["status"])
        return RedialRequestFactory(contact=contact, due_at=due_at, owner=owner, status=status, **fields)

    return _make


@pytest.fixture
def agent2(make_user):
    return make_user("Agent", username="agent_two")
