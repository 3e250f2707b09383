"""The preview endpoint and the timeline service: valid, half-filled and garbage input, never a 500."""

from datetime import datetime

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies import services
from strategies.durations import Delay
from strategies.engine import StrategySpec
from strategies.models import Strategy
from tests.factories import StrategyFactory

from .helpers import SAMPLE, strategy_data

pytestmark = pytest.mark.django_db
PREVIEW = reverse("strategies:preview")


@pytest.fixture
def client_cm(client, campaign_manager):
    client.force_login(campaign_manager)
    return client


def sample(**changes):
    values = dict(
        zone="Asia/Kolkata",
        weekdays=(0, 1, 2, 3, 4),
        opens_minute=540,
        closes_minute=1020,
        max_attempts=5,
        daily_attempts=2,
        start=datetime(2026, 11, 23, 10, 0),
        outcomes=("sip.customer_no_answer", "platform.customer_call_failed", "sip.customer_no_answer"),
        results=("busy",),
    )
    values.update(changes)
    return services.PreviewSample(**values)


def test_timeline_follows_the_first_seed_example():
    spec = StrategySpec(
        "telephony", {"sip.customer_no_answer": Delay(1, "h"), "platform.customer_call_failed": Delay(2, "h")}
    )
    timeline = services.preview_timeline(spec, sample(), services.catalog_from_db())
    steps = timeline.steps
    assert [s.next_at.strftime("%a %H:%M") for s in steps] == ["Mon 11:00", "Tue 09:00", "Tue 10:00"]
    assert steps[1].at.strftime("%H:%M") == "11:00", "each attempt happens at the previous decision"
    assert "daily limit of 2 attempts reached" in steps[1].decision.explanation
    assert timeline.note  # the sample ran out while retries continued


def test_timeline_stops_at_the_first_decision_without_retry():
    spec = StrategySpec("telephony", {"sip.customer_no_answer": Delay(1, "h")})
    timeline = services.preview_timeline(spec, sample(), services.catalog_from_db())
    assert len(timeline.steps) == 2
    assert timeline.steps[-1].decision.reason == "no_rule"
    assert timeline.steps[-1].reason_label == "No rule"


def test_business_timeline_uses_connected_calls_with_call_results():
    spec = StrategySpec("business", {"busy": Delay(30, "m")})
    timeline = services.preview_timeline(spec, sample(results=("busy", "successful")), services.catalog_from_db())
    assert timeline.steps[0].what == "Call Complete, call result Busy"
    assert timeline.steps[0].next_at.strftime("%H:%M") == "10:30"
    assert timeline.steps[1].decision.reason == "final_outcome"


def test_preview_of_a_valid_draft_shows_the_engine_times(client_cm):
    data = strategy_data(rules=[("sip.customer_no_answer", None, 3, "h")])
    data["sample-outcome_1"] = "sip.customer_no_answer"
    response = client_cm.post(PREVIEW, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mon 23 Nov 2026 13:00 IST" in html
    assert "Customer No Answer at 10:00 +3h = 13:00" in html
    assert "Not complete yet" not in html


def test_preview_changes_with_the_rule_value(client_cm):
    def first_next(amount):
        data = strategy_data(rules=[("sip.customer_no_answer", None, amount, "m")])
        data["sample-outcome_1"] = "sip.customer_no_answer"
        return client_cm.post(PREVIEW, data).context["timeline"].steps[0].next_text

    assert first_next(30) == "Mon 23 Nov 2026 10:30 IST"
    assert first_next(45) == "Mon 23 Nov 2026 10:45 IST"


def test_preview_of_a_half_filled_form_lists_what_is_missing(client_cm):
    data = strategy_data(
        name="", rules=[("sip.customer_no_answer", None, "", "h"), ("sip.customer_busy", None, 2, "h")]
    )
    response = client_cm.post(PREVIEW, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rule 1: Retry after: Enter how long to wait before the retry" in html
    assert 'data-testid="timeline-step"' in html, "the valid rows still give a timeline"


def test_preview_with_a_final_outcome_rule_names_the_problem(client_cm):
    response = client_cm.post(PREVIEW, strategy_data(rules=[("sip.customer_invalid_number", None, 1, "h")]))
    assert "Customer Invalid Number is final" in response.content.decode()


def test_preview_without_a_type_asks_for_one(client_cm):
    response = client_cm.post(PREVIEW, {**SAMPLE, "kind": ""})
    assert response.status_code == 200
    assert "Choose the strategy&#x27;s type." in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("sample-zone", "Mars/Olympus", "Sample zone"),
        ("sample-start", "tomorrow-ish", "Sample first attempt (local)"),
        ("sample-closes", "08:00", "Closing time must be after opening time."),
        ("sample-max_attempts", "0", "Sample max attempts"),
    ],
)
def test_preview_with_a_bad_sample_names_the_field(client_cm, field, value, words):
    data = strategy_data(rules=[("sip.customer_no_answer", None, 1, "h")])
    data[field] = value
    response = client_cm.post(PREVIEW, data)
    assert response.status_code == 200
    assert words in response.content.decode()


