"""Campaigns, contacts and agents for the workspace tests, built through the ORM."""

from datetime import UTC, datetime, timedelta

import pytest

from campaigns.models import BusinessHourWindow, Campaign, Contact, DialPlan, RedialRequest
from strategies.models import CallResult, Outcome, Strategy, StrategyRule

# Mon 25 Nov 2030 10:00 UTC: London is on GMT, so local time equals UTC.
NOW = datetime(2030, 11, 25, 10, 0, tzinfo=UTC)
ANSWERED = "sip.call_answered"
BUSY = "sip.customer_busy"
NO_ANSWER = "sip.customer_no_answer"


def outcome(code: str) -> Outcome:
    return Outcome.objects.get(code=code)


def call_result(code: str) -> CallResult:
    return CallResult.objects.get(code=code)


@pytest.fixture
def make_campaign(db):
    """make_campaign(open_minutes=(0, 1440), weekdays=range(7), **fields): open around the clock by default."""
    counter = {"n": 0}

    def _make(open_minutes=(0, 1440), weekdays=range(7), **fields):
        counter["n"] += 1
        telephony = Strategy.objects.create(name=f"wrap telephony {counter['n']}", kind=Strategy.TELEPHONY)
        for code in (BUSY, NO_ANSWER):
            StrategyRule.objects.create(strategy=telephony, outcome=outcome(code), amount=1, unit="h")
        business = Strategy.objects.create(name=f"wrap business {counter['n']}", kind=Strategy.BUSINESS)
        StrategyRule.objects.create(strategy=business, call_result=call_result("busy"), amount=2, unit="h")
        plan = DialPlan.objects.create(
            name=f"wrap plan {counter['n']}", telephony_strategy=telephony, business_strategy=business
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
        campaign = Campaign.objects.create(**values)
        for weekday in weekdays:
            BusinessHourWindow.objects.create(
                campaign=campaign, weekday=weekday, start_minute=open_minutes[0], end_minute=open_minutes[1]
            )
        return campaign

    return _make


@pytest.fixture
def campaign(make_campaign):
    return make_campaign()


@pytest.fixture
def make_contact(db):
    counter = {"n": 0}

    def _make(campaign, name=None, zone="Europe/London", **fields):
        counter["n"] += 1
        return Contact.objects.create(
            campaign=campaign,
            name=name or f"Customer {counter['n']}",
            phone=f"+4477009{counter['n']:05d}",
            zone=zone,
            **fields,
        )

    return _make


@pytest.fixture
def make_redial(db):
    def _make(contact, due_at, owner=None, status=RedialRequest.SCHEDULED):
        contact.status = Contact.SCHEDULED
        contact.save(update_fields=["status"])
        return RedialRequest.objects.create(
            contact=contact, campaign=contact.campaign, due_at=due_at, owner=owner, status=status
        )

    return _make


@pytest.fixture
def agent2(make_user):
    return make_user("Agent", username="agent_two")


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
