"""A supervisor sees, in a real browser, the campaign's connect-rate heatmap and a retry that best time
to call moved to a better hour, with its explanation on the contact's timeline."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import BusinessHourWindow, Campaign, ConnectRateTable, Contact, DialPlan, RedialRequest
from campaigns.services.attempts import record_attempt
from strategies import best_time
from strategies.models import Outcome, Strategy, StrategyRule
from tests.e2e.helpers import log_in, supervisor

SCREENS = Path("/tmp/screens")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@pytest.fixture
def supervisor_user(db):
    return supervisor()


@pytest.fixture
def campaign(db):
    """Open around the clock; no answer is retried after 1 hour; best time to call on (6 hours, 30%)."""
    telephony = Strategy.objects.create(name="Retry no answer", kind=Strategy.TELEPHONY)
    StrategyRule.objects.create(
        strategy=telephony, outcome=Outcome.objects.get(code="sip.customer_no_answer"), amount=1, unit="h"
    )
    plan = DialPlan.objects.create(name="Renewals plan", telephony_strategy=telephony)
    campaign = Campaign.objects.create(
        name="Renewals",
        zone="UTC",
        max_attempts=10,
        dial_plan=plan,
        best_time_enabled=True,
        best_time_max_shift_hours=6,
        best_time_min_gain_percent=30,
        best_time_capacity_per_hour=40,
    )
    BusinessHourWindow.objects.bulk_create(
        BusinessHourWindow(campaign=campaign, weekday=day, start_minute=0, end_minute=1440) for day in range(7)
    )
    return campaign


@pytest.mark.browser
# Transactional tests flush the catalog and persona groups the migrations loaded: restore them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_heatmap_and_a_retry_moved_to_a_better_hour(live_server, page, supervisor_user, campaign):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    now = timezone.now()
    # Contacts answer far more often four hours from now (UTC, the contact's zone).
    best = best_time.hour_of_week(now + timedelta(hours=4), "UTC")
    cells = [[0.12, 100, 12] for _ in range(best_time.HOURS_PER_WEEK)]
    cells[best] = [0.6, 3000, 1800]
    ConnectRateTable.objects.create(campaign=campaign, cells=cells, base_rate=0.13, computed_at=now)

    contact = Contact.objects.create(campaign=campaign, name="Dana", phone="+442079460961", zone="UTC")
    record_attempt(
        campaign=campaign,
        contact=contact,
        outcome=Outcome.objects.get(code="sip.customer_no_answer"),
        started_at=now - timedelta(minutes=1),
        duration_seconds=0,
    )
    request = RedialRequest.objects.get(contact=contact, status__in=RedialRequest.OPEN_STATUSES)
    best_start = (now + timedelta(hours=4)).replace(minute=0, second=0, microsecond=0)
    assert request.due_at == best_start

    log_in(page, live_server)
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    heatmap = page.locator(".connect-heatmap")
    expect(heatmap).to_be_visible()
    day, clock = divmod(best, 24)
    cell = heatmap.locator(f'td[title^="{DAYS[day]} {clock:02d}:00: 60% answer (3000 calls"]')
    expect(cell).to_be_visible()
    expect(cell).to_contain_text("3000")
    page.locator("#best-time").screenshot(path=str(SCREENS / "best-time-heatmap.png"))

    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/contacts/{contact.pk}/")
    explanation = page.locator(".timeline .explanation").first
    expect(explanation).to_contain_text("best time to call moved")
    # The retry was due an hour after the call; late in the day the better hour is tomorrow's, named by its day.
    retry_due = now - timedelta(minutes=1) + timedelta(hours=1)
    day_named = "" if best_start.date() == retry_due.date() else f"{DAYS[best_start.weekday()]} "
    expect(explanation).to_contain_text(f"-> {day_named}{best_start:%H:%M}: 60% answer then vs 12% (3,000 calls)")
    expect(page.locator(".answered-hours")).to_contain_text("1")
    page.screenshot(path=str(SCREENS / "best-time-contact.png"), full_page=True)
