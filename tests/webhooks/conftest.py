"""Fixtures for the webhook tests: a campaign open around the clock, contacts with dialed redial requests,
and clients that sign their requests the way each provider does."""

import json
from datetime import timedelta
from email.utils import format_datetime
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from campaigns.models import BusinessHourWindow, Campaign, Contact, DialPlan, RedialRequest
from retryadmin.lib.signing import body_signature
from strategies.models import Outcome, Strategy, StrategyRule

TWILIO_TOKEN = "test-twilio-auth-token"
OZONETEL_ACCOUNT = "acct1"
OZONETEL_SECRET = "ozonetel-secret-1"
SIP_SECRET = "sip-secret"
TWILIO_PATH = "/webhooks/twilio/status/"
OZONETEL_PATH = "/webhooks/ozonetel/"
SIP_PATH = "/webhooks/sip/"
# Retry delays of the test campaign's telephony strategy, in minutes.
RETRY_MINUTES = {
    "sip.customer_no_answer": 60,
    "sip.customer_busy": 30,
    "platform.customer_call_failed": 120,
    "platform.call_failed": 90,
    "twilio.answering_machine": 240,
    "twilio.fax_detected": 300,
    "sip.service_unavailable": 15,
    "sip.request_timeout": 45,
}


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.OZONETEL_WEBHOOK_SECRETS = {OZONETEL_ACCOUNT: OZONETEL_SECRET, "acct2": "another"}
    settings.SIP_WEBHOOK_SECRET = SIP_SECRET
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 100_000
    # A cache of our own: a shared Redis would mix these counts with other test runs'.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hooks"}}
    from django.core.cache import cache

    cache.clear()
    return settings


@pytest.fixture
def campaign(db):
    telephony = Strategy.objects.create(name="webhook telephony", kind=Strategy.TELEPHONY)
    for code, minutes in RETRY_MINUTES.items():
        StrategyRule.objects.create(
            strategy=telephony, outcome=Outcome.objects.get(code=code), amount=minutes, unit="m"
        )
    plan = DialPlan.objects.create(name="webhook plan", telephony_strategy=telephony)
    campaign = Campaign.objects.create(name="Webhooks", zone="UTC", max_attempts=10, dial_plan=plan)
    for weekday in range(7):
        BusinessHourWindow.objects.create(campaign=campaign, weekday=weekday, start_minute=0, end_minute=24 * 60)
    return campaign


def phone(index: int) -> str:
    return f"+44207123{4000 + index:04d}"


@pytest.fixture
def dialed(campaign):
    """dialed(call_id, index=0): a contact with a redial request the dialer reported `call_id` for."""

    def _make(call_id: str = "", index: int = 0, source=RedialRequest.SOURCE_AUTO) -> RedialRequest:
        contact, _ = Contact.objects.get_or_create(campaign=campaign, phone=phone(index), defaults={"zone": "UTC"})
        contact.status = Contact.IN_CALL
        contact.save(update_fields=["status"])
        return RedialRequest.objects.create(
            contact=contact,
            campaign=campaign,
            due_at=timezone.now() - timedelta(minutes=5),
            status=RedialRequest.DIALING,
            source=source,
            provider_call_id=call_id,
        )

    return _make


def call_sid(index: int) -> str:
    return f"CA{index:032x}"


def twilio_params(sid: str, status: str, *, sequence=None, duration=None, at=None, **extra) -> dict:
    params = {
        "AccountSid": "AC" + "0" * 32,
        "CallSid": sid,
        "CallStatus": status,
        "From": "+15005550006",
        "To": "+442071234000",
        "Direction": "outbound-api",
        "ApiVersion": "2010-04-01",
        "Timestamp": format_datetime(at or timezone.now()),
    }
    if sequence is not None:
        params["SequenceNumber"] = str(sequence)
    if duration is not None:
        params["CallDuration"] = str(duration)
    params.update({key: value for key, value in extra.items() if value is not None})
    return params


def post_twilio(client, params: dict, *, query: str = "", token: str = TWILIO_TOKEN, signature=None, **headers):
    """POST a Twilio status callback signed for http://testserver<path>?<query> (or with `signature`)."""
    path = TWILIO_PATH + (f"?{query}" if query else "")
    if signature is None:
        signature = RequestValidator(token).compute_signature(f"http://testserver{path}", params)
    if signature:
        headers["HTTP_X_TWILIO_SIGNATURE"] = signature
    return client.post(path, urlencode(params), content_type="application/x-www-form-urlencoded", **headers)


def post_signed_json(client, path: str, payload, *, secret: str, header: str, account=None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {header: body_signature(body, secret)}
    if account is not None:
        headers["X-Ozonetel-Account"] = account
    return client.post(path, body, content_type="application/json", headers=headers)


def post_ozonetel(client, payload=None, *, secret=OZONETEL_SECRET, account=OZONETEL_ACCOUNT, raw=None):
    return post_signed_json(
        client, OZONETEL_PATH, payload, secret=secret, header="X-Ozonetel-Signature", account=account, raw=raw
    )


def post_sip(client, payload=None, *, secret=SIP_SECRET, raw=None):
    return post_signed_json(client, SIP_PATH, payload, secret=secret, header="X-RetryAdmin-Signature", raw=raw)
