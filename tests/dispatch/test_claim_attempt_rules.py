"""The claim re-check applies attempt rules (rule 9, per number across campaigns) and the repeat band
(rule 10), reading the batch's histories in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.dispatch import claim
from campaigns.models import Attempt, Contact, RedialRequest
from campaigns.services import attempt_rules as rule_services
from strategies.models import Outcome
from tests.factories import ALL_DAY, CampaignFactory, RedialRequestFactory

pytestmark = pytest.mark.django_db

FLORIDA = "Florida: 3 calls in 24 hours"


def make_campaign(**fields):
    return CampaignFactory(hours=ALL_DAY, **fields)


def make_requests(campaign, count):
    return RedialRequestFactory.create_bulk_with_contacts(count, campaign=campaign, due=True)


def call_number(campaign, phone, *ages):
    """Attempts to `phone` in `campaign`, started `ages` ago."""
    contact, _ = Contact.objects.get_or_create(campaign=campaign, phone=phone)
    no_answer = Outcome.objects.get(code="sip.customer_no_answer")
    base = Attempt.objects.filter(contact=contact).count()
    for n, age in enumerate(ages, start=base + 1):
        Attempt.objects.create(
            contact=contact, campaign=campaign, number=n, started_at=timezone.now() - age, outcome=no_answer
        )


def test_a_number_called_three_times_elsewhere_today_is_replanned_naming_the_rule():
    campaign = make_campaign(max_attempts=10)
    rule_services.add_preset(campaign, "florida_3_in_24h", by=None)
    other = make_campaign()
    blocked, free = make_requests(campaign, 2)
    phone = Contact.objects.get(pk=blocked.contact_id).phone
    call_number(other, phone, timedelta(hours=20), timedelta(hours=2), timedelta(hours=1))

    result = claim.claim_due()

    assert result.ready == [free.id] and result.replanned == 1
    blocked.refresh_from_db()
    assert blocked.status == RedialRequest.SCHEDULED
    assert f"{FLORIDA} reached" in blocked.explanation
    # Allowed again when the call of 20 hours ago is 24 hours old.
    expected = timezone.now() + timedelta(hours=4)
    assert abs((blocked.due_at - expected).total_seconds()) < 120


def test_the_campaigns_own_attempts_older_than_three_days_count_for_a_weekly_rule():
    campaign = make_campaign(max_attempts=10)
    rule_services.apply_rule_changes(
        campaign,
        [
            rule_services.RuleChange(
                None, {"name": "2 a week", "max_attempts": 2, "within_amount": 7, "within_unit": "d"}
            )
        ],
        by=None,
    )
    (request,) = make_requests(campaign, 1)
    phone = Contact.objects.get(pk=request.contact_id).phone
    call_number(campaign, phone, timedelta(days=5), timedelta(days=4))

    result = claim.claim_due()

    assert result.replanned == 1 and result.ready == []
    request.refresh_from_db()
    assert "2 a week reached" in request.explanation


def test_the_repeat_band_replans_a_call_at_the_same_time_of_day():
    campaign = make_campaign(max_attempts=10, avoid_repeat_hours=2)
    (request,) = make_requests(campaign, 1)
    phone = Contact.objects.get(pk=request.contact_id).phone
    call_number(campaign, phone, timedelta(days=1, minutes=-30))  # yesterday, 30 minutes later in the day

    result = claim.claim_due()

    assert result.replanned == 1
    request.refresh_from_db()
    assert "repeat band" in request.explanation


def _claim_queries(count: int) -> int:
    campaign = make_campaign(max_attempts=10)
    rule_services.add_preset(campaign, "florida_3_in_24h", by=None)
    rule_services.add_preset(campaign, "us_reg_f_7_in_7", by=None)
    other = make_campaign()
    requests = make_requests(campaign, count)
    for request in requests:
        phone = Contact.objects.get(pk=request.contact_id).phone
        call_number(other, phone, timedelta(hours=5))
    with CaptureQueriesContext(connection) as queries:
        result = claim.claim_due()
    assert len(result.ready) == count
    return len(queries.captured_queries)


def test_the_rule_histories_cost_the_same_queries_for_3_rows_as_for_30():
    few = _claim_queries(3)
    RedialRequest.objects.all().delete()
    many = _claim_queries(30)
    # PostgreSQL claims a batch in one statement; the SQLite claim makes one conditional UPDATE per row.
    # Everything else, the rule histories included, is per batch.
    per_row_claims = 0 if connection.vendor == "postgresql" else 30 - 3
    assert many - few == per_row_claims
