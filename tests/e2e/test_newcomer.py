"""What a new user trips over, checked in Chromium: a callback's remarks reach the agent who makes it, call
times start when the call is offered, a lead's calls are "Lead" with the UTM source beside them, each persona
starts where its work is, the agent's page opens with the call that waits, and the demo has rows to read."""

import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Attempt, BusinessHourWindow, Campaign, Contact, RedialRequest
from campaigns.services import contacts as contact_services
from campaigns.services import queue as queue_services
from campaigns.services import redials as redial_services
from strategies.models import Outcome
from wrapup.models import AgentSession

SCREENS = Path("/tmp/screens")
PASSWORD = "pw-test-123"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def always_open(db):
    """A campaign open every hour of every day, in Kolkata."""
    campaign = Campaign.objects.create(name="Diwali upgrade offers", zone="Asia/Kolkata", max_attempts=5)
    for weekday in range(7):
        BusinessHourWindow.objects.create(campaign=campaign, weekday=weekday, start_minute=0, end_minute=1440)
    return campaign


def log_in(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_load_state()


def shot(page, name):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"newcomer-{name}.png"), full_page=True)


def end_call(page, code, seconds):
    page.select_option("#id_outcome", str(Outcome.objects.get(code=code).pk))
    page.fill("#id_duration_seconds", str(seconds))
    page.get_by_role("button", name="Call ended").click()


# --- 1. A redial's remarks reach the agent who makes the callback ---------------------------------------


def test_a_reassigned_callback_shows_its_remarks_requester_and_time_on_the_call_and_wrap_up(
    live_server, page, always_open, make_user
):
    agent1 = make_user("Agent", username="agent1", password=PASSWORD, first_name="Arjun", last_name="Agent")
    agent2 = make_user("Agent", username="agent2", password=PASSWORD, first_name="Bea", last_name="Agent")
    supervisor = make_user("Supervisor", username="sofia", password=PASSWORD)
    contact = contact_services.create_contact(campaign=always_open, phone="+919876543210", name="Priya Sharma")
    request = redial_services.add_redial(
        campaign=always_open,
        contact=contact,
        due_at=timezone.now() + timedelta(hours=1),
        owner=agent1,
        remarks="Call back about broadband upgrade, asked for Alice",
        created_by=agent1,
    )
    redial_services.reassign_redial(request, owner=agent2, by=supervisor)
    # The hour passes: the callback is due now.
    RedialRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() - timedelta(minutes=1))

    log_in(page, live_server, "agent2")
    page.select_option("#id_campaign", str(always_open.pk))
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#contact-name")).to_have_text("Priya Sharma")
    expect(page.locator("#call-request-remarks")).to_contain_text("Call back about broadband upgrade, asked for Alice")
    expect(page.locator("#call-request-by")).to_contain_text("Requested by Arjun Agent on")
    expect(page.locator("#call-request-by")).to_contain_text("(Asia/Kolkata)")
    shot(page, "01-callback-remarks-in-call")

    end_call(page, "sip.call_answered", 95)
    expect(page.locator("#state-badge")).to_have_text("Wrap-up")
    expect(page.locator("#call-request-remarks")).to_contain_text("asked for Alice")
    expect(page.locator("#call-request-by")).to_contain_text("Arjun Agent")
    shot(page, "02-callback-remarks-in-wrap-up")


# --- 2. A call starts when it is offered and ends its duration later -----------------------------------------


def test_a_call_starts_when_offered_not_worked_back_from_the_typed_duration(live_server, page, always_open, make_user):
    agent = make_user("Agent", username="agent1", password=PASSWORD)
    contact_services.create_contact(campaign=always_open, phone="+919876543210", name="Priya Sharma")
    log_in(page, live_server, "agent1")
    page.select_option("#id_campaign", str(always_open.pk))
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#contact-name")).to_have_text("Priya Sharma")
    # The customer was offered ten minutes ago; the agent types a 185-second call.
    offered = (timezone.now() - timedelta(minutes=10)).replace(microsecond=0)
    AgentSession.objects.filter(agent=agent).update(state_changed_at=offered)
    end_call(page, "sip.call_answered", 185)
    expect(page.locator("#state-badge")).to_have_text("Wrap-up")

    attempt = Attempt.objects.get(contact__name="Priya Sharma")
    assert attempt.started_at == offered and attempt.ended_at == offered + timedelta(seconds=185)
    page.get_by_label("Successful").check()
    page.get_by_role("button", name="Save result and end wrap-up").click()
    page.get_by_role("link", name="Priya Sharma").click()
    local = offered.astimezone(ZoneInfo("Asia/Kolkata"))
    expect(page.locator("dd").nth(2)).to_have_text(local.strftime("%a %d %b %Y %H:%M:%S"))
    shot(page, "03-call-started-when-offered")


