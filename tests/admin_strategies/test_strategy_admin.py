"""The Django admin for strategies: changelist, inlines, shared validation, preview, persona permissions."""

import pytest
from django.urls import reverse

from strategies.models import Strategy
from tests.factories import CampaignFactory, DialPlanFactory, StrategyFactory
from tests.strategy_screens.helpers import management, outcome, result

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:strategies_strategy_changelist")
ADD = reverse("admin:strategies_strategy_add")


def change_url(strategy):
    return reverse("admin:strategies_strategy_change", args=[strategy.pk])


def admin_data(name="Admin strategy", kind="telephony", rules=(), steps=(), ladder_outcomes=()):
    """rules: (outcome code | None, call result code | None, amount, unit); steps: (position, amount, unit)."""
    data = {"name": name, "description": "", "kind": kind, "_save": "Save"}
    data.update(management("rules", len(rules)))
    data.update(management("ladder_steps", len(steps)))
    for i, (outcome_code, result_code, amount, unit) in enumerate(rules):
        data[f"rules-{i}-outcome"] = str(outcome(outcome_code).pk) if outcome_code else ""
        data[f"rules-{i}-call_result"] = str(result(result_code).pk) if result_code else ""
        data[f"rules-{i}-amount"] = str(amount)
        data[f"rules-{i}-unit"] = unit
    for i, (position, amount, unit) in enumerate(steps):
        data[f"ladder_steps-{i}-position"] = str(position)
        data[f"ladder_steps-{i}-amount"] = "" if amount is None else str(amount)
        data[f"ladder_steps-{i}-unit"] = unit
    if ladder_outcomes:
        data["ladder_outcomes"] = [str(outcome(code).pk) for code in ladder_outcomes]
    return data


