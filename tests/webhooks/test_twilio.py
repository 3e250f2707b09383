"""Twilio's signed status callback: signatures, mapping, progress, matching, duplicates and order."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from campaigns.models import Attempt, Contact, RedialRequest, WebhookEvent
from strategies.models import Outcome, ProviderMapping

from .helpers import RETRY_MINUTES, TWILIO_PATH, call_sid, post_twilio, twilio_params

pytestmark = pytest.mark.django_db

DOCS_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"


def docs_params(caller: str) -> dict:
    return {"CallSid": "CA1234567890ABCDE", "Caller": caller, "Digits": "1234", "From": caller, "To": "+18005551212"}


def nothing_recorded():
    return not WebhookEvent.objects.exists() and not Attempt.objects.exists()


def open_requests(contact):
    return list(RedialRequest.objects.filter(contact=contact, status__in=RedialRequest.OPEN_STATUSES))


# --- signatures --------------------------------------------------------------------------------------------


def test_twilio_published_signature_example_validates_with_the_library():
    # Twilio's docs example: the signature GvWf1cFY... belongs to Caller/From +14158675310; with
    # +12349013030 (an older edition of the same page) the library and the docs give 0/KCTR6DL...
    validator = RequestValidator("12345")
    assert validator.compute_signature(DOCS_URL, docs_params("+14158675310")) == "GvWf1cFY/Q7PnoempGyD5oXAezc="
    assert validator.validate(DOCS_URL, docs_params("+14158675310"), "GvWf1cFY/Q7PnoempGyD5oXAezc=")
    assert validator.compute_signature(DOCS_URL, docs_params("+12349013030")) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert not validator.validate(DOCS_URL, docs_params("+12349013030"), "GvWf1cFY/Q7PnoempGyD5oXAezc=")


def test_signature_is_checked_against_the_url_twilio_saw_behind_a_tls_proxy(client, dialed, settings):
    settings.TWILIO_AUTH_TOKEN = "12345"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.USE_X_FORWARDED_HOST = True
    settings.ALLOWED_HOSTS = ["testserver", "mycompany.com"]
    dialed("CA1234567890ABCDE")
    params = twilio_params("CA1234567890ABCDE", "ringing", sequence=1)
    url = "https://mycompany.com" + TWILIO_PATH + "?foo=1&bar=2"
    signature = RequestValidator("12345").compute_signature(url, params)
    proxied = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "mycompany.com"}
    response = post_twilio(client, params, query="foo=1&bar=2", signature=signature, **proxied)
    assert response.status_code == 200, response.json()
    # The same signature, seen over plain http (no proxy header), is for another URL.
    response = post_twilio(
        client, params, query="foo=1&bar=2", signature=signature, HTTP_X_FORWARDED_HOST="mycompany.com"
    )
    assert response.status_code == 403


def test_missing_signature_is_refused_and_nothing_recorded(client, dialed):
    dialed(call_sid(1))
    response = post_twilio(client, twilio_params(call_sid(1), "no-answer", duration=0), signature="")
    assert response.status_code == 403
    assert response.json() == {"error": "The X-Twilio-Signature header is missing.", "field": "X-Twilio-Signature"}
    assert nothing_recorded()


def test_forged_signature_is_refused_and_nothing_recorded(client, dialed):
    dialed(call_sid(1))
    params = twilio_params(call_sid(1), "no-answer", duration=0)
    response = post_twilio(client, params, token="not-the-token")
    assert response.status_code == 403
    assert response.json()["field"] == "X-Twilio-Signature"
    # A signature for other fields does not sign these.
    good = RequestValidator("test-twilio-auth-token").compute_signature(
        "http://testserver" + TWILIO_PATH, {**params, "CallStatus": "busy"}
    )
    assert post_twilio(client, params, signature=good).status_code == 403
    assert nothing_recorded()


def test_signature_for_another_request_id_is_refused(client, dialed):
    request = dialed("")
    params = twilio_params(call_sid(1), "no-answer", duration=0)
    signature = RequestValidator("test-twilio-auth-token").compute_signature(
        f"http://testserver{TWILIO_PATH}?request={request.pk}", params
    )
    assert post_twilio(client, params, query=f"request={request.pk + 1}", signature=signature).status_code == 403
    assert nothing_recorded()


def test_replayed_old_callback_is_refused_and_nothing_recorded(client, dialed):
    dialed(call_sid(1))
    params = twilio_params(call_sid(1), "no-answer", duration=0, at=timezone.now() - timedelta(hours=25))
    response = post_twilio(client, params)
    assert response.status_code == 409
    assert response.json()["field"] == "Timestamp"
    assert nothing_recorded()


def test_unconfigured_auth_token_refuses_everything(client, dialed, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    dialed(call_sid(1))
    response = post_twilio(client, twilio_params(call_sid(1), "no-answer", duration=0), token="")
    assert response.status_code == 403
    assert nothing_recorded()


# --- mapping and scheduling --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"CallStatus": "no-answer"}, "sip.customer_no_answer"),
        ({"CallStatus": "busy"}, "sip.customer_busy"),
        ({"CallStatus": "canceled"}, "platform.call_failed"),
        ({"CallStatus": "failed"}, "platform.customer_call_failed"),
        ({"CallStatus": "failed", "SipResponseCode": "503"}, "sip.service_unavailable"),
        ({"CallStatus": "failed", "SipResponseCode": "499"}, "platform.customer_call_failed"),
        ({"CallStatus": "completed", "AnsweredBy": "machine_start"}, "twilio.answering_machine"),
        ({"CallStatus": "completed", "AnsweredBy": "machine_end_beep"}, "twilio.answering_machine"),
        ({"CallStatus": "completed", "AnsweredBy": "fax"}, "twilio.fax_detected"),
    ],
)
def test_final_status_records_the_mapped_outcome_and_schedules_the_retry(client, dialed, fields, code):
    request = dialed(call_sid(7))
    ended = timezone.now().replace(microsecond=0) - timedelta(minutes=1)
    params = twilio_params(call_sid(7), fields["CallStatus"], sequence=3, duration=12, at=ended)
    params.update(fields)
    response = post_twilio(client, params)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "processed" and body["outcome"] == code
    attempt = Attempt.objects.get()
    assert (attempt.provider, attempt.provider_call_id, attempt.outcome.code) == ("twilio", call_sid(7), code)
    assert attempt.redial_request == request and attempt.number == 1
    assert attempt.ended_at == ended and attempt.started_at == ended - timedelta(seconds=12)
    assert attempt.duration_seconds == 12
    request.refresh_from_db()
    assert request.status == RedialRequest.DONE
    [retry] = open_requests(request.contact)
    assert retry.due_at == attempt.started_at + timedelta(minutes=RETRY_MINUTES[code])
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempt, event.outcome.code) == ("processed", attempt, code)
    assert event.headers["X-Twilio-Signature"] and event.headers["Request-Uri"] == TWILIO_PATH
    assert "CallSid=" in event.body and event.remote_addr == "127.0.0.1"


def test_completed_human_call_goes_to_wrap_up_without_a_retry(client, dialed):
    request = dialed(call_sid(2))
    response = post_twilio(client, twilio_params(call_sid(2), "completed", duration=95, AnsweredBy="human"))
    assert response.json()["outcome"] == "platform.call_complete"
    request.contact.refresh_from_db()
    assert request.contact.status == Contact.WRAP_UP
    assert open_requests(request.contact) == []


@pytest.mark.parametrize("status", ["queued", "initiated", "ringing", "in-progress"])
def test_progress_status_is_stored_and_changes_nothing_else(client, dialed, status):
    request = dialed(call_sid(3))
    response = post_twilio(client, twilio_params(call_sid(3), status, sequence=1))
    assert response.status_code == 200
    assert response.json()["status"] == "progress"
    assert not Attempt.objects.exists()
    request.refresh_from_db()
    assert request.status == RedialRequest.DIALING
    assert WebhookEvent.objects.get().status == WebhookEvent.PROGRESS


def test_call_is_matched_by_the_request_id_in_the_callback_url(client, dialed):
    request = dialed("")  # the dialer never reported a call id
    response = post_twilio(client, twilio_params(call_sid(4), "busy", duration=0), query=f"request={request.pk}")
    assert response.status_code == 200, response.json()
    assert Attempt.objects.get().redial_request == request


def test_unknown_call_is_404_and_stored_as_rejected(client, dialed):
    dialed(call_sid(1))
    response = post_twilio(client, twilio_params(call_sid(99), "busy", duration=0))
    assert response.status_code == 404
    assert response.json()["field"] == "CallSid" and call_sid(99) in response.json()["error"]
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.REJECTED and call_sid(99) in event.error
    assert not Attempt.objects.exists()


def test_unknown_request_id_is_404_naming_the_request(client, dialed):
    dialed(call_sid(1))
    response = post_twilio(client, twilio_params(call_sid(1), "busy", duration=0), query="request=987654")
    assert response.status_code == 404
    assert response.json()["field"] == "request"
    assert not Attempt.objects.exists()


# --- unmapped statuses and re-processing -------------------------------------------------------------------


def test_unknown_status_falls_back_is_listed_unmapped_and_remaps_after_a_mapping_is_added(client, dialed):
    from campaigns.telephony.services import reprocess_events

    request = dialed(call_sid(5))
    ended = timezone.now().replace(microsecond=0)
    response = post_twilio(client, twilio_params(call_sid(5), "voicemail-ish", duration=0, at=ended))
    assert response.status_code == 200
    assert response.json() == {
        "event": WebhookEvent.objects.get().pk,
        "status": "unmapped",
        "attempt": Attempt.objects.get().pk,
        "outcome": "platform.customer_call_failed",
    }
    unmapped = WebhookEvent.objects.filter(status=WebhookEvent.UNMAPPED)
    assert "voicemail-ish" in unmapped.get().error
    [retry] = open_requests(request.contact)
    assert retry.due_at == Attempt.objects.get().started_at + timedelta(minutes=120)

    # Nothing to re-map yet: the event stays listed.
    assert reprocess_events(unmapped) == 0
    ProviderMapping.objects.create(
        provider="twilio", raw="voicemail-ish", outcome=Outcome.objects.get(code="twilio.answering_machine")
    )
    assert reprocess_events(WebhookEvent.objects.filter(status=WebhookEvent.UNMAPPED)) == 1
    attempt = Attempt.objects.get()
    assert attempt.outcome.code == "twilio.answering_machine"
    [retry] = open_requests(request.contact)
    assert retry.due_at == attempt.started_at + timedelta(minutes=240)
    assert Attempt.objects.count() == 1
    assert RedialRequest.objects.filter(contact=request.contact, status=RedialRequest.CANCELLED).count() == 1
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.PROCESSED and event.outcome.code == "twilio.answering_machine"
    # Again: nothing left to do, nothing scheduled twice.
    assert reprocess_events(WebhookEvent.objects.all()) == 0
    assert len(open_requests(request.contact)) == 1


def test_remap_leaves_the_schedule_alone_when_the_contact_has_moved_on(client, dialed):
    from campaigns.telephony.services import reprocess_events

    request = dialed(call_sid(5))
    post_twilio(client, twilio_params(call_sid(5), "weird", duration=0))
    # The retry was dialed and answered meanwhile: the contact is in wrap-up with a later attempt.
    retry = RedialRequest.objects.get(contact=request.contact, status=RedialRequest.SCHEDULED)
    RedialRequest.objects.filter(pk=retry.pk).update(status=RedialRequest.DIALING, provider_call_id=call_sid(6))
    post_twilio(client, twilio_params(call_sid(6), "completed", duration=60))
    ProviderMapping.objects.create(
        provider="twilio", raw="weird", outcome=Outcome.objects.get(code="sip.customer_busy")
    )
    assert reprocess_events(WebhookEvent.objects.filter(status=WebhookEvent.UNMAPPED)) == 1
    first = Attempt.objects.get(provider_call_id=call_sid(5))
    assert first.outcome.code == "sip.customer_busy"
    request.contact.refresh_from_db()
    assert request.contact.status == Contact.WRAP_UP
    assert open_requests(request.contact) == []


def test_failed_event_is_processed_again_by_reprocess(client, dialed, monkeypatch):
    from campaigns.telephony import services

    dialed(call_sid(8))

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.attempt_services, "record_attempt", broken)
    response = post_twilio(client, twilio_params(call_sid(8), "busy", duration=0))
    assert response.status_code == 500
    assert "stored as #" in response.json()["error"]
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.FAILED and "database went away" in event.error
    assert not Attempt.objects.exists()
    monkeypatch.undo()
    assert services.reprocess_events(WebhookEvent.objects.filter(status=WebhookEvent.FAILED)) == 1
    assert Attempt.objects.get().outcome.code == "sip.customer_busy"


# --- duplicates and order ----------------------------------------------------------------------------------


def test_retried_final_callback_is_a_duplicate_and_creates_nothing(client, dialed):
    request = dialed(call_sid(9))
    params = twilio_params(call_sid(9), "no-answer", sequence=3, duration=0)
    first = post_twilio(client, params)
    again = post_twilio(client, params)
    assert first.json()["status"] == "processed"
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["attempt"] == first.json()["attempt"]
    assert Attempt.objects.count() == 1
    assert len(open_requests(request.contact)) == 1
    assert RedialRequest.objects.filter(contact=request.contact).count() == 2


def test_older_sequence_after_a_newer_one_is_a_duplicate(client, dialed):
    dialed(call_sid(10))
    assert post_twilio(client, twilio_params(call_sid(10), "in-progress", sequence=2)).json()["status"] == "progress"
    assert post_twilio(client, twilio_params(call_sid(10), "ringing", sequence=1)).json()["status"] == "duplicate"
    assert post_twilio(client, twilio_params(call_sid(10), "no-answer", sequence=3, duration=0)).json()["status"] == (
        "processed"
    )
    # Progress arriving after the final status changes nothing.
    assert post_twilio(client, twilio_params(call_sid(10), "initiated", sequence=0)).json()["status"] == "duplicate"
    assert Attempt.objects.count() == 1
    statuses = sorted(WebhookEvent.objects.values_list("status", flat=True))
    assert statuses == ["duplicate", "duplicate", "processed", "progress"]


def test_twilio_url_name():
    assert reverse("webhooks:twilio-status") == TWILIO_PATH
