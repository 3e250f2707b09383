"""Telephony callbacks: Twilio (signed form posts), Ozonetel and generic SIP (HMAC-signed JSON).

Each view checks the request (method, size, content type, signature, then rate), parses it, refuses
stale replays, then hands it to the services, which store it raw and process it. Every refusal is JSON
{"error": ..., "field": ...} with a 4xx status. What is refused before the signature is checked, or as
a stale replay, is not stored; everything authenticated is.

Authenticate, then count: a signed callback counts against its provider account's own limit
(WEBHOOK_SIGNED_RATE_LIMIT_PER_MINUTE), everything else against its client address
(WEBHOOK_RATE_LIMIT_PER_MINUTE), so forged traffic from anywhere can never push out a provider's callbacks.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from campaigns.telephony import parsing, services, signatures, storage
from retryadmin.lib import ratelimit
from retryadmin.lib.clientaddress import client_address
from retryadmin.lib.jsonapi import JsonError, check_envelope, json_endpoint, load_json_object

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Headers kept with each stored event: enough to audit who sent it and to parse it again.
KEPT_HEADERS = (
    "Content-Type",
    "Content-Length",
    "User-Agent",
    "Host",
    "X-Forwarded-For",
    "X-Forwarded-Proto",
    "X-Forwarded-Host",
    "I-Twilio-Idempotency-Token",
    signatures.TWILIO_HEADER,
    signatures.OZONETEL_ACCOUNT_HEADER,
    signatures.OZONETEL_HEADER,
    signatures.SIP_HEADER,
)


def count_address(request: HttpRequest, scope: str) -> None:
    """Count one request of this client address within `scope`; raises 429 past WEBHOOK_RATE_LIMIT_PER_MINUTE."""
    verdict = ratelimit.hit(scope, client_address(request) or "unknown", limit=settings.WEBHOOK_RATE_LIMIT_PER_MINUTE)
    if not verdict.allowed:
        raise JsonError(
            429,
            f"More than {verdict.limit} requests a minute from this address; retry in {verdict.retry_after} s.",
            "",
            {"Retry-After": str(verdict.retry_after)},
        )


def count_account(provider: str, account: str) -> None:
    """Count one authenticated callback of a provider account; raises 429 past
    WEBHOOK_SIGNED_RATE_LIMIT_PER_MINUTE (a runaway integration, not an attacker: it holds the secret)."""
    limit = settings.WEBHOOK_SIGNED_RATE_LIMIT_PER_MINUTE
    verdict = ratelimit.hit(f"webhooks-signed:{provider}", account or provider, limit=limit)
    if not verdict.allowed:
        raise JsonError(
            429,
            f"More than {verdict.limit} callbacks a minute for this account; retry in {verdict.retry_after} s.",
            "",
            {"Retry-After": str(verdict.retry_after)},
        )


def _delivery(request: HttpRequest, provider: str, body: bytes) -> storage.Delivery:
    headers = {name: request.headers[name] for name in KEPT_HEADERS if name in request.headers}
    headers[storage.REQUEST_URI_HEADER] = request.get_full_path()
    return storage.Delivery(
        provider=provider,
        body=body,
        content_type=request.META.get("CONTENT_TYPE", ""),
        headers=headers,
        remote_addr=client_address(request),
    )


def _receive(
    request: HttpRequest,
    provider: str,
    content_type: str,
    authenticate: Callable[[HttpRequest, bytes], str | None],
    parse: Callable[[HttpRequest, bytes], parsing.ParsedEvent],
) -> JsonResponse:
    try:
        body = check_envelope(request, content_type, count=False)
        account = authenticate(request, body)
    except JsonError:
        count_address(request, "webhooks")  # 429 once this address sent too much unauthenticated traffic
        raise
    count_account(provider, str(account or ""))
    try:
        parsed, problem = parse(request, body), None
    except JsonError as exc:
        parsed, problem = None, exc
    if parsed is not None:
        storage.check_fresh(parsed)
    delivery = _delivery(request, provider, body)
    if problem:
        result = services.reject_event(storage.store_event(delivery, parsed), problem)
    else:
        result = services.receive(delivery, parsed)
    return JsonResponse(result.payload(), status=result.http_status)


def _parse_twilio(request: HttpRequest, body: bytes) -> parsing.ParsedEvent:
    return parsing.parse_twilio(request.POST, request.GET)


def _parse_ozonetel(request: HttpRequest, body: bytes) -> parsing.ParsedEvent:
    return parsing.parse_ozonetel(load_json_object(body), zone=settings.OZONETEL_TIME_ZONE)


def _parse_sip(request: HttpRequest, body: bytes) -> parsing.ParsedEvent:
    return parsing.parse_sip(load_json_object(body))


@json_endpoint
def twilio_status(request: HttpRequest) -> JsonResponse:
    """Twilio's voice status callback (StatusCallback, form-encoded, X-Twilio-Signature)."""
    return _receive(request, parsing.TWILIO, FORM, _authenticate_twilio, _parse_twilio)


def _authenticate_twilio(request: HttpRequest, body: bytes) -> str:
    """The signed callback's AccountSid (part of what the signature covers)."""
    signatures.check_twilio(request)
    return request.POST.get("AccountSid", "")


@json_endpoint
def ozonetel(request: HttpRequest) -> JsonResponse:
    """Ozonetel's post-call callback (JSON, X-Ozonetel-Account + X-Ozonetel-Signature)."""
    return _receive(request, parsing.OZONETEL, JSON, signatures.check_ozonetel, _parse_ozonetel)


@json_endpoint
def sip(request: HttpRequest) -> JsonResponse:
    """A generic SIP/Q.850 call result from Asterisk or FreeSWITCH (JSON, X-RetryAdmin-Signature)."""
    return _receive(request, parsing.SIP, JSON, signatures.check_sip, _parse_sip)
