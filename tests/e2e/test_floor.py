"""The supervisor's floor in a real browser: an agent's new state appears without a page reload."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import BusinessHourWindow, Campaign, Contact
from retryadmin.lib.personas import AGENT, SUPERVISOR
from wrapup.models import AgentSession


@pytest.mark.browser
# Transactional tests flush the catalog and persona groups the migrations loaded: restore them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_supervisor_sees_agent_go_from_ready_to_in_call(live_server, page):
    campaign = Campaign.objects.create(name="Diwali upgrade offers", zone="UTC", max_attempts=5)
    for weekday in range(7):
        BusinessHourWindow.objects.create(campaign=campaign, weekday=weekday, start_minute=0, end_minute=1440)
    customer = Contact.objects.create(campaign=campaign, name="Priya Sharma", phone="+919876543200")
    agent = User.objects.create_user(username="agent1", password="agent1-demo-2026")
    agent.groups.add(Group.objects.get(name=AGENT))
    session = AgentSession.objects.create(agent=agent, campaign=campaign, state=AgentSession.READY)
    boss = User.objects.create_user(username="super1", password="super1-demo-2026", is_staff=True)
    boss.groups.add(Group.objects.get(name=SUPERVISOR))

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "super1")
    page.fill("#id_password", "super1-demo-2026")
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.goto(f"{live_server.url}/agent/floor/")
    row = page.locator('tr[data-agent="agent1"]')
    expect(row.locator(".state-badge")).to_have_text("Ready")
    # Marks this document: a full reload would lose it, an htmx swap keeps it.
    page.evaluate("window.__sameDocument = true")

    # What the workspace does when a call is allocated, straight on the row between two polls.
    AgentSession.objects.filter(pk=session.pk).update(
        state=AgentSession.IN_CALL, state_changed_at=timezone.now(), current_contact=customer
    )

    # The poll runs every 10 s: the change shows within one period (plus a margin).
    expect(row.locator(".state-badge")).to_have_text("In call", timeout=13_000)
    expect(row).to_contain_text("Priya Sharma")
    expect(page.locator('[data-state="in_call"] strong')).to_have_text("1")
    assert page.evaluate("window.__sameDocument === true")
