"""Whatever arrives, no endpoint answers 5xx: arbitrary bodies, content types and headers, signed or not."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from campaigns.models import WebhookEvent
from retryadmin.lib.signing import body_signature

from .helpers import OZONETEL_ACCOUNT, OZONETEL_PATH, OZONETEL_SECRET, SIP_PATH, SIP_SECRET, TWILIO_PATH, TWILIO_TOKEN

pytestmark = pytest.mark.django_db

PATHS = [TWILIO_PATH, OZONETEL_PATH, SIP_PATH]
CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", ""]
) | st.text(max_size=40)
HEADER_NAMES = st.sampled_from(
    [
        "X-Twilio-Signature",
        "X-Ozonetel-Signature",
        "X-Ozonetel-Account",
        "X-RetryAdmin-Signature",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "I-Twilio-Idempotency-Token",
        "User-Agent",
    ]
)
# Header values as a WSGI server delivers them: latin-1 text without line breaks.
HEADER_VALUES = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(["busy", "no-answer", "Busy", "486", "17", "00:01:02", "2030-01-01 10:00:00", "CA1", "u-1"])
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
KNOWN_KEYS = st.sampled_from(
    [
        "call_id",
        "sip_code",
        "q850_cause",
        "answered",
        "duration",
        "started_at",
        "request",
        "monitorUCID",
        "CustomerStatus",
        "DialStatus",
        "Duration",
        "StartTime",
        "EndTime",
        "UUI",
    ]
)
JSON_OBJECTS = st.dictionaries(KNOWN_KEYS | st.text(max_size=10), JSON_VALUES, max_size=8)
FORM_KEYS = st.sampled_from(
    ["CallSid", "CallStatus", "CallDuration", "SipResponseCode", "AnsweredBy", "SequenceNumber", "Timestamp"]
) | st.text(max_size=10)
FORM_VALUES = st.text(max_size=40) | st.sampled_from(["CA1", "completed", "ringing", "failed", "machine_start", "7"])
FORM_FIELDS = st.dictionaries(FORM_KEYS, FORM_VALUES, max_size=8)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def known_calls(dialed):
    """Calls the generated bodies may name, so some of them get all the way to an attempt."""
    return [dialed("CA1", index=0), dialed("u-1", index=1), dialed("17", index=2)]


def headers_to_meta(headers: dict) -> dict:
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


@SETTINGS
@given(
    path=st.sampled_from(PATHS),
    body=st.binary(max_size=2000),
    content_type=CONTENT_TYPES,
    headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=4),
    method=st.sampled_from(["post", "post", "put", "get"]),
)
def test_arbitrary_requests_never_get_a_5xx(path, body, content_type, headers, method):
    client = Client(raise_request_exception=False)
    meta = headers_to_meta(headers)
    if method == "get":
        response = client.get(path, **meta)
    else:
        response = getattr(client, method)(path, body, content_type=content_type, **meta)
    assert response.status_code < 500, response.content
    assert response["Content-Type"] == "application/json"


@SETTINGS
@given(payload=JSON_OBJECTS, query=st.sampled_from(["", "?request=1", "?request=x", "?request=99999999999999999999"]))
def test_signed_arbitrary_json_never_gets_a_5xx(known_calls, payload, query):
    client = Client(raise_request_exception=False)
    body = json.dumps(payload).encode()
    sip = client.post(
        SIP_PATH + query,
        body,
        content_type="application/json",
        headers={"X-RetryAdmin-Signature": body_signature(body, SIP_SECRET)},
    )
    assert sip.status_code < 500, sip.content
    ozonetel = client.post(
        OZONETEL_PATH + query,
        body,
        content_type="application/json",
        headers={"X-Ozonetel-Account": OZONETEL_ACCOUNT, "X-Ozonetel-Signature": body_signature(body, OZONETEL_SECRET)},
    )
    assert ozonetel.status_code < 500, ozonetel.content
    assert not WebhookEvent.objects.filter(status=WebhookEvent.FAILED).exists()


@SETTINGS
@given(fields=FORM_FIELDS, query=st.sampled_from(["", "request=1", "request=-4", "request=abc"]))
def test_signed_arbitrary_twilio_forms_never_get_a_5xx(known_calls, fields, query):
    client = Client(raise_request_exception=False)
    path = TWILIO_PATH + (f"?{query}" if query else "")
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"http://testserver{path}", fields)
    response = client.post(
        path,
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code < 500, response.content
    assert not WebhookEvent.objects.filter(status=WebhookEvent.FAILED).exists()
