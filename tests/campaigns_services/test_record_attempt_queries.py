"""record_attempt's statements, pinned: a no-answer that schedules its retry.

Before (813e4ed): 13 statements in a caller's transaction (its SAVEPOINT/RELEASE included): contact lock,
call-id look-up, history, SAVEPOINT, INSERT, RELEASE, request done, decision UPDATE, cancel UPDATE, request
INSERT, contact UPDATE. Then 8: SAVEPOINT, contact lock, history (which also answers the call-id and one-per-dial
questions), one INSERT ... ON CONFLICT DO NOTHING carrying the decision, request done, request INSERT, contact
UPDATE, RELEASE. Now 6: the same without the savepoint (record_attempt takes none in a caller's transaction)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import BusinessHourWindow, Campaign, Contact, DialPlan, RedialRequest
from campaigns.services import attempts
from strategies.models import Outcome, Strategy, StrategyRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def dialing_contact():
    strategy = Strategy.objects.create(name="q telephony", kind=Strategy.TELEPHONY)
    outcome = Outcome.objects.get(code="sip.customer_no_answer")
    StrategyRule.objects.create(strategy=strategy, outcome=outcome, amount=1, unit="h")
    plan = DialPlan.objects.create(name="q plan", telephony_strategy=strategy)
    campaign = Campaign.objects.create(name="Queries", zone="UTC", max_attempts=10, dial_plan=plan)
    BusinessHourWindow.objects.bulk_create(
        BusinessHourWindow(campaign=campaign, weekday=d, start_minute=0, end_minute=1440) for d in range(7)
    )
    contact = Contact.objects.create(campaign=campaign, phone="+442079460123", zone="UTC", status=Contact.IN_CALL)
    request = RedialRequest.objects.create(
        contact=contact, campaign=campaign, due_at=timezone.now(), status=RedialRequest.DIALING
    )
    return campaign, contact, request, outcome


def _record(campaign, contact, request, outcome, call_id):
    return attempts.record_attempt(
        campaign=campaign,
        contact=contact,
        outcome=outcome,
        started_at=timezone.now() - timedelta(seconds=30),
        duration_seconds=0,
        provider="twilio",
        provider_call_id=call_id,
        redial_request=request,
        one_per_request=True,
    )


def test_a_no_answer_is_recorded_and_scheduled_in_a_handful_of_statements(dialing_contact):
    campaign, contact, request, outcome = dialing_contact
    _record(campaign, contact, request, outcome, "warm-up")  # fills the per-process configuration cache
    second = RedialRequest.objects.get(contact=contact, status=RedialRequest.SCHEDULED)
    RedialRequest.objects.filter(pk=second.pk).update(status=RedialRequest.DIALING)
    with CaptureQueriesContext(connection) as queries:
        attempt, created = _record(campaign, contact, second, outcome, "CA-second")
    assert created and attempt.next_attempt_at is not None
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert len(statements) <= 6, "\n".join(q["sql"][:160] for q in queries.captured_queries)


def test_a_second_result_for_one_dial_is_refused_and_the_callers_transaction_goes_on(dialing_contact):
    from django.db import transaction

    campaign, contact, request, outcome = dialing_contact
    with transaction.atomic():
        first, created = _record(campaign, contact, request, outcome, "CA-first")
        with pytest.raises(attempts.DialAlreadyAnswered) as refused:
            _record(campaign, contact, request, outcome, "CA-second")
        assert refused.value.attempt_id == first.pk
        # No savepoint was taken, and none was needed: the refusal wrote nothing and left the transaction usable.
        assert Contact.objects.get(pk=contact.pk).status == Contact.SCHEDULED
    assert created and list(contact.attempts.values_list("provider_call_id", flat=True)) == ["CA-first"]
