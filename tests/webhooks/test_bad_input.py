"""Bad input gets a JSON 4xx naming the problem; nothing half-written is kept."""

import json

import pytest

from campaigns.models import Attempt, WebhookEvent
from retryadmin.lib.jsonapi import MAX_BODY_BYTES

from .helpers import (
    OZONETEL_PATH,
    SIP_PATH,
    TWILIO_PATH,
    call_sid,
    post_ozonetel,
    post_sip,
    post_twilio,
    twilio_params,
)

pytestmark = pytest.mark.django_db

SIP_OK = {"call_id": "fs-1", "sip_code": 486, "answered": False, "duration": 0}


def error_of(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) >= {"error", "field"} and body["error"]
    return body


@pytest.mark.parametrize("path", [TWILIO_PATH, OZONETEL_PATH, SIP_PATH])
def test_get_is_405_json(client, path):
    body = error_of(client.get(path), 405)
    assert body["field"] == "method"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [(TWILIO_PATH, "application/json"), (OZONETEL_PATH, "text/plain"), (SIP_PATH, "application/x-www-form-urlencoded")],
)
def test_wrong_content_type_is_415(client, path, content_type):
    body = error_of(client.post(path, "a=b", content_type=content_type), 415)
    assert body["field"] == "Content-Type"
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("path", [TWILIO_PATH, OZONETEL_PATH, SIP_PATH])
def test_declared_oversized_body_is_413_before_it_is_read(client, path):
    content_type = "application/x-www-form-urlencoded" if path == TWILIO_PATH else "application/json"
    response = client.post(path, "{}", content_type=content_type, CONTENT_LENGTH=str(MAX_BODY_BYTES + 1))
    assert error_of(response, 413)["field"] == "Content-Length"


def test_oversized_signed_body_is_413_and_not_stored(client, dialed):
    dialed("fs-1")
    raw = json.dumps({**SIP_OK, "padding": "x" * MAX_BODY_BYTES}).encode()
    assert error_of(post_sip(client, raw=raw), 413)["field"] == "Content-Length"
    assert not WebhookEvent.objects.exists()


def test_bad_content_length_is_400(client):
    response = client.post(SIP_PATH, "{}", content_type="application/json", CONTENT_LENGTH="ten")
    assert error_of(response, 400)["field"] == "Content-Length"


def test_malformed_json_is_400_and_the_signed_body_kept_as_rejected(client):
    body = error_of(post_sip(client, raw=b'{"call_id": "fs-1", '), 400)
    assert "not valid JSON" in body["error"]
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.REJECTED and event.body == '{"call_id": "fs-1", '
    assert not Attempt.objects.exists()


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"null", b"\xff\xfe", b'{"duration": NaN}', b"[" * 5000])
def test_json_that_is_not_an_object_is_400(client, raw):
    error_of(post_sip(client, raw=raw), 400)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"call_id": None}, "call_id"),
        ({"sip_code": None}, "sip_code"),
        ({"sip_code": 99}, "sip_code"),
        ({"sip_code": "busy"}, "sip_code"),
        ({"q850_cause": 500, "sip_code": None}, "q850_cause"),
        ({"answered": "yes"}, "answered"),
        ({"duration": None}, "duration"),
        ({"duration": -1}, "duration"),
        ({"duration": 10**12}, "duration"),
        ({"duration": "1:99:00"}, "duration"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": "0001-01-01T00:00:00"}, "started_at"),
        ({"call_id": "a\u0000b"}, "call_id"),
        ({"call_id": "x" * 101}, "call_id"),
        ({"call_id": ["a"]}, "call_id"),
        ({"request": 0}, "request"),
    ],
)
def test_sip_field_problems_are_400_naming_the_field(client, change, field):
    payload = {key: value for key, value in {**SIP_OK, **change}.items() if value is not None}
    body = error_of(post_sip(client, payload), 400)
    assert body["field"] == field
    assert WebhookEvent.objects.get().status == WebhookEvent.REJECTED
    assert not Attempt.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"CallSid": None}, "CallSid"),
        ({"CallStatus": None}, "CallStatus"),
        ({"CallDuration": "ten"}, "CallDuration"),
        ({"SequenceNumber": "-1"}, "SequenceNumber"),
        ({"SipResponseCode": "7000"}, "SipResponseCode"),
        ({"Timestamp": "not a date"}, "Timestamp"),
    ],
)
def test_twilio_field_problems_are_400_naming_the_field(client, change, field):
    params = twilio_params(call_sid(1), "busy", duration=0)
    params.update(change)
    params = {key: value for key, value in params.items() if value is not None}
    assert error_of(post_twilio(client, params), 400)["field"] == field
    assert not Attempt.objects.exists()


