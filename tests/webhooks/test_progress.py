"""Progress callbacks, stored with their verdict in one statement (campaigns.telephony.progress)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from campaigns.models import Attempt, WebhookEvent
from campaigns.telephony import services, storage

from .helpers import TWILIO_PATH, call_sid, post_twilio, twilio_params


def test_progress_event_is_stored_raw_with_every_column(client, dialed):
    dialed(call_sid(1))
    params = twilio_params(call_sid(1), "ringing", sequence=1)
    response = post_twilio(client, params, HTTP_USER_AGENT="TwilioProxy/1.1")
    assert response.status_code == 200 and response.json()["status"] == WebhookEvent.PROGRESS
    event = WebhookEvent.objects.get(pk=response.json()["event"])
    assert (event.provider, event.call_id, event.sequence_number, event.raw_status) == (
        "twilio",
        call_sid(1),
        1,
        "ringing",
    )
    assert f"CallSid={call_sid(1)}" in event.body and event.content_type == "application/x-www-form-urlencoded"
    assert event.headers["User-Agent"] == "TwilioProxy/1.1" and event.headers["Request-Uri"] == TWILIO_PATH
    assert event.remote_addr == "127.0.0.1"
    assert event.received_at is not None and event.processed_at is not None and event.error == ""


def test_progress_naming_an_unknown_request_is_404_naming_the_request_and_stored_rejected(client, dialed):
    dialed(call_sid(1))
    response = post_twilio(client, twilio_params(call_sid(1), "ringing", sequence=1), query="request=987654")
    assert response.status_code == 404
    assert response.json()["field"] == "request" and "987654" in response.json()["error"]
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.REJECTED and "987654" in event.error


def test_progress_naming_its_request_is_progress_even_before_the_dialer_reported_the_call(client, dialed):
    request = dialed("")
    response = post_twilio(client, twilio_params(call_sid(2), "ringing", sequence=1), query=f"request={request.pk}")
    assert response.status_code == 200 and response.json()["status"] == WebhookEvent.PROGRESS


def test_repeated_progress_without_a_sequence_number_is_a_duplicate_by_its_body(client, dialed):
    dialed(call_sid(3))
    params = twilio_params(call_sid(3), "ringing")
    assert post_twilio(client, params).json()["status"] == WebhookEvent.PROGRESS
    again = post_twilio(client, params).json()
    assert again["status"] == WebhookEvent.DUPLICATE
    assert WebhookEvent.objects.get(pk=again["event"]).error == "The same callback was already received."


def test_a_stored_progress_event_is_judged_again_by_process_event_as_on_arrival(client, dialed):
    dialed(call_sid(4))
    assert post_twilio(client, twilio_params(call_sid(4), "ringing", sequence=1)).status_code == 200
    stored = WebhookEvent.objects.get()
    # A copy stored but never processed (as the slow path leaves one when processing fails).
    copy = WebhookEvent.objects.create(
        provider=stored.provider,
        call_id=stored.call_id,
        sequence_number=stored.sequence_number,
        raw_status=stored.raw_status,
        headers=stored.headers,
        body=stored.body,
        content_type=stored.content_type,
    )
    result = services.process_event(copy)
    assert result.http_status == 200 and result.event.status == WebhookEvent.DUPLICATE
    # The original judged again leaves itself out: still progress.
    WebhookEvent.objects.filter(pk=stored.pk).update(status=WebhookEvent.RECEIVED)
    stored.refresh_from_db()
    assert services.process_event(stored).event.status == WebhookEvent.PROGRESS


def test_reprocessing_a_progress_event_of_an_unknown_call_rejects_it_with_404(dialed):
    event = storage.store_event(
        storage.Delivery("twilio", b"CallSid=CAunknown&CallStatus=ringing&SequenceNumber=1", "x", {}, None),
    )
    result = services.process_event(event)
    assert result.http_status == 404 and result.field == "CallSid"
    assert WebhookEvent.objects.get(pk=event.pk).status == WebhookEvent.REJECTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_copies_of_one_progress_callback_arriving_together_count_once_on_postgresql(dialed):
    dialed(call_sid(5))
    params = twilio_params(call_sid(5), "ringing", sequence=1)
    start = threading.Barrier(12)
    statuses = []

    def deliver():
        client = Client(raise_request_exception=False)
        try:
            start.wait()
            response = post_twilio(client, params)
            statuses.append((response.status_code, response.json()["status"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [(200, WebhookEvent.DUPLICATE)] * 11 + [(200, WebhookEvent.PROGRESS)]
    assert WebhookEvent.objects.count() == 12
    assert WebhookEvent.objects.filter(status=WebhookEvent.PROGRESS).count() == 1
    assert not Attempt.objects.exists()