def test_preview_at_the_end_of_time_is_a_message(client_cm):
    data = strategy_data(rules=[("sip.customer_no_answer", None, 9, "d")])
    data["sample-outcome_1"] = "sip.customer_no_answer"
    data["sample-start"] = "9999-12-30T10:00"
    response = client_cm.post(PREVIEW, data)
    assert response.status_code == 200
    assert "The sample cannot be scheduled" in response.content.decode()


def test_preview_of_garbage_is_200_with_messages(client_cm):
    garbage = {"kind": "teleport", "rules-TOTAL_FORMS": "lots", "steps-TOTAL_FORMS": "-4", "sample-weekdays": "9"}
    response = client_cm.post(PREVIEW, garbage)
    assert response.status_code == 200
    assert "Not complete yet" in response.content.decode()
    assert client_cm.post(PREVIEW, {}).status_code == 200


def test_preview_of_a_saved_strategy(client, sales_manager):
    strategy = StrategyFactory(name="Telephony A", rules={"sip.customer_no_answer": (2, "h")})
    client.force_login(sales_manager)
    response = client.post(
        PREVIEW, {**SAMPLE, "preview_saved": str(strategy.pk), "sample-outcome_1": "sip.customer_no_answer"}
    )
    assert response.context["timeline"].steps[0].next_text == "Mon 23 Nov 2026 12:00 IST"


def test_preview_saves_nothing_and_needs_post_and_permission(client, client_cm, agent):
    client_cm.post(PREVIEW, strategy_data(rules=[("sip.customer_no_answer", None, 1, "h")]))
    assert not Strategy.objects.exists()
    assert client_cm.get(PREVIEW).status_code == 405
    client.force_login(agent)
    assert client.post(PREVIEW, {}).status_code == 403


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "kind",
                "rules-TOTAL_FORMS",
                "rules-INITIAL_FORMS",
                "rules-0-outcome",
                "rules-0-amount",
                "rules-0-unit",
                "rules-0-id",
                "steps-TOTAL_FORMS",
                "steps-0-amount",
                "ladder_outcomes",
                "sample-zone",
                "sample-start",
                "sample-opens",
                "sample-max_attempts",
                "sample-daily_attempts",
                "sample-outcome_1",
                "sample-result_1",
                "preview_saved",
                "preview_strategy",
            ]
        ),
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(["1", "0", "-1", "telephony", "ladder", "business", "h", "99999999999999999999"]),
        ),
    )
)
def test_preview_never_fails_on_any_input(client_cm, data):
    # A NUL byte or a lone surrogate is refused for every form by the middleware (400 naming the field);
    # anything else is a preview, with its errors in the pane.
    unstorable = any("\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value) for value in data.values())
    assert client_cm.post(PREVIEW, data).status_code == (400 if unstorable else 200)
