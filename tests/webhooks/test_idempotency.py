"""Retried, duplicated and reordered deliveries: one attempt and one retry per call, whatever the order."""

import random
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from campaigns.models import Attempt, Contact, RedialRequest, WebhookEvent

from .helpers import call_sid, post_twilio, twilio_params

CALLS = 100
DELIVERIES = 1000
FINALS = [
    {"CallStatus": "no-answer"},
    {"CallStatus": "busy"},
    {"CallStatus": "failed", "SipResponseCode": "503"},
    {"CallStatus": "completed", "AnsweredBy": "machine_start"},
]


def deliveries(seed: int) -> list[dict]:
    """Every call's initiated/ringing/in-progress/final callbacks, then Twilio-style retries of random ones up
    to DELIVERIES, all shuffled."""
    rng = random.Random(seed)
    unique = []
    for index in range(CALLS):
        sid = call_sid(index)
        for sequence, status in enumerate(["initiated", "ringing", "in-progress"]):
            unique.append(twilio_params(sid, status, sequence=sequence))
        final = FINALS[index % len(FINALS)]
        unique.append(twilio_params(sid, final["CallStatus"], sequence=3, duration=index % 7, **final))
    everything = unique + [rng.choice(unique) for _ in range(DELIVERIES - len(unique))]
    rng.shuffle(everything)
    return everything


def assert_one_attempt_and_one_retry_per_call():
    assert Attempt.objects.count() == CALLS
    assert Attempt.objects.values("provider_call_id").distinct().count() == CALLS
    open_per_contact = Counter(
        RedialRequest.objects.filter(status__in=RedialRequest.OPEN_STATUSES).values_list("contact_id", flat=True)
    )
    assert len(open_per_contact) == CALLS and set(open_per_contact.values()) == {1}
    assert set(Contact.objects.values_list("status", flat=True)) == {Contact.SCHEDULED}
    assert WebhookEvent.objects.count() == DELIVERIES
    assert WebhookEvent.objects.filter(status=WebhookEvent.PROCESSED).count() == CALLS
    assert not WebhookEvent.objects.filter(status__in=[WebhookEvent.FAILED, WebhookEvent.REJECTED]).exists()


@pytest.mark.django_db
def test_a_thousand_duplicate_and_reordered_deliveries_of_a_hundred_calls_make_a_hundred_attempts(client, dialed):
    for index in range(CALLS):
        dialed(call_sid(index), index=index)
    for params in deliveries(seed=1):
        response = post_twilio(client, params)
        assert response.status_code == 200, response.json()
    assert_one_attempt_and_one_retry_per_call()
    # Progress that arrived after the final status, or behind a later sequence, was set aside.
    late = WebhookEvent.objects.filter(status=WebhookEvent.DUPLICATE, raw_status__in=["initiated", "ringing"])
    assert late.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_on_postgresql_make_a_hundred_attempts(dialed):
    for index in range(CALLS):
        dialed(call_sid(index), index=index)
    batches = [[] for _ in range(8)]
    for position, params in enumerate(deliveries(seed=2)):
        batches[position % len(batches)].append(params)
    failures = []

    def deliver(batch):
        client = Client(raise_request_exception=False)
        try:
            for params in batch:
                response = post_twilio(client, params)
                if response.status_code != 200:
                    failures.append(response.content)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert_one_attempt_and_one_retry_per_call()


def test_twenty_call_ids_naming_one_request_make_one_attempt(client, dialed, campaign):
    campaign.max_attempts = 10
    campaign.save()
    request = dialed("")
    for index in range(20):
        params = twilio_params(call_sid(100 + index), "no-answer", duration=0)
        assert post_twilio(client, params, query=f"request={request.pk}").status_code == 200
    assert Attempt.objects.filter(contact=request.contact).count() == 1
    events = WebhookEvent.objects.order_by("pk")
    assert events[0].status == WebhookEvent.PROCESSED
    unmatched = events.filter(status=WebhookEvent.UNMATCHED)
    assert unmatched.count() == 19 and all(e.attempt_id is None for e in unmatched)
    assert "already has its result" in unmatched.first().error
    # A repeat of the first call is still a duplicate, not unmatched.
    params = twilio_params(call_sid(100), "no-answer", duration=0)
    assert post_twilio(client, params, query=f"request={request.pk}").json()["status"] == WebhookEvent.DUPLICATE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_call_ids_naming_one_request_make_one_attempt_on_postgresql(dialed):
    request = dialed("")
    start = threading.Barrier(20)
    statuses = []

    def deliver(index):
        client = Client(raise_request_exception=False)
        try:
            start.wait()
            params = twilio_params(call_sid(200 + index), "no-answer", duration=0)
            statuses.append(post_twilio(client, params, query=f"request={request.pk}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 20
    assert Attempt.objects.filter(contact=request.contact).count() == 1
    assert WebhookEvent.objects.filter(status=WebhookEvent.UNMATCHED).count() == 19
