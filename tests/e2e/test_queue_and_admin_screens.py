"""Browser checks of the out-of-hours queue screen and the callbacks' Django admin changelist."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from campaigns.models import BusinessHourWindow, Campaign
from campaigns.services import contacts as contact_services
from campaigns.services import queue as queue_services
from retryadmin.lib.personas import AGENT, SUPERVISOR

SCREENS = Path("/tmp/screens")
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def overnight_queue(db):
    campaign = Campaign.objects.create(
        name="Web leads", zone="Europe/London", max_attempts=4, opening_delay_minutes=10, queue_spacing_seconds=30
    )
    for weekday in range(5):
        BusinessHourWindow.objects.create(campaign=campaign, weekday=weekday, start_minute=9 * 60, end_minute=17 * 60)
    # Leads that arrive after hours on the evening before the next working day.
    evening = datetime.now(LONDON).replace(hour=19, minute=0, second=0, microsecond=0)
    while evening.weekday() >= 4 or evening <= datetime.now(LONDON):
        evening += timedelta(days=1)
    for n in range(6):
        contact = contact_services.create_contact(
            campaign=campaign, phone=f"+4420794600{n:02d}", name=f"Overnight lead {n}"
        )
        queue_services.queue_lead(
            campaign=campaign, contact=contact, now=(evening + timedelta(minutes=n)).astimezone(UTC)
        )
    supervisor = User.objects.create_user(username="sofia", password="supervisor-demo-2026", is_staff=True)
    supervisor.groups.add(Group.objects.get(name=SUPERVISOR))
    agent = User.objects.create_user(username="arjun", password="agent1-demo-2026")
    agent.groups.add(Group.objects.get(name=AGENT))
    return campaign


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()


@pytest.mark.browser
def test_supervisor_sees_the_queue_for_the_next_opening(live_server, page, overnight_queue):
    log_in(page, live_server, "sofia", "supervisor-demo-2026")
    page.get_by_role("link", name="Queue").click()
    page.get_by_role("link", name=re.compile("Web leads")).click()
    expect(page.get_by_test_id("queue-total")).to_have_text("6 queued")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.nth(0)).to_contain_text("09:10:00")
    expect(rows.nth(1)).to_contain_text("09:10:30")
    expect(rows.nth(5)).to_contain_text("09:12:30")
    expect(rows.nth(5)).to_contain_text("Overnight lead 5")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "queue-web-leads.png"), full_page=True)


@pytest.mark.browser
def test_redial_request_changelist_in_the_admin(live_server, page, overnight_queue):
    page.set_viewport_size({"width": 1600, "height": 900})
    log_in(page, live_server, "sofia", "supervisor-demo-2026")
    page.goto(f"{live_server.url}/admin/campaigns/redialrequest/")
    expect(page.locator("#result_list tbody tr")).to_have_count(6)
    expect(page.locator("#changelist-filter")).to_contain_text("Personal")
    expect(page.locator("#result_list")).to_contain_text("Common")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "admin-redialrequest-changelist.png"), full_page=True)


@pytest.mark.browser
def test_an_agent_cannot_open_the_queue(live_server, page, overnight_queue):
    log_in(page, live_server, "arjun", "agent1-demo-2026")
    response = page.goto(f"{live_server.url}/campaigns/queue/{overnight_queue.pk}/")
    assert response.status == 403
