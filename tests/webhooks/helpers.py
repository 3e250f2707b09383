"""Secrets, paths and retry delays of the webhook tests, and clients' requests signed the way each provider
signs them."""

import json
from email.utils import format_datetime
from urllib.parse import urlencode

from django.utils import timezone
from twilio.request_validator import RequestValidator

from retryadmin.lib.signing import body_signature

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


def phone(index: int) -> str:
    return f"+44207123{4000 + index:04d}"


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
