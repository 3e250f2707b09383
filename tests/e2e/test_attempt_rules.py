"""A supervisor sets the US Regulation F preset on a campaign in a real browser, then sees a retry deferred
by it on a contact's timeline and in the strategy preview."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import AttemptRule, AttemptRuleChange, BusinessHourWindow, Campaign, Contact, DialPlan
from campaigns.services.attempts import record_attempt
from campaigns.services.retries import schedule_retry
from strategies.models import CallResult, Outcome, Strategy, StrategyRule
from tests.e2e.helpers import log_in, supervisor

SCREENS = Path("/tmp/screens")
REG_F = "US Regulation F: no call within 7 days after a conversation"


@pytest.fixture
def supervisor_user(db):
    return supervisor()


@pytest.fixture
def campaign(db):
    """Open around the clock; a busy customer is called back after 2 hours."""
    business = Strategy.objects.create(name="Call back busy customers", kind=Strategy.BUSINESS)
    StrategyRule.objects.create(strategy=business, call_result=CallResult.objects.get(code="busy"), amount=2, unit="h")
    plan = DialPlan.objects.create(name="Collections plan", business_strategy=business)
    campaign = Campaign.objects.create(name="Collections", zone="UTC", max_attempts=10, dial_plan=plan)
    BusinessHourWindow.objects.bulk_create(
        BusinessHourWindow(campaign=campaign, weekday=day, start_minute=0, end_minute=1440) for day in range(7)
    )
    return campaign


@pytest.mark.browser
# Transactional tests flush the catalog and persona groups the migrations loaded: restore them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_supervisor_sets_reg_f_and_sees_a_retry_deferred_by_it(live_server, page, supervisor_user, campaign):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    log_in(page, live_server)

    # The campaign page offers the rules; one click adds the preset.
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    page.get_by_role("link", name=re.compile("Edit rules")).click()
    page.get_by_role("button", name=f"Add {REG_F}").click()
    expect(page.locator(".alert-success")).to_contain_text(f"{REG_F} added to Collections")
    expect(page.locator(".rule-log")).to_contain_text("sam")
    expect(page.locator(".rule-log")).to_contain_text("1 in 7d, connected, per number")
    page.screenshot(path=str(SCREENS / "attempt-rules-campaign.png"), full_page=True)
    [rule] = AttemptRule.objects.filter(campaign=campaign)
    assert rule.name == REG_F and rule.count == "connected" and rule.scope == "number"
    assert AttemptRuleChange.objects.get(campaign=campaign).changed_by == supervisor_user

    # A conversation with a busy customer: the 2-hour callback waits 7 days for the rule.
    contact = Contact.objects.create(campaign=campaign, name="Dana", phone="+442079460961")
    started = timezone.now() - timedelta(minutes=5)
    attempt, _ = record_attempt(
        campaign=campaign,
        contact=contact,
        outcome=Outcome.objects.get(code="sip.call_answered"),
        started_at=started,
        duration_seconds=90,
        call_result=CallResult.objects.get(code="busy"),
    )
    request = schedule_retry(attempt)
    assert request.due_at == started + timedelta(days=7)

    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/contacts/{contact.pk}/")
    expect(page.locator("body")).to_contain_text(f"{REG_F} reached")
    page.screenshot(path=str(SCREENS / "attempt-rules-timeline.png"), full_page=True)

    # The strategy preview shows the same deferral once the sample campaign has the preset.
    strategy = campaign.dial_plan.business_strategy
    page.goto(f"{live_server.url}/strategies/{strategy.pk}/")
    page.select_option("#id_sample-result_1", "busy")
    page.fill("#id_sample-start", "2026-11-23T10:00")
    first_next = page.locator('[data-testid="next-at"]').first
    expect(first_next).to_contain_text("Mon 23 Nov 2026 12:00")
    page.get_by_label(REG_F).check()
    expect(page.locator('[data-testid="deferred-by"]').first).to_have_text(f"deferred by {REG_F}")
    expect(first_next).to_contain_text("Mon 30 Nov 2026")
    expect(page.locator('[data-testid="timeline-step"]').first).to_contain_text(f"{REG_F} reached")
    page.screenshot(path=str(SCREENS / "attempt-rules-preview.png"), full_page=True)


@pytest.fixture
def manager_user(db):
    from retryadmin.lib.personas import CAMPAIGN_MANAGER

    user = User.objects.create_user(username="maya", password="maya-test-2026", is_staff=True)
    user.groups.add(Group.objects.get(name=CAMPAIGN_MANAGER))
    return user


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_campaign_form_adds_a_preset_row_in_one_click_and_saves_it(live_server, page, manager_user, campaign):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "maya")
    page.fill("#id_password", "maya-test-2026")
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/edit/")
    page.get_by_role("button", name="US Regulation F: 7 calls in 7 days").click()
    expect(page.locator("#id_rules-0-name")).to_have_value("US Regulation F: 7 calls in 7 days")
    expect(page.locator("#id_rules-0-scope")).to_have_value("number")
    page.fill("#id_avoid_repeat_hours", "2")
    page.get_by_role("button", name="Save campaign").click()
    expect(page.locator("#attempt-rules")).to_contain_text("US Regulation F: 7 calls in 7 days")
    expect(page.locator("#attempt-rules")).to_contain_text("Repeat band: 2h")
    [rule] = AttemptRule.objects.filter(campaign=campaign)
    assert (rule.max_attempts, rule.within_amount, rule.within_unit, rule.scope) == (7, 7, "d", "number")
    assert AttemptRuleChange.objects.filter(campaign=campaign, changed_by=manager_user).count() == 2