# --- 3. A lead's calls are "Lead"; the UTM source has its own column ---------------------------------------


def test_a_leads_call_shows_source_lead_and_its_utm_source_in_its_own_column(live_server, page, always_open, make_user):
    make_user("Agent", username="agent1", password=PASSWORD)
    make_user("Sales Manager", username="sam", password=PASSWORD)
    contact = contact_services.create_contact(
        campaign=always_open,
        phone="+919812345678",
        name="Lead Lakshmi",
        custom_fields={"utm_source": "google.com", "utm_medium": "cpc"},
    )
    queue_services.queue_lead(campaign=always_open, contact=contact)

    log_in(page, live_server, "agent1")
    page.select_option("#id_campaign", str(always_open.pk))
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#contact-name")).to_have_text("Lead Lakshmi")
    end_call(page, "sip.customer_no_answer", 0)
    expect(page.locator("#state-badge")).to_have_text("Ready")
    page.get_by_role("button", name=re.compile("Log out", re.I)).click()

    log_in(page, live_server, "sam")
    page.goto(f"{live_server.url}/campaigns/report/?source=lead")
    row = page.locator("tbody tr", has_text="Lead Lakshmi")
    expect(row).to_have_count(1)
    expect(row.locator(".report-source")).to_have_text("Lead")
    expect(row.locator(".report-utm")).to_have_text("google.com - cpc")
    expect(row.locator(".report-zone")).to_have_text("Asia/Kolkata")
    shot(page, "04-report-lead-source")


# --- 5. Each persona starts where its work is ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "path", "heading"),
    [
        ("Supervisor", "/campaigns/callbacks/", "Callbacks"),
        ("Sales Manager", "/campaigns/report/", "Call report"),
        ("Campaign Manager", "/strategies/", "Retry strategies"),
        ("Agent", "/agent/", "Agent workspace"),
    ],
)
def test_each_persona_lands_where_its_work_is(live_server, page, make_user, persona, path, heading):
    make_user(persona, username="someone", password=PASSWORD)
    log_in(page, live_server, "someone")
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.locator("h1").first).to_contain_text(heading)


# --- 6. The agent's page opens with the call that waits ------------------------------------------------------


def test_the_agent_page_loads_with_a_callback_that_fell_due_while_waiting(live_server, page, always_open, make_user):
    make_user("Agent", username="agent1", password=PASSWORD)
    log_in(page, live_server, "agent1")
    page.select_option("#id_campaign", str(always_open.pk))
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#state-badge")).to_have_text("Ready")
    expect(page.get_by_text("Waiting for a call")).to_be_visible()

    # A callback falls due while the agent waits; the next poll is 15 s away.
    contact = Contact.objects.create(campaign=always_open, name="Rahul Verma", phone="+919812345600")
    Attempt.objects.create(
        contact=contact,
        campaign=always_open,
        number=1,
        started_at=timezone.now() - timedelta(hours=1),
        outcome=Outcome.objects.get(code="sip.customer_busy"),
    )
    contact.status = Contact.SCHEDULED
    contact.save(update_fields=["status"])
    RedialRequest.objects.create(contact=contact, campaign=always_open, due_at=timezone.now() - timedelta(seconds=5))

    page.goto(f"{live_server.url}/agent/")
    expect(page.locator("#state-badge")).to_have_text("In call")
    expect(page.locator("#contact-name")).to_have_text("Rahul Verma")
    expect(page.get_by_text("No call is due right now")).to_have_count(0)
    shot(page, "05-agent-page-opens-with-the-callback")


# --- 11. After a fresh load_demo, each persona's first page has rows -----------------------------------------


@pytest.mark.slow
def test_after_load_demo_each_personas_first_page_has_rows(live_server, page):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Attempt.objects.count() > 100
    firsts = [
        ("manager", "/strategies/", "table tbody tr"),
        ("supervisor", "/campaigns/callbacks/", "table tbody tr[data-request]"),
        ("sales", "/campaigns/report/", "table tbody tr"),
        ("agent1", "/agent/", "#my-calls li a"),
    ]
    for username, path, rows in firsts:
        page.context.clear_cookies()
        log_in(page, live_server, username, f"{username}-demo-2026")
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect(page.locator(rows).first).to_be_visible()
        assert page.locator(rows).count() >= 2, username
        expect(page.get_by_text("No calls match these filters")).to_have_count(0)
        shot(page, f"06-demo-{username}")
    page.context.clear_cookies()
    log_in(page, live_server, "agent1", "agent1-demo-2026")
    expect(page.locator("#my-redials li a").first).to_be_visible()
    page.context.clear_cookies()
    log_in(page, live_server, "supervisor", "supervisor-demo-2026")
    page.goto(f"{live_server.url}/campaigns/queue/")
    waiting = [int(text) for text in page.locator(".queue-waiting").all_inner_texts()]
    assert sum(waiting) >= 3
