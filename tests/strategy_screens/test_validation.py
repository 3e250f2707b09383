"""Each validation rule of the strategy form, through the create and edit screens."""

import pytest
from django.urls import reverse

from strategies.models import LadderStep, Strategy, StrategyRule
from tests.factories import CampaignFactory, DialPlanFactory, StrategyFactory

from .helpers import outcome, strategy_data

pytestmark = pytest.mark.django_db

CREATE = reverse("strategies:create")


@pytest.fixture
def client_cm(client, campaign_manager):
    client.force_login(campaign_manager)
    return client


def post_create(client, data):
    response = client.post(CREATE, data)
    assert response.status_code == 200, "an invalid form is shown again, not saved"
    assert not Strategy.objects.exists()
    return response


def row_errors(response, prefix="rules"):
    formset = response.context[prefix]
    return [form.errors for form in formset.forms]


def test_rule_for_a_final_outcome_is_refused(client_cm):
    data = strategy_data(rules=[("ozonetel.customer_invalid_number", None, 1, "h")])
    response = post_create(client_cm, data)
    assert row_errors(response)[0]["outcome"] == [
        "Customer Invalid Number is final: numbers with it are never retried, so it cannot have a rule."
    ]
    assert "Customer Invalid Number is final" in response.content.decode()


def test_rule_for_a_connected_outcome_is_refused(client_cm):
    response = post_create(client_cm, strategy_data(rules=[("platform.call_complete", None, 1, "h")]))
    assert "call result decides" in row_errors(response)[0]["outcome"][0]


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("successful", "is final: the customer is handled and never called again"),
        ("redial", "redial delay"),
        ("instant_retry", "calls the customer again at once"),
    ],
)
def test_business_rule_for_a_result_not_handled_as_retry_is_refused(client_cm, code, words):
    data = strategy_data(kind="business", rules=[(None, code, 2, "h")])
    response = post_create(client_cm, data)
    message = row_errors(response)[0]["call_result"][0]
    assert words in message
    assert "Only call results handled as Retry take a rule." in message


def test_the_same_outcome_in_two_rows_is_refused(client_cm):
    rules = [("sip.customer_no_answer", None, 1, "h"), ("sip.customer_no_answer", None, 2, "h")]
    response = post_create(client_cm, strategy_data(rules=rules))
    errors = row_errors(response)
    assert not errors[0]
    assert errors[1]["outcome"] == ["Customer No Answer already has a rule (row 1): keep one of them."]


def test_the_same_call_result_in_two_rows_is_refused(client_cm):
    rules = [(None, "busy", 1, "h"), (None, "busy", 2, "h")]
    response = post_create(client_cm, strategy_data(kind="business", rules=rules))
    assert "Busy already has a rule" in row_errors(response)[1]["call_result"][0]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "Enter a delay of 0 or more."),
        ("", "Enter how long to wait before the retry, e.g. 2 (hours)."),
        ("1.5", "Enter a whole number."),
        ("abc", "Enter a whole number."),
    ],
)
def test_negative_empty_or_fractional_delay_is_refused(client_cm, amount, message):
    response = post_create(client_cm, strategy_data(rules=[("sip.customer_no_answer", None, amount, "h")]))
    assert row_errors(response)[0]["amount"] == [message]


def test_a_delay_of_more_than_ten_years_is_refused(client_cm):
    response = post_create(client_cm, strategy_data(rules=[("sip.customer_no_answer", None, 4000, "d")]))
    assert "more than 10 years" in row_errors(response)[0]["amount"][0]


def test_a_rule_without_outcome_is_refused(client_cm):
    response = post_create(client_cm, strategy_data(rules=[(None, None, 1, "h")]))
    assert row_errors(response)[0]["outcome"] == ["Choose the outcome this rule retries."]


def test_an_unknown_outcome_id_is_a_field_error_not_a_crash(client_cm):
    data = strategy_data(rules=[("sip.customer_no_answer", None, 1, "h")])
    data["rules-0-outcome"] = "999999"
    response = post_create(client_cm, data)
    assert "outcome" in row_errors(response)[0]


def test_ladder_with_steps_after_no_retry_is_refused(client_cm):
    data = strategy_data(
        kind="ladder", steps=[(10, "m"), ("", "h"), (1, "d")], ladder_outcomes=["sip.customer_no_answer"]
    )
    response = post_create(client_cm, data)
    errors = row_errors(response, "steps")
    assert not errors[0] and not errors[1]
    assert errors[2]["amount"] == ['Retry 3 comes after "No retry" at retry 2, so it would never be used.']


def test_ladder_needs_a_step_and_an_outcome(client_cm):
    response = post_create(client_cm, strategy_data(kind="ladder"))
    assert response.context["steps"].non_form_errors() == ['Add at least one step: "1st retry after …", or "No retry".']
    assert response.context["form"].errors["ladder_outcomes"] == ["Choose at least one outcome the ladder retries."]


def test_ladder_for_a_final_outcome_is_refused(client_cm):
    data = strategy_data(kind="ladder", steps=[(1, "h")], ladder_outcomes=["sip.customer_invalid_number"])
    response = post_create(client_cm, data)
    assert "is final" in response.context["form"].errors["ladder_outcomes"][0]


