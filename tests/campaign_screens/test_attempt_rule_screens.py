"""Attempt rule screens: the campaign form's rule editor and repeat band, a campaign's rules page with
one-click presets, the organisation's required rules (Campaign Managers edit, everyone else sees them
locked), and the change log on each page."""

import pytest
from django.urls import reverse

from campaigns.models import AttemptRule, AttemptRuleChange, Campaign

from .test_campaign_form import form_data

pytestmark = pytest.mark.django_db

REG_F = "US Regulation F: 7 calls in 7 days"


@pytest.fixture
def campaign(db):
    return Campaign.objects.create(name="Collections", zone="America/New_York", max_attempts=10)


def rule_rows(prefix="rules", rows=(), initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{i}-{name}"] = value
    return data


def test_the_campaign_form_saves_rules_and_the_repeat_band_and_records_them(client, campaign_manager):
    client.force_login(campaign_manager)
    data = form_data(avoid_repeat_hours="2")
    data.update(
        rule_rows(
            rows=[
                {
                    "name": REG_F,
                    "max_attempts": "7",
                    "within_amount": "7",
                    "within_unit": "d",
                    "count": "all",
                    "scope": "number",
                },
                {
                    "name": "",
                    "max_attempts": "2",
                    "within_amount": "1",
                    "within_unit": "d",
                    "count": "connected",
                    "scope": "contact",
                },
            ]
        )
    )
    response = client.post(reverse("campaigns:create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Campaign.objects.get(name="Summer renewals")
    assert saved.avoid_repeat_hours == 2
    labels = [str(rule) for rule in saved.attempt_rules.order_by("id")]
    assert labels == [REG_F, "2 connected calls in 1d"]
    actions = list(AttemptRuleChange.objects.filter(campaign=saved).values_list("action", flat=True))
    assert sorted(actions) == ["added", "added", "changed"]  # two rules, the repeat band
    page = client.get(reverse("campaigns:detail", args=[saved.pk])).content.decode()
    assert REG_F in page and "Repeat band: 2h" in page


def test_a_bad_rule_on_the_campaign_form_saves_nothing_and_names_the_field(client, campaign_manager):
    client.force_login(campaign_manager)
    data = form_data(avoid_repeat_hours="12")
    data.update(
        rule_rows(
            rows=[
                {"max_attempts": "0", "within_amount": "7", "within_unit": "d", "count": "outcomes", "scope": "contact"}
            ]
        )
    )
    response = client.post(reverse("campaigns:create"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was saved" in body
    assert "Counting given outcomes needs at least one outcome." in body
    assert "Ensure this value is less than or equal to 11." in body
    assert not Campaign.objects.filter(name="Summer renewals").exists() and not AttemptRule.objects.exists()


def test_the_campaign_form_shows_preset_buttons_and_the_required_rules_locked(client, campaign_manager, campaign):
    AttemptRule.objects.create(campaign=None, name="Org: 4 a day", max_attempts=4, within_amount=24, within_unit="h")
    client.force_login(campaign_manager)
    body = client.get(reverse("campaigns:edit", args=[campaign.pk])).content.decode()
    assert 'data-add-preset="us_reg_f_7_in_7"' in body and 'data-add-preset="florida_3_in_24h"' in body
    assert "Org: 4 a day" in body and "bi-lock-fill" in body


def test_a_supervisor_adds_a_preset_in_one_click_and_sees_it_in_the_log(client, supervisor, campaign):
    client.force_login(supervisor)
    response = client.post(reverse("campaigns:rules_preset", args=[campaign.pk, "us_reg_f_7_in_7"]), follow=True)
    assert response.status_code == 200
    [rule] = campaign.attempt_rules.all()
    assert str(rule) == REG_F and rule.scope == "number" and rule.max_attempts == 7
    body = response.content.decode()
    assert "Added" in body and "super" in body and "7 in 7d, all, per number" in body


def test_a_supervisor_edits_and_removes_campaign_rules_on_the_rules_page(client, supervisor, campaign):
    rule = AttemptRule.objects.create(campaign=campaign, max_attempts=3, within_amount=1, within_unit="d")
    client.force_login(supervisor)
    data = {"avoid_repeat_hours": "0"}
    data.update(
        rule_rows(
            rows=[
                {
                    "id": str(rule.pk),
                    "max_attempts": "4",
                    "within_amount": "1",
                    "within_unit": "d",
                    "count": "all",
                    "scope": "contact",
                }
            ],
            initial=1,
        )
    )
    assert client.post(reverse("campaigns:rules", args=[campaign.pk]), data).status_code == 302
    rule.refresh_from_db()
    assert rule.max_attempts == 4
    data["rules-0-DELETE"] = "on"
    assert client.post(reverse("campaigns:rules", args=[campaign.pk]), data).status_code == 302
    assert not AttemptRule.objects.filter(pk=rule.pk).exists()
    change, removal = AttemptRuleChange.objects.filter(campaign=campaign).order_by("id")
    assert (change.before["max_attempts"], change.after["max_attempts"]) == (3, 4)
    assert removal.action == "removed" and removal.after is None


def test_a_sales_manager_sees_the_rules_locked_and_cannot_change_them(client, sales_manager, campaign):
    AttemptRule.objects.create(campaign=campaign, name="Mine", max_attempts=3, within_amount=1, within_unit="d")
    client.force_login(sales_manager)
    body = client.get(reverse("campaigns:rules", args=[campaign.pk])).content.decode()
    assert "Mine" in body and "rules-form" not in body
    assert client.post(reverse("campaigns:rules", args=[campaign.pk]), {}).status_code == 403
    assert client.post(reverse("campaigns:rules_preset", args=[campaign.pk, "us_reg_f_7_in_7"])).status_code == 403


def test_only_campaign_managers_edit_the_required_rules(client, supervisor, campaign_manager, campaign):
    client.force_login(supervisor)
    assert client.post(reverse("campaigns:required_rules_preset", args=["florida_3_in_24h"])).status_code == 403
    body = client.get(reverse("campaigns:required_rules")).content.decode()
    assert "rules-form" not in body
    client.force_login(campaign_manager)
    client.post(reverse("campaigns:required_rules_preset", args=["florida_3_in_24h"]))
    [rule] = AttemptRule.objects.filter(campaign__isnull=True)
    assert rule.name == "Florida: 3 calls in 24 hours"
    # Every persona sees it, locked, on each campaign's page.
    client.force_login(supervisor)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "Florida: 3 calls in 24 hours" in page and "bi-lock-fill" in page
    log = client.get(reverse("campaigns:required_rules")).content.decode()
    assert "cm" in log and "3 in 24h, all, per number" in log


def test_an_unknown_preset_is_a_message_not_an_error(client, campaign_manager, campaign):
    client.force_login(campaign_manager)
    response = client.post(reverse("campaigns:rules_preset", args=[campaign.pk, "nope"]), follow=True)
    assert response.status_code == 200
    assert "Unknown preset" in response.content.decode()
    assert not AttemptRule.objects.exists()


def test_a_window_longer_than_a_year_is_refused_naming_the_limit(client, supervisor, campaign):
    client.force_login(supervisor)
    data = {"avoid_repeat_hours": "0"}
    data.update(
        rule_rows(
            rows=[{"max_attempts": "3", "within_amount": "400", "within_unit": "d", "count": "all", "scope": "contact"}]
        )
    )
    response = client.post(reverse("campaigns:rules", args=[campaign.pk]), data)
    assert response.status_code == 400
    assert "The window can be at most 366 days." in response.content.decode()
    assert not AttemptRule.objects.exists() and not AttemptRuleChange.objects.exists()
