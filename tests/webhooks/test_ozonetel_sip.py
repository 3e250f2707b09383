"""Ozonetel's and the generic SIP callback: HMAC signatures, mapping, matching and replays."""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from campaigns.models import Attempt, RedialRequest, WebhookEvent

from .helpers import RETRY_MINUTES, post_ozonetel, post_sip

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")


def ozonetel_payload(ucid: str, status: str, *, start=None, seconds=42, **extra) -> dict:
    start = (start or timezone.now() - timedelta(minutes=10)).astimezone(KOLKATA).replace(microsecond=0)
    end = start + timedelta(seconds=seconds)
    payload = {
        "monitorUCID": ucid,
        "AgentID": "agent7",
        "CampaignName": "Webhooks",
        "CallerID": "+442071234000",
        "CustomerStatus": status,
        "DialStatus": status,
        "Disposition": "",
        "Duration": f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}",
        "StartTime": start.strftime("%Y-%m-%d %H:%M:%S"),
        "EndTime": end.strftime("%Y-%m-%d %H:%M:%S"),
    }
    payload.update(extra)
    return payload


def open_requests(contact):
    return list(RedialRequest.objects.filter(contact=contact, status__in=RedialRequest.OPEN_STATUSES))


# --- Ozonetel ----------------------------------------------------------------------------------------------


def test_ozonetel_busy_call_records_the_attempt_and_schedules_the_retry(client, dialed):
    request = dialed("5551234567890")
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=10)
    response = post_ozonetel(client, ozonetel_payload("5551234567890", "Busy", start=start, seconds=75))
    assert response.status_code == 200, response.json()
    assert response.json()["outcome"] == "sip.customer_busy"
    attempt = Attempt.objects.get()
    assert (attempt.provider, attempt.provider_call_id) == ("ozonetel", "5551234567890")
    # StartTime is Kolkata wall-clock time; stored in UTC.
    assert attempt.started_at == start and attempt.duration_seconds == 75
    assert attempt.ended_at == start + timedelta(seconds=75)
    [retry] = open_requests(request.contact)
    assert retry.due_at == start + timedelta(minutes=RETRY_MINUTES["sip.customer_busy"])


def test_ozonetel_dial_status_is_used_when_the_customer_status_is_not_mapped(client, dialed):
    dialed("u-1")
    response = post_ozonetel(client, ozonetel_payload("u-1", "Whatever", DialStatus="NoResponse"))
    assert response.json()["outcome"] == "sip.request_timeout"


def test_ozonetel_unknown_status_is_unmapped_with_the_fallback(client, dialed):
    dialed("u-2")
    response = post_ozonetel(client, ozonetel_payload("u-2", "MoonPhase"))
    assert response.json()["status"] == "unmapped"
    assert response.json()["outcome"] == "platform.customer_call_failed"
    assert "'MoonPhase'" in WebhookEvent.objects.get().error


def test_ozonetel_request_named_in_uui_matches_the_call(client, dialed):
    request = dialed("")
    response = post_ozonetel(client, ozonetel_payload("u-3", "not_answered", UUI=f"request={request.pk}"))
    assert response.status_code == 200, response.json()
    assert Attempt.objects.get().redial_request == request


def test_ozonetel_duration_in_seconds_is_accepted(client, dialed):
    dialed("u-4")
    response = post_ozonetel(client, ozonetel_payload("u-4", "Busy", Duration="17"))
    assert response.status_code == 200
    assert Attempt.objects.get().duration_seconds == 17


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"secret": "wrong"}, "X-Ozonetel-Signature"),
        ({"account": "acct2"}, "X-Ozonetel-Signature"),  # signed with acct1's secret
        ({"account": "nobody"}, "X-Ozonetel-Account"),
        ({"account": None}, "X-Ozonetel-Account"),
    ],
)
def test_ozonetel_bad_signature_or_account_is_refused_and_nothing_recorded(client, dialed, kwargs, field):
    dialed("u-5")
    response = post_ozonetel(client, ozonetel_payload("u-5", "Busy"), **kwargs)
    assert response.status_code == 403
    assert response.json()["field"] == field
    assert not WebhookEvent.objects.exists() and not Attempt.objects.exists()


def test_ozonetel_old_end_time_is_a_refused_replay(client, dialed):
    dialed("u-6")
    old = timezone.now() - timedelta(days=2)
    response = post_ozonetel(client, ozonetel_payload("u-6", "Busy", start=old))
    assert response.status_code == 409
    assert response.json()["field"] == "EndTime"
    assert not WebhookEvent.objects.exists()


def test_ozonetel_same_body_twice_is_a_duplicate(client, dialed):
    dialed("u-7")
    payload = ozonetel_payload("u-7", "Busy")
    assert post_ozonetel(client, payload).json()["status"] == "processed"
    again = post_ozonetel(client, payload)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert Attempt.objects.count() == 1


# --- SIP ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"sip_code": 486}, "sip.customer_busy"),
        ({"sip_code": "480"}, "sip.customer_no_answer"),
        ({"q850_cause": 17}, "sip.customer_busy"),
        ({"q850_cause": 41}, "sip.service_unavailable"),
        ({"sip_code": 499, "q850_cause": 19}, "sip.customer_no_answer"),  # unmapped SIP code: Q.850 decides
    ],
)
def test_sip_result_records_the_mapped_outcome_and_schedules_the_retry(client, dialed, fields, code):
    request = dialed("asterisk-1700000000.42")
    started = timezone.now().replace(microsecond=0) - timedelta(minutes=3)
    payload = {"call_id": "asterisk-1700000000.42", "answered": False, "duration": 0, "started_at": started.isoformat()}
    response = post_sip(client, {**payload, **fields})
    assert response.status_code == 200, response.json()
    assert response.json()["outcome"] == code
    attempt = Attempt.objects.get()
    assert (attempt.provider, attempt.started_at, attempt.outcome.code) == ("sip", started, code)
    [retry] = open_requests(request.contact)
    assert retry.due_at == started + timedelta(minutes=RETRY_MINUTES[code])


def test_sip_request_in_the_body_matches_the_call(client, dialed):
    request = dialed("")
    response = post_sip(
        client, {"call_id": "fs-1", "sip_code": 486, "answered": False, "duration": 0, "request": request.pk}
    )
    assert response.status_code == 200, response.json()
    assert Attempt.objects.get().redial_request == request


def test_sip_bad_signature_is_refused_and_nothing_recorded(client, dialed):
    dialed("fs-2")
    payload = {"call_id": "fs-2", "sip_code": 486, "answered": False, "duration": 0}
    assert post_sip(client, payload, secret="wrong").status_code == 403
    response = client.post("/webhooks/sip/", json.dumps(payload), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["field"] == "X-RetryAdmin-Signature"
    assert not WebhookEvent.objects.exists()


def test_sip_unconfigured_secret_refuses_everything(client, dialed, settings):
    settings.SIP_WEBHOOK_SECRET = ""
    dialed("fs-3")
    payload = {"call_id": "fs-3", "sip_code": 486, "answered": False, "duration": 0}
    assert post_sip(client, payload, secret="").status_code == 403
    assert not WebhookEvent.objects.exists()
