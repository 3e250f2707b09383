"""A Campaign Manager builds a telephony strategy in a real browser and watches the preview follow the rule."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from retryadmin.lib.personas import CAMPAIGN_MANAGER
from strategies.models import Outcome, Strategy

SCREENS = Path("/tmp/screens")


@pytest.fixture
def manager(db):
    user = User.objects.create_user(username="maya", password="maya-test-2026", first_name="Maya", is_staff=True)
    user.groups.add(Group.objects.get(name=CAMPAIGN_MANAGER))
    return user


def log_in(page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "maya")
    page.fill("#id_password", "maya-test-2026")
    page.get_by_role("button", name=re.compile("log in", re.I)).click()


@pytest.mark.browser
# Transactional tests flush the catalog and persona groups the migrations loaded: restore them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_preview_follows_the_rule_and_the_strategy_is_saved(live_server, page, manager):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/strategies/new/")
    page.fill("#id_name", "Browser-built retries")
    no_answer = Outcome.objects.get(code="sip.customer_no_answer")
    page.select_option("#id_rules-0-outcome", str(no_answer.pk))
    page.select_option("#id_sample-outcome_1", "sip.customer_no_answer")
    page.fill("#id_sample-start", "2026-11-23T10:00")
    page.fill("#id_rules-0-amount", "1")
    page.select_option("#id_rules-0-unit", "h")

    first_next = page.locator('[data-testid="next-at"]').first
    expect(first_next).to_have_text("Mon 23 Nov 2026 11:00 IST")
    page.fill("#id_rules-0-amount", "3")
    expect(first_next).to_have_text("Mon 23 Nov 2026 13:00 IST")
    expect(page.locator('[data-testid="timeline-step"]').first).to_contain_text("+3h = 13:00")
    assert page.url.endswith("/strategies/new/"), "the preview never reloads the page"

    # A second rule added client-side takes part in the preview and is saved with the first.
    page.get_by_role("button", name="Add rule").click()
    page.select_option("#id_rules-1-outcome", str(Outcome.objects.get(code="sip.customer_busy").pk))
    page.fill("#id_rules-1-amount", "30")
    page.select_option("#id_rules-1-unit", "m")
    page.select_option("#id_sample-outcome_2", "sip.customer_busy")
    expect(page.locator('[data-testid="timeline-step"]').nth(1)).to_contain_text("+30m")
    page.screenshot(path=str(SCREENS / "strategy-create-preview.png"), full_page=True)
    assert not Strategy.objects.exists(), "the preview saves nothing"

    page.get_by_role("button", name="Create strategy").click()
    expect(page.locator("h1")).to_have_text("Browser-built retries")
    strategy = Strategy.objects.get(name="Browser-built retries")
    assert sorted((r.outcome.code, r.amount, r.unit) for r in strategy.rules.all()) == [
        ("sip.customer_busy", 30, "m"),
        ("sip.customer_no_answer", 3, "h"),
    ]
    page.goto(f"{live_server.url}/strategies/")
    row = page.locator("tr", has_text="Browser-built retries")
    expect(row).to_contain_text("Telephony outcome")
    expect(row).to_contain_text("2 rules")
