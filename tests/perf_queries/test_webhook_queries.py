"""Queries of a signed Twilio callback end to end through the test client, once the process has the
configuration cached. Before the cache and the single contact lock, a final callback took 33 queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Attempt, RedialRequest, WebhookEvent
from tests.factories import RedialRequestFactory
from tests.webhooks.helpers import TWILIO_TOKEN, call_sid, post_twilio, twilio_params

pytestmark = pytest.mark.django_db

# SAVEPOINT; the request with its contact locked, the contact's campaign and dial plan, the configuration
# token (the mappings are cached under it) and the do-not-call check; record_attempt (no savepoint of its
# own, no lock of its own): history (which answers the call id and one-attempt-per-dial questions), INSERT the
# attempt with its decision, close the dialed request, INSERT the next request, contact; INSERT the event
# with its result; RELEASE. In production the SAVEPOINT/RELEASE are the request's BEGIN/COMMIT. (20 before
# the dispatch/webhook work of issues 14-15, 13 before the event was written once with its result and
# record_attempt's savepoint went, 10 before the request's query took the contact's lock.)
FINAL_CALLBACK_QUERIES = 9
# SAVEPOINT; the request; the call id look-up; INSERT the event as a duplicate; RELEASE. (6 before.)
DUPLICATE_CALLBACK_QUERIES = 5
# One INSERT ... SELECT ... ON CONFLICT DO NOTHING that stores the event with its verdict, in autocommit
# (campaigns.telephony.progress). (8 before: INSERT, SAVEPOINT, the request, lock, the call id look-up,
# earlier events, finish the event, RELEASE.)
PROGRESS_CALLBACK_QUERIES = 1


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 100_000
    # Our own LocMem cache for the rate limit: no query, and no counts shared with other test runs.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "perfq"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def dialed(campaign, new_contact):
    """dialed(index): a contact in a call, with the redial request the dialer reported call_sid(index) for."""

    def _make(index: int) -> RedialRequest:
        return RedialRequestFactory(
            contact=new_contact(),
            due_at=timezone.now() - timedelta(minutes=5),
            status=RedialRequest.Status.DIALING,
            provider_call_id=call_sid(index),
        )

    return _make


@pytest.fixture
def warm(client, dialed):
    """One call already recorded: this process has the configuration cached, as a running worker has."""
    dialed(999)
    assert post_twilio(client, twilio_params(call_sid(999), "no-answer", duration=0)).status_code == 200


def test_final_callback_stays_within_its_queries(client, dialed, warm, django_assert_num_queries):
    request = dialed(1)
    params = twilio_params(call_sid(1), "no-answer", duration=0)
    with django_assert_num_queries(FINAL_CALLBACK_QUERIES):
        response = post_twilio(client, params)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == WebhookEvent.PROCESSED
    attempt = Attempt.objects.get(provider_call_id=call_sid(1))
    assert attempt.decision_reason == "retry"
    assert RedialRequest.objects.get(contact=request.contact, status=RedialRequest.SCHEDULED).due_at == (
        attempt.next_attempt_at
    )


def test_duplicate_callback_stays_within_its_queries(client, dialed, warm, django_assert_max_num_queries):
    dialed(1)
    params = twilio_params(call_sid(1), "no-answer", duration=0)
    assert post_twilio(client, params).status_code == 200
    with django_assert_max_num_queries(DUPLICATE_CALLBACK_QUERIES):
        response = post_twilio(client, params)
    assert response.status_code == 200
    assert response.json()["status"] == WebhookEvent.DUPLICATE
    assert Attempt.objects.filter(provider_call_id=call_sid(1)).count() == 1


def test_progress_callback_stays_within_its_queries(client, dialed, warm, django_assert_max_num_queries):
    dialed(1)
    assert post_twilio(client, twilio_params(call_sid(1), "initiated", sequence=0)).status_code == 200
    with django_assert_max_num_queries(PROGRESS_CALLBACK_QUERIES):
        response = post_twilio(client, twilio_params(call_sid(1), "ringing", sequence=1))
    assert response.json()["status"] == WebhookEvent.PROGRESS
    # An older event arriving late is still recognised as superseded, by the same single query.
    with django_assert_max_num_queries(PROGRESS_CALLBACK_QUERIES):
        response = post_twilio(client, twilio_params(call_sid(1), "initiated", sequence=0, at=timezone.now()))
    assert response.json()["status"] == WebhookEvent.DUPLICATE
    assert "later SequenceNumber" in WebhookEvent.objects.order_by("-id").first().error


def test_progress_after_the_final_status_is_one_statement(client, dialed, warm, django_assert_num_queries):
    dialed(1)
    assert post_twilio(client, twilio_params(call_sid(1), "no-answer", sequence=2, duration=0)).status_code == 200
    with django_assert_num_queries(PROGRESS_CALLBACK_QUERIES):
        response = post_twilio(client, twilio_params(call_sid(1), "ringing", sequence=1))
    assert response.json()["status"] == WebhookEvent.DUPLICATE
    assert response.json()["attempt"] == Attempt.objects.get(provider_call_id=call_sid(1)).pk


def test_progress_of_an_unknown_call_is_one_statement(client, warm, django_assert_num_queries):
    with django_assert_num_queries(PROGRESS_CALLBACK_QUERIES):
        response = post_twilio(client, twilio_params(call_sid(2), "ringing", sequence=1))
    assert response.status_code == 404 and response.json()["field"] == "CallSid"
    assert WebhookEvent.objects.get(call_id=call_sid(2)).status == WebhookEvent.REJECTED
