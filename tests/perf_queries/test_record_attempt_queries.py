"""Queries of record_attempt and schedule_retry once the process has the configuration cached.

The bounds are the counts measured after the cache went in (savepoints included, as Django counts them);
record_attempt with a retry took 22 before it. A change that adds a query to this path fails here.
"""

from datetime import timedelta

import pytest

from campaigns.models import Contact, RedialRequest
from campaigns.services import attempts as attempt_services
from campaigns.services import retries as retry_services
from strategies.models import Outcome

from .helpers import BUSY, NO_ANSWER, TUESDAY_TEN

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outcomes(db):
    """The outcomes the tests record, read before any query is counted."""
    OUTCOMES.update({code: Outcome.objects.get(code=code) for code in (NO_ANSWER, BUSY, ANSWERED)})
    yield
    OUTCOMES.clear()


OUTCOMES: dict[str, Outcome] = {}
ANSWERED = "sip.call_answered"

# Lock the contact (with campaign, dial plan and configuration token), read the history (which answers the
# call-id question), INSERT the attempt with its decision (ON CONFLICT DO NOTHING, no savepoint), cancel open
# requests, INSERT the request, mark the contact scheduled. record_attempt takes no savepoint of its own (the
# test's transaction stands in for the caller's). (12 before issue 15, 8 with its SAVEPOINT/RELEASE.)
RECORD_WITH_RETRY_QUERIES = 6
# The same with a cold cache: outcomes, call results, the strategy's rules, business hours, holidays and the
# attempt rules in force (required and the campaign's).
COLD_CACHE_EXTRA_QUERIES = 6


def record(campaign, contact, code=NO_ANSWER, call_id="", at=TUESDAY_TEN):
    return attempt_services.record_attempt(
        campaign=campaign,
        contact=contact,
        outcome=OUTCOMES.get(code) or Outcome.objects.get(code=code),
        started_at=at,
        provider="twilio" if call_id else "",
        provider_call_id=call_id,
    )


def test_record_attempt_with_a_retry_stays_within_its_queries(campaign, new_contact, django_assert_max_num_queries):
    record(campaign, new_contact(), call_id="CA-warm")  # fills this process's configuration cache
    contact = new_contact()
    no_answer = Outcome.objects.get(code=NO_ANSWER)
    with django_assert_max_num_queries(RECORD_WITH_RETRY_QUERIES):
        attempt, created = attempt_services.record_attempt(
            campaign=campaign,
            contact=contact,
            outcome=no_answer,
            started_at=TUESDAY_TEN,
            provider="twilio",
            provider_call_id="CA-measured",
        )
    assert created and attempt.next_attempt_at == TUESDAY_TEN + timedelta(hours=1)
    contact.refresh_from_db()
    assert contact.status == Contact.SCHEDULED


def test_a_second_attempt_of_the_same_contact_costs_the_same(campaign, new_contact, django_assert_max_num_queries):
    contact = new_contact()
    record(campaign, contact, call_id="CA-1")
    [first] = RedialRequest.objects.filter(contact=contact, status=RedialRequest.SCHEDULED)
    with django_assert_max_num_queries(RECORD_WITH_RETRY_QUERIES):
        attempt, _ = record(campaign, contact, code=BUSY, call_id="CA-2", at=TUESDAY_TEN + timedelta(hours=1))
    assert attempt.number == 2
    assert attempt.next_attempt_at == TUESDAY_TEN + timedelta(hours=1, minutes=30)
    first.refresh_from_db()
    assert first.status == RedialRequest.CANCELLED


def test_a_duplicate_call_id_costs_a_lock_and_a_look_up(campaign, new_contact, django_assert_num_queries):
    contact = new_contact()
    first, _ = record(campaign, contact, call_id="CA-dup")
    # Lock, look-up (no savepoint of its own).
    with django_assert_num_queries(2):
        again, created = record(campaign, contact, call_id="CA-dup")
    assert not created and again.pk == first.pk


def test_a_cold_cache_reads_the_configuration_once(campaign, new_contact, django_assert_max_num_queries):
    from campaigns.services import scheduling

    first, second = new_contact(), new_contact()
    scheduling._cache = (None, {})  # as in a fresh worker process
    with django_assert_max_num_queries(RECORD_WITH_RETRY_QUERIES + COLD_CACHE_EXTRA_QUERIES):
        record(campaign, first, call_id="CA-cold")
    with django_assert_max_num_queries(RECORD_WITH_RETRY_QUERIES):
        record(campaign, second, call_id="CA-warm")


def test_schedule_retry_after_wrap_up_locks_the_contact_once(campaign, new_contact, django_assert_max_num_queries):
    record(campaign, new_contact(), call_id="CA-warm")
    contact = new_contact()
    attempt, _ = record(campaign, contact, code=ANSWERED, call_id="CA-talk")
    contact.refresh_from_db()
    assert contact.status == Contact.WRAP_UP
    # SAVEPOINT, lock (with the token), history up to the attempt, decision, close the contact, cancel its
    # requests, RELEASE.
    with django_assert_max_num_queries(7):
        retry_services.schedule_retry(attempt, now=TUESDAY_TEN + timedelta(minutes=5))
    attempt.refresh_from_db()
    assert attempt.decision_reason == "no_rule"  # the campaign has no business strategy
