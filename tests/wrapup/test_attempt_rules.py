"""Attempt rules at the agent's doors: allocation skips a number a rule forbids now, and a redial added in
wrap-up that breaks a rule is refused naming it and the next allowed time."""

from datetime import timedelta

import pytest

from campaigns.models import Attempt, Contact
from campaigns.services import attempt_rules as rule_services
from campaigns.services.contacts import RedialRefused
from tests.factories import outcome
from wrapup.services import presence, wrap_up

from .helpers import ANSWERED, BUSY, NOW

pytestmark = pytest.mark.django_db

FLORIDA = "Florida: 3 calls in 24 hours"


def with_phone(contact, phone):
    Contact.objects.filter(pk=contact.pk).update(phone=phone)
    contact.phone = phone
    return contact


def calls_elsewhere(campaign, make_contact, phone, *ages):
    contact = with_phone(make_contact(campaign), phone)
    for number, age in enumerate(ages, start=1):
        Attempt.objects.create(
            contact=contact, campaign=campaign, number=number, started_at=NOW - age, outcome=outcome(BUSY)
        )


def test_allocation_skips_a_fresh_contact_whose_number_a_rule_forbids_now(agent, make_campaign, make_contact):
    campaign = make_campaign()
    rule_services.add_preset(campaign, "florida_3_in_24h", by=None)
    other = make_campaign()
    blocked = with_phone(make_contact(campaign), "+447700900111")
    allowed = with_phone(make_contact(campaign), "+447700900222")
    calls_elsewhere(other, make_contact, "+447700900111", timedelta(hours=3), timedelta(hours=2), timedelta(hours=1))
    assert blocked.created_at <= allowed.created_at
    assert presence.join_campaign(agent, campaign, now=NOW) == allowed


def test_a_wrap_up_redial_breaking_a_rule_is_refused_naming_it(agent, make_campaign, make_contact):
    campaign = make_campaign()
    rule_services.add_preset(campaign, "us_reg_f_after_conversation", by=None)
    contact = make_contact(campaign)
    assert presence.join_campaign(agent, campaign, now=NOW) == contact
    ended = wrap_up.simulate_call_end(
        presence.AgentSession.objects.get(agent=agent), outcome=outcome(ANSWERED), duration_seconds=90, now=NOW
    )
    with pytest.raises(RedialRefused) as caught:
        wrap_up.add_wrap_up_redial(agent, ended.attempt, due_at=NOW + timedelta(days=2), personal=True, now=NOW)
    [message] = caught.value.messages
    assert "US Regulation F: no call within 7 days after a conversation reached" in message
    # Seven days after the conversation started.
    assert "next allowed time is Mon 2 Dec " in message
    assert caught.value.next_allowed_at == ended.attempt.started_at + timedelta(days=7)