def test_twilio_bad_request_id_in_the_url_is_400(client):
    response = post_twilio(client, twilio_params(call_sid(1), "busy", duration=0), query="request=abc")
    assert error_of(response, 400)["field"] == "request"


def test_ozonetel_without_a_status_is_400_naming_it(client):
    payload = {"monitorUCID": "u-1", "Duration": "00:00:10"}
    assert error_of(post_ozonetel(client, payload), 400)["field"] == "CustomerStatus"


def test_ozonetel_end_before_start_is_400(client):
    payload = {
        "monitorUCID": "u-1",
        "CustomerStatus": "Busy",
        "StartTime": "2030-01-01 10:00:00",
        "EndTime": "2030-01-01 09:00:00",
    }
    assert error_of(post_ozonetel(client, payload), 400)["field"] == "EndTime"


def test_event_from_the_future_is_400(client):
    payload = {**SIP_OK, "started_at": "2999-01-01T00:00:00+00:00"}
    assert error_of(post_sip(client, payload), 400)["field"] == "started_at"
    assert not WebhookEvent.objects.exists()  # refused with the replays, before anything is stored


def test_rate_limit_per_address_is_429_with_retry_after(client, settings, dialed):
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 3
    for _ in range(3):
        assert client.post(SIP_PATH, "{}", content_type="application/json").status_code == 403
    response = client.post(SIP_PATH, "{}", content_type="application/json")
    error_of(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another address has its own count.
    assert client.post(SIP_PATH, "{}", content_type="application/json", REMOTE_ADDR="10.0.0.9").status_code == 403


def test_forwarded_for_counts_only_behind_a_trusted_proxy(client, settings):
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 1
    forged = {"HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    assert client.post(SIP_PATH, "{}", content_type="application/json", **forged).status_code == 403
    # Without a trusted proxy the forged header does not buy a fresh count.
    forged = {"HTTP_X_FORWARDED_FOR": "5.6.7.8"}
    assert client.post(SIP_PATH, "{}", content_type="application/json", **forged).status_code == 429
    settings.WEBHOOK_NUM_PROXIES = 1
    assert client.post(SIP_PATH, "{}", content_type="application/json", **forged).status_code == 403


def test_forged_traffic_cannot_push_out_a_signed_provider_callback(client, settings, dialed):
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 1200
    request = dialed(call_sid(7))
    forged = twilio_params(call_sid(7), "no-answer", duration=0)
    for _ in range(1200):
        assert post_twilio(client, forged, signature="forged").status_code == 403
    assert post_twilio(client, forged, signature="forged").status_code == 429
    # The provider's signed callback from the same address (one proxy, one NAT) is counted on its own.
    response = post_twilio(client, twilio_params(call_sid(7), "no-answer", duration=0))
    assert response.status_code == 200, response.content
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.PROCESSED and event.attempt.redial_request == request


def test_signed_callbacks_are_limited_per_provider_account(client, settings, dialed):
    settings.WEBHOOK_SIGNED_RATE_LIMIT_PER_MINUTE = 2
    for index in range(2):
        dialed(call_sid(index), index=index)
        assert post_twilio(client, twilio_params(call_sid(index), "no-answer", duration=0)).status_code == 200
    assert post_twilio(client, twilio_params(call_sid(5), "no-answer", duration=0)).status_code == 429
    other = twilio_params(call_sid(5), "no-answer", duration=0, AccountSid="AC" + "1" * 32)
    assert post_twilio(client, other).status_code != 429


def test_with_two_proxies_the_client_is_the_second_address_from_the_right(client, settings):
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 1
    settings.WEBHOOK_NUM_PROXIES = 2
    # forged-by-client, real client (appended by the load balancer), load balancer (appended by nginx)
    first = {"HTTP_X_FORWARDED_FOR": "9.9.9.9, 203.0.113.5, 10.0.0.2"}
    assert client.post(SIP_PATH, "{}", content_type="application/json", **first).status_code == 403
    again = {"HTTP_X_FORWARDED_FOR": "8.8.8.8, 203.0.113.5, 10.0.0.2"}
    assert client.post(SIP_PATH, "{}", content_type="application/json", **again).status_code == 429
    other = {"HTTP_X_FORWARDED_FOR": "9.9.9.9, 203.0.113.6, 10.0.0.2"}
    assert client.post(SIP_PATH, "{}", content_type="application/json", **other).status_code == 403
