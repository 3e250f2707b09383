"""One set of limits (strategies.limits): what the campaign and strategy forms accept, the engine accepts."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.admin.campaigns import CampaignAdminForm
from campaigns.models import BusinessHourWindow
from campaigns.services.scheduling import calendar_for
from campaigns.web.forms import CampaignForm
from strategies import engine, limits
from strategies.durations import Delay
from strategies.forms import LadderStepForm, RuleForm
from strategies.models import Outcome, Strategy
from strategies.queueing import next_queue_slot

from .fuzzing import FORM_EXAMPLES

pytestmark = pytest.mark.django_db

BASE = {
    "name": "Limits",
    "zone": "Europe/London",
    "status": "active",
    "max_attempts": "5",
    "daily_attempts": "2",
    "dialing_mode": "agent_first",
    "dialer_backend": "log",
    "redial_delay_amount": "30",
    "redial_delay_unit": "m",
    "short_call_seconds": "20",
    "opening_delay_minutes": "0",
    "queue_spacing_seconds": "0",
    "acw_timeout_seconds": "120",
    "personal_redial_grace_minutes": "30",
}
NUMBER_FIELDS = [
    "max_attempts",
    "daily_attempts",
    "redial_delay_amount",
    "short_call_seconds",
    "opening_delay_minutes",
    "queue_spacing_seconds",
    "acw_timeout_seconds",
    "personal_redial_grace_minutes",
]
NOW = datetime(2026, 3, 10, 10, tzinfo=UTC)
CATALOG = engine.Catalog.load()
WEEK = [BusinessHourWindow(weekday=day, start_minute=9 * 60, end_minute=17 * 60) for day in range(7)]


@pytest.mark.parametrize("form_class", [CampaignForm, CampaignAdminForm])
@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"redial_delay_amount": "999999", "redial_delay_unit": "d"}, "redial_delay_amount", "redial delay"),
        ({"personal_redial_grace_minutes": "2147483647"}, "personal_redial_grace_minutes", "personal redial grace"),
        ({"opening_delay_minutes": "100000"}, "opening_delay_minutes", "opening delay"),
        ({"queue_spacing_seconds": "2000000000"}, "queue_spacing_seconds", "queue spacing"),
        ({"max_attempts": "30000", "daily_attempts": ""}, "max_attempts", "max attempts"),
    ],
)
def test_values_past_the_engine_limits_are_refused_naming_the_field(form_class, overrides, field, words):
    form = form_class(data={**BASE, **overrides})
    assert not form.is_valid()
    assert words in " ".join(form.errors[field]).lower()


def test_a_strategy_delay_past_ten_years_is_refused():
    form = LadderStepForm(data={"amount": "999999", "unit": "d"})
    assert not form.is_valid() and "10 years" in str(form.errors)


def _run_engine_on(campaign):
    """Every engine call the product makes with a campaign's settings; raises whatever the engine raises."""
    calendar = calendar_for(campaign, business_hours=WEEK, holidays=[])
    redial_code = next(code for code, info in CATALOG.call_results.items() if info.handling == "redial")
    history = [
        engine.AttemptRecord(NOW - timedelta(days=1), "sip.customer_no_answer"),
        engine.AttemptRecord(NOW, "platform.call_complete", redial_code, duration_seconds=5),
    ]
    engine.decide(calendar, history, CATALOG)
    engine.next_allowed_at(calendar, NOW, history)
    next_queue_slot(calendar, NOW, campaign.queue_spacing_seconds, history)
    NOW - timedelta(minutes=campaign.personal_redial_grace_minutes)
    NOW + timedelta(seconds=campaign.acw_timeout_seconds)


EXTREMES = st.one_of(
    st.integers(min_value=-5, max_value=2**63),
    st.sampled_from([0, 1, 1439, 1440, 86400, 86401, 999_999, 2**31 - 1, 2**31, 2**63 - 1, 10**30]),
    st.sampled_from(["", "1e999", "-0", "1.5", "\x00", "NaN", "9" * 400]),
)


@settings(max_examples=FORM_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({name: EXTREMES for name in NUMBER_FIELDS}), unit=st.sampled_from("smhd"))
def test_whatever_the_campaign_forms_accept_the_engine_accepts(values, unit):
    for form_class in (CampaignForm, CampaignAdminForm):
        form = form_class(data={**BASE, **{k: str(v) for k, v in values.items()}, "redial_delay_unit": unit})
        if form.is_valid():
            _run_engine_on(form.instance)


@settings(max_examples=FORM_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=EXTREMES, unit=st.sampled_from("smhd"))
def test_whatever_the_strategy_forms_accept_the_engine_accepts(amount, unit):
    outcome = Outcome.objects.get(code="sip.customer_no_answer")
    campaign = CampaignForm(data=BASE)
    assert campaign.is_valid()
    calendar = calendar_for(campaign.instance, business_hours=WEEK, holidays=[])
    history = [engine.AttemptRecord(NOW, outcome.code)]
    rule = RuleForm(data={"outcome": outcome.pk, "amount": str(amount), "unit": unit}, kind=Strategy.TELEPHONY)
    if rule.is_valid():
        delay = Delay(rule.cleaned_data["amount"], rule.cleaned_data["unit"])
        engine.decide(calendar, history, CATALOG, telephony=engine.StrategySpec("telephony", {outcome.code: delay}))
    step = LadderStepForm(data={"amount": str(amount), "unit": unit})
    if step.is_valid() and step.cleaned_data["amount"] is not None:
        delay = Delay(step.cleaned_data["amount"], step.cleaned_data["unit"])
        spec = engine.StrategySpec("ladder", ladder_keys={outcome.code}, ladder_steps=(delay,))
        engine.decide(calendar, history, CATALOG, telephony=spec)


def test_the_limits_are_within_what_datetime_arithmetic_holds():
    for minutes in (limits.MAX_PERSONAL_REDIAL_GRACE_MINUTES, limits.MAX_OPENING_DELAY_MINUTES):
        NOW - timedelta(minutes=minutes)
    NOW + timedelta(seconds=limits.MAX_DELAY_SECONDS)


def test_queueing_refuses_a_spacing_past_the_limit():
    calendar = calendar_for(CampaignForm(data=BASE).instance, business_hours=WEEK, holidays=[])
    next_queue_slot(calendar, NOW, limits.MAX_QUEUE_SPACING_SECONDS)
    with pytest.raises(ValueError, match="spacing_seconds"):
        next_queue_slot(calendar, NOW, limits.MAX_QUEUE_SPACING_SECONDS + 1)
