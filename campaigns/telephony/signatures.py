"""Who sent a callback: Twilio's X-Twilio-Signature, and HMAC-SHA256 of the raw body for the others.

Each check raises `JsonError(403, ..., header)` and is made before anything is stored, so a forged
request leaves no trace but the log line.
"""

from __future__ import annotations

from django.conf import settings
from twilio.request_validator import RequestValidator

from retryadmin.lib.jsonapi import JsonError
from retryadmin.lib.signing import signature_matches

TWILIO_HEADER = "X-Twilio-Signature"
OZONETEL_HEADER = "X-Ozonetel-Signature"
OZONETEL_ACCOUNT_HEADER = "X-Ozonetel-Account"
SIP_HEADER = "X-RetryAdmin-Signature"


def check_twilio(request) -> None:
    """Validate X-Twilio-Signature over the URL as Twilio saw it and the form fields.

    The URL comes from build_absolute_uri(), which honours SECURE_PROXY_SSL_HEADER and USE_X_FORWARDED_HOST
    behind a proxy; the QueryDict itself is passed so repeated fields are signed as Twilio signs them.
    """
    token = settings.TWILIO_AUTH_TOKEN
    if not token:
        # An empty key would make every signature computed with an empty key valid.
        raise JsonError(403, "Twilio callbacks are refused: TWILIO_AUTH_TOKEN is not configured.", TWILIO_HEADER)
    signature = request.headers.get(TWILIO_HEADER, "")
    if not signature:
        raise JsonError(403, f"The {TWILIO_HEADER} header is missing.", TWILIO_HEADER)
    if not signature.isascii():
        raise JsonError(403, f"The {TWILIO_HEADER} header does not match the request.", TWILIO_HEADER)
    if not RequestValidator(token).validate(request.build_absolute_uri(), request.POST, signature):
        raise JsonError(403, f"The {TWILIO_HEADER} header does not match the request.", TWILIO_HEADER)


def _check_body_hmac(body: bytes, header_value: str, secret: str, header: str) -> None:
    if not header_value:
        raise JsonError(403, f"The {header} header is missing.", header)
    if not signature_matches(body, header_value, secret):
        raise JsonError(403, f"The {header} header does not match the body.", header)


def check_ozonetel(request, body: bytes) -> str:
    """Validate X-Ozonetel-Signature with the secret of the account named in X-Ozonetel-Account; returns the
    account id."""
    account = request.headers.get(OZONETEL_ACCOUNT_HEADER, "").strip()
    if not account:
        raise JsonError(403, f"The {OZONETEL_ACCOUNT_HEADER} header is missing.", OZONETEL_ACCOUNT_HEADER)
    secret = (settings.OZONETEL_WEBHOOK_SECRETS or {}).get(account, "")
    if not secret:
        raise JsonError(403, f"Unknown Ozonetel account {account[:60]!r}.", OZONETEL_ACCOUNT_HEADER)
    _check_body_hmac(body, request.headers.get(OZONETEL_HEADER, ""), secret, OZONETEL_HEADER)
    return account


def check_sip(request, body: bytes) -> None:
    """Validate X-RetryAdmin-Signature with SIP_WEBHOOK_SECRET."""
    secret = settings.SIP_WEBHOOK_SECRET
    if not secret:
        raise JsonError(403, "SIP callbacks are refused: SIP_WEBHOOK_SECRET is not configured.", SIP_HEADER)
    _check_body_hmac(body, request.headers.get(SIP_HEADER, ""), secret, SIP_HEADER)
