"""The seed's "Automated Call Scheduling Retry Attempts" on a real campaign: missed, short and
out-of-hours calls follow the ladder (first retry X after the last call, each next after its own
interval) and "No retry" ends it."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from campaigns.models import Contact, RedialRequest
from campaigns.services import attempts as attempt_services
from campaigns.services import contacts as contact_services
from campaigns.services import queue as queue_services
from strategies.models import Outcome, Strategy
from tests.factories import CampaignFactory, DialPlanFactory, StrategyFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def ladder_campaign():
    ladder = StrategyFactory(
        name="Seed ladder",
        kind=Strategy.Kind.LADDER,
        ladder_outcomes=["sip.customer_no_answer", "platform.short_call"],
        steps=[(10, "m"), (1, "h"), (1, "d"), (None, "h")],
    )
    return CampaignFactory(
        name="Ladder leads",
        zone="Europe/London",
        max_attempts=10,
        short_call_seconds=30,
        opening_delay_minutes=10,
        queue_spacing_seconds=30,
        dial_plan=DialPlanFactory(name="Ladder plan", telephony_strategy=ladder),
        hours=[(9 * 60, 17 * 60)],
        hours__weekdays=range(5),
    )


def local(*args):
    return datetime(*args, tzinfo=LONDON)


def call(campaign, contact, at, outcome, duration=0):
    attempt, created = attempt_services.record_attempt(
        campaign=campaign,
        contact=contact,
        outcome=Outcome.objects.get(code=outcome),
        started_at=at,
        duration_seconds=duration,
        now=at,
    )
    assert created
    attempt.refresh_from_db()
    return attempt


def test_out_of_hours_lead_then_missed_short_and_missed_calls_climb_the_ladder(ladder_campaign):
    contact = contact_services.create_contact(campaign=ladder_campaign, phone="+442079460001", name="Ada")
    lead = queue_services.queue_lead(campaign=ladder_campaign, contact=contact, now=local(2026, 11, 23, 21, 0))
    assert lead.due_at == local(2026, 11, 24, 9, 10)  # out of hours: the opening plus the delay

    first = call(ladder_campaign, contact, local(2026, 11, 24, 9, 10), "sip.customer_no_answer")
    assert first.next_attempt_at == local(2026, 11, 24, 9, 20)  # retry 1: 10 minutes after the last call
    assert "retry 1" in first.decision_explanation

    # Connected for 12 s only: below the 30 s threshold, so a short call, and the ladder goes on.
    second = call(ladder_campaign, contact, local(2026, 11, 24, 9, 20), "platform.call_complete", duration=12)
    assert second.next_attempt_at == local(2026, 11, 24, 10, 20)  # retry 2: one hour

    third = call(ladder_campaign, contact, local(2026, 11, 24, 16, 45), "sip.customer_no_answer")
    assert third.next_attempt_at == local(2026, 11, 25, 16, 45)  # retry 3: the same time the next day

    fourth = call(ladder_campaign, contact, local(2026, 11, 25, 16, 45), "sip.customer_no_answer")
    assert fourth.next_attempt_at is None and fourth.decision_reason == "no_rule"
    assert "No retry" in fourth.decision_explanation
    contact.refresh_from_db()
    assert contact.status == Contact.EXHAUSTED
    assert not RedialRequest.objects.filter(contact=contact, status__in=RedialRequest.OPEN_STATUSES).exists()


def test_a_missed_call_late_in_the_day_waits_for_the_next_opening(ladder_campaign):
    contact = contact_services.create_contact(campaign=ladder_campaign, phone="+442079460002")
    attempt = call(ladder_campaign, contact, local(2026, 11, 27, 16, 55), "sip.customer_no_answer")  # a Friday
    # 17:05 is after hours and the weekend is closed: Monday 09:00, plus the opening delay.
    assert attempt.next_attempt_at.astimezone(UTC) == local(2026, 11, 30, 9, 10).astimezone(UTC)


def test_an_outcome_outside_the_ladder_is_not_retried(ladder_campaign):
    contact = contact_services.create_contact(campaign=ladder_campaign, phone="+442079460003")
    attempt = call(ladder_campaign, contact, local(2026, 11, 24, 10, 0), "sip.customer_busy")
    assert attempt.next_attempt_at is None and attempt.decision_reason == "no_rule"