def test_name_must_be_unique_and_not_blank(client_cm):
    StrategyFactory(name="Taken")
    response = post_create_existing = client_cm.post(CREATE, strategy_data(name="Taken"))
    assert "name" in response.context["form"].errors
    response = client_cm.post(CREATE, strategy_data(name="   "))
    assert response.context["form"].errors["name"]
    assert post_create_existing.status_code == 200
    assert Strategy.objects.count() == 1


def test_valid_telephony_strategy_is_saved_with_its_rules(client_cm):
    rules = [("sip.customer_no_answer", None, 1, "h"), ("platform.customer_call_failed", None, 2, "h")]
    response = client_cm.post(CREATE, strategy_data(rules=rules))
    strategy = Strategy.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("strategies:detail", args=[strategy.pk])
    saved = sorted((r.outcome.code, r.amount, r.unit, r.call_result_id) for r in strategy.rules.all())
    assert saved == [("platform.customer_call_failed", 2, "h", None), ("sip.customer_no_answer", 1, "h", None)]


def test_the_hidden_picker_of_the_other_type_is_ignored(client_cm):
    # The screen hides the call-result column of a telephony strategy; a value left there is not the user's intent.
    client_cm.post(CREATE, strategy_data(rules=[("sip.customer_no_answer", "busy", 1, "h")]))
    rule = StrategyRule.objects.get()
    assert rule.outcome.code == "sip.customer_no_answer" and rule.call_result is None


def test_deleted_rows_are_neither_checked_nor_saved(client_cm):
    rules = [("sip.customer_no_answer", None, 1, "h"), ("sip.customer_invalid_number", None, 1, "h")]
    data = strategy_data(rules=rules)
    data["rules-1-DELETE"] = "on"
    assert client_cm.post(CREATE, data).status_code == 302
    assert [r.outcome.code for r in StrategyRule.objects.all()] == ["sip.customer_no_answer"]


def test_valid_ladder_is_saved_with_numbered_steps_and_outcomes(client_cm):
    data = strategy_data(
        kind="ladder",
        steps=[(10, "m"), (1, "h"), ("", "h")],
        ladder_outcomes=["sip.customer_no_answer", "platform.short_call"],
    )
    assert client_cm.post(CREATE, data).status_code == 302
    strategy = Strategy.objects.get()
    assert [(s.position, s.amount, s.unit) for s in strategy.ladder_steps.all()] == [
        (1, 10, "m"),
        (2, 1, "h"),
        (3, None, "h"),
    ]
    assert {o.code for o in strategy.ladder_outcomes.all()} == {"sip.customer_no_answer", "platform.short_call"}
    assert not strategy.rules.exists()


def test_edit_can_swap_the_outcomes_of_two_rules(client_cm):
    strategy = StrategyFactory(
        name="Telephony A", rules={"sip.customer_no_answer": (1, "h"), "sip.customer_busy": (2, "h")}
    )
    first, second = strategy.rules.order_by("id")
    data = strategy_data(
        name=strategy.name, rules=[("sip.customer_busy", None, 1, "h"), ("sip.customer_no_answer", None, 2, "h")]
    )
    data.update({"rules-INITIAL_FORMS": "2", "rules-0-id": str(first.pk), "rules-1-id": str(second.pk)})
    response = client_cm.post(reverse("strategies:edit", args=[strategy.pk]), data)
    assert response.status_code == 302
    assert sorted((r.outcome.code, r.amount) for r in strategy.rules.all()) == [
        ("sip.customer_busy", 1),
        ("sip.customer_no_answer", 2),
    ]


def test_changing_a_telephony_strategy_into_a_ladder_drops_its_rules(client_cm):
    strategy = StrategyFactory(name="Telephony A", rules={"sip.customer_no_answer": (1, "h")})
    data = strategy_data(name=strategy.name, kind="ladder", steps=[(1, "h")], ladder_outcomes=["sip.customer_busy"])
    assert client_cm.post(reverse("strategies:edit", args=[strategy.pk]), data).status_code == 302
    strategy.refresh_from_db()
    assert strategy.kind == "ladder" and not strategy.rules.exists()
    assert LadderStep.objects.filter(strategy=strategy).count() == 1


def test_a_business_strategy_used_by_a_dial_plan_keeps_its_type(client_cm):
    strategy = StrategyFactory(name="Biz", kind=Strategy.BUSINESS, rules={"busy": (1, "h")})
    CampaignFactory(
        name="Diwali offers", dial_plan=DialPlanFactory(name="Plan for Diwali offers", business_strategy=strategy)
    )
    data = strategy_data(name="Biz", kind="telephony", rules=[("sip.customer_no_answer", None, 1, "h")])
    response = client_cm.post(reverse("strategies:edit", args=[strategy.pk]), data)
    assert response.status_code == 200
    assert "must stay business" in response.context["form"].errors["kind"][0]
    strategy.refresh_from_db()
    assert strategy.kind == "business"
    assert outcome("sip.customer_no_answer").rules.count() == 0