def test_changelist_shows_type_counts_and_campaigns_in_few_queries(
    client, campaign_manager, django_assert_max_num_queries
):
    for i in range(10):
        strategy = StrategyFactory(
            name=f"S{i:02d}", rules={"sip.customer_no_answer": (1, "h"), "sip.customer_busy": (1, "h")}
        )
        CampaignFactory(
            name=f"Campaign {i}", dial_plan=DialPlanFactory(name=f"Plan for Campaign {i}", telephony_strategy=strategy)
        )
    StrategyFactory(name="Ladder", kind=Strategy.LADDER, steps=[(1, "h"), (None, "h")])
    client.force_login(campaign_manager)
    with django_assert_max_num_queries(16):
        response = client.get(CHANGELIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Campaign 3" in html and "Telephony outcome" in html and "2 steps" in html
    assert '<td class="field-rule_count">2</td>' in html


def test_add_with_rule_inlines(client, campaign_manager):
    client.force_login(campaign_manager)
    data = admin_data(rules=[("sip.customer_no_answer", None, 1, "h"), ("sip.customer_busy", None, 30, "m")])
    response = client.post(ADD, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    strategy = Strategy.objects.get(name="Admin strategy")
    assert sorted((r.outcome.code, r.amount, r.unit) for r in strategy.rules.all()) == [
        ("sip.customer_busy", 30, "m"),
        ("sip.customer_no_answer", 1, "h"),
    ]


def test_add_a_ladder_with_ordered_steps(client, campaign_manager):
    client.force_login(campaign_manager)
    data = admin_data(
        kind="ladder", steps=[(2, 1, "h"), (1, 10, "m"), (3, None, "h")], ladder_outcomes=["sip.customer_no_answer"]
    )
    assert client.post(ADD, data).status_code == 302
    strategy = Strategy.objects.get()
    assert [(s.position, s.amount, s.unit) for s in strategy.ladder_steps.all()] == [
        (1, 10, "m"),
        (2, 1, "h"),
        (3, None, "h"),
    ]


def test_admin_refuses_a_rule_for_a_final_outcome_as_a_form_error(client, campaign_manager):
    client.force_login(campaign_manager)
    response = client.post(ADD, admin_data(rules=[("ozonetel.customer_invalid_number", None, 1, "h")]))
    assert response.status_code == 200
    assert not Strategy.objects.exists()
    assert (
        "Customer Invalid Number is final: numbers with it are never retried, so it cannot have a rule."
        in response.content.decode()
    )


def test_admin_shares_the_other_checks(client, campaign_manager):
    client.force_login(campaign_manager)
    html = client.post(ADD, admin_data(kind="business", rules=[(None, "successful", 1, "h")])).content.decode()
    assert "Only call results handled as Retry take a rule." in html
    html = client.post(
        ADD, admin_data(rules=[("sip.customer_busy", None, 1, "h"), ("sip.customer_busy", None, 2, "h")])
    ).content.decode()
    assert "Customer Busy already has a rule (row 1)" in html
    html = client.post(
        ADD, admin_data(kind="ladder", steps=[(1, None, "h"), (2, 1, "h")], ladder_outcomes=["sip.customer_busy"])
    ).content.decode()
    assert "comes after &quot;No retry&quot;" in html
    # The admin shows both pickers, so a value in the wrong one is an error, not silently dropped.
    html = client.post(ADD, admin_data(rules=[("sip.customer_busy", "busy", 1, "h")])).content.decode()
    assert "leave the call result empty" in html
    html = client.post(ADD, admin_data(kind="ladder", rules=[("sip.customer_busy", None, 1, "h")])).content.decode()
    assert "An attempt ladder has steps, not rules" in html
    assert not Strategy.objects.exists()


def test_change_page_shows_inlines_and_the_preview(client, campaign_manager):
    strategy = StrategyFactory(name="Telephony A", rules={"sip.customer_no_answer": (1, "h")})
    client.force_login(campaign_manager)
    html = client.get(change_url(strategy)).content.decode()
    assert 'id="rules-group"' in html and 'id="ladder_steps-group"' in html
    assert 'data-testid="admin-preview"' in html
    assert "Customer No Answer at 10:00 +1h = 11:00" in html


def test_change_updates_a_rule(client, campaign_manager):
    strategy = StrategyFactory(name="Telephony A", rules={"sip.customer_no_answer": (1, "h")})
    rule = strategy.rules.get()
    client.force_login(campaign_manager)
    data = admin_data(name=strategy.name, rules=[("sip.customer_no_answer", None, 45, "m")])
    data.update({"rules-INITIAL_FORMS": "1", "rules-0-id": str(rule.pk), "rules-0-strategy": str(strategy.pk)})
    assert client.post(change_url(strategy), data).status_code == 302
    assert [(r.amount, r.unit) for r in strategy.rules.all()] == [(45, "m")]


def test_sales_manager_sees_but_cannot_change(client, sales_manager):
    strategy = StrategyFactory(name="Telephony A", rules={"sip.customer_no_answer": (1, "h")})
    client.force_login(sales_manager)
    assert client.get(CHANGELIST).status_code == 200
    page = client.get(change_url(strategy))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in html
    assert "Customer No Answer" in html, "the rules inline is visible read-only"
    assert client.get(ADD).status_code == 403
    response = client.post(change_url(strategy), admin_data(name="Changed"))
    assert response.status_code == 403
    strategy.refresh_from_db()
    assert strategy.name == "Telephony A"


def test_admin_delete_of_a_used_strategy_is_refused(client, campaign_manager):
    strategy = StrategyFactory(name="Telephony A")
    CampaignFactory(
        name="Diwali offers", dial_plan=DialPlanFactory(name="Plan for Diwali offers", telephony_strategy=strategy)
    )
    client.force_login(campaign_manager)
    response = client.post(reverse("admin:strategies_strategy_delete", args=[strategy.pk]), {"post": "yes"})
    assert Strategy.objects.filter(pk=strategy.pk).exists()
    assert response.status_code in (200, 403)
