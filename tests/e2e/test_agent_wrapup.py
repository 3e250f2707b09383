"""An agent's shift in a real browser: join, calls, wrap-ups, Add Redial, the next call."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import BusinessHourWindow, Campaign, Contact, RedialRequest
from retryadmin.lib.personas import AGENT
from strategies.models import Outcome

SCREENS = Path("/tmp/screens")


@pytest.fixture
def shift(db):
    campaign = Campaign.objects.create(name="Diwali upgrade offers", zone="UTC", max_attempts=5)
    for weekday in range(7):
        BusinessHourWindow.objects.create(campaign=campaign, weekday=weekday, start_minute=0, end_minute=1440)
    names = ["Priya Sharma", "Rahul Verma", "Anita Rao", "Vikram Singh"]
    for i, name in enumerate(names):
        Contact.objects.create(
            campaign=campaign, name=name, phone=f"+9198765432{i:02d}", zone="UTC", custom_fields={"plan": "Gold"}
        )
    user = User.objects.create_user(username="agent1", password="agent1-demo-2026", first_name="Arjun")
    user.groups.add(Group.objects.get(name=AGENT))
    return campaign, user


def shot(page, name):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"wrapup-{name}.png"), full_page=True)


def end_call(page, code, seconds):
    page.select_option("#id_outcome", str(Outcome.objects.get(code=code).pk))
    page.fill("#id_duration_seconds", str(seconds))
    page.get_by_role("button", name="Call ended").click()


@pytest.mark.browser
# Transactional tests flush the catalog and persona groups the migrations loaded: restore them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_agent_shift(live_server, page, shift):
    campaign, user = shift
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "agent1")
    page.fill("#id_password", "agent1-demo-2026")
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.goto(f"{live_server.url}/agent/")
    expect(page.locator("#state-badge")).to_have_text("Offline")
    shot(page, "01-offline")

    page.select_option("#id_campaign", str(campaign.pk))
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#state-badge")).to_have_text("In call")
    expect(page.locator("#contact-name")).to_have_text("Priya Sharma")
    shot(page, "02-in-call")

    end_call(page, "sip.call_answered", 95)
    expect(page.locator("#state-badge")).to_have_text("Wrap-up")
    expect(page.get_by_role("button", name="Pause")).to_be_disabled()
    expect(page.get_by_role("button", name="Leave campaign")).to_be_disabled()
    shot(page, "03-wrap-up")

    page.get_by_label("Successful").check()
    page.get_by_role("button", name="Save result and end wrap-up").click()
    expect(page.get_by_text("Wrap-up ended with Successful")).to_be_visible()
    expect(page.locator("#contact-name")).to_have_text("Rahul Verma")
    shot(page, "04-next-call")

    end_call(page, "sip.call_answered", 60)
    page.get_by_label("Redial", exact=True).check()
    page.get_by_role("button", name="Save result and end wrap-up").click()
    expect(page.get_by_text("Wrap-up ended with Redial")).to_be_visible()
    rahul = Contact.objects.get(name="Rahul Verma")
    redial = RedialRequest.objects.get(contact=rahul, status=RedialRequest.SCHEDULED)
    assert redial.owner == user
    expect(page.locator("#contact-name")).to_have_text("Anita Rao")
    shot(page, "05-after-redial-result")

    end_call(page, "sip.call_answered", 120)
    tomorrow = (timezone.now() + timedelta(days=1)).date()
    page.fill("#id_date", tomorrow.isoformat())
    page.select_option("#id_hour", "10")
    page.select_option("#id_minute", "30")
    page.get_by_label("Personal (only me)").check()
    page.fill("#id_remarks", "Wants the Gold plan details")
    page.get_by_role("button", name="Save redial").click()
    expect(page.get_by_text("Redial added: personal")).to_be_visible()

    yesterday = (timezone.now() - timedelta(days=1)).date()
    page.fill("#id_date", yesterday.isoformat())
    page.get_by_role("button", name="Save redial").click()
    expect(page.get_by_text(re.compile("is not in the future; the next allowed time is"))).to_be_visible()
    shot(page, "06-redial-refused")

    page.fill("#id_date", tomorrow.isoformat())
    page.select_option("#id_hour", "11")
    page.get_by_label("Common (any free agent)").check()
    page.get_by_role("button", name="Save redial").click()
    expect(page.get_by_text("Redial added: common")).to_be_visible()
    anita = Contact.objects.get(name="Anita Rao")
    open_request = RedialRequest.objects.get(contact=anita, status=RedialRequest.SCHEDULED)
    assert open_request.owner is None and open_request.due_at.hour == 11

    page.get_by_label("Hang-Up").check()
    page.get_by_role("button", name="Save result and end wrap-up").click()
    expect(page.locator("#contact-name")).to_have_text("Vikram Singh")
    assert RedialRequest.objects.get(contact=anita, status=RedialRequest.SCHEDULED) == open_request
    shot(page, "07-next-call-after-redials")

    end_call(page, "sip.customer_busy", 0)
    expect(page.get_by_text("Classified automatically as Busy from Customer Busy")).to_be_visible()
    expect(page.locator("#state-badge")).to_have_text("Ready")
    shot(page, "08-ready-after-busy")
