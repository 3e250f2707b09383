"""Dialer backends: how an auto-dial campaign places the call of a claimed redial request.

A backend gets a `DialJob` (plain values, read by `campaigns.dispatch` from the row it has just moved
to `dialing`) and returns a `DialResult` or raises `DialerError`. Backends never touch the request's
status: `campaigns.dispatch.dial.dial_claimed` does, in the same transaction as the call to the backend.

Chosen per campaign by `Campaign.dialer_backend`. Extra backends (a test recorder, a provider SDK) are
registered by name in the `DISPATCH_DIALERS` setting: {"name": "dotted.path.to.Class"}.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from retryadmin.lib.signing import body_signature

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-RetryAdmin-Signature"


class DialerError(Exception):
    """The dialer did not accept the call; the message is stored on the request as last_error."""


@dataclass(frozen=True)
class DialJob:
    request_id: int
    claim_token: str
    campaign_id: int
    campaign_name: str
    contact_id: int
    contact_name: str
    phone: str
    due_at: datetime
    owner_id: int | None
    dialer_url: str
    dialer_secret: str
    attempt: int  # the dispatch attempt number of this claim (1-based)


@dataclass(frozen=True)
class DialResult:
    provider_call_id: str = ""


class LogDialer:
    """For demos: logs the call and accepts it. The request stays visible as `dialing`."""

    def dial(self, job: DialJob) -> DialResult:
        logger.info(
            "dial request=%s contact=%s phone=%s campaign=%s token=%s",
            job.request_id,
            job.contact_id,
            job.phone,
            job.campaign_name,
            job.claim_token,
        )
        return DialResult()


def webhook_body(job: DialJob) -> bytes:
    """The JSON the webhook dialer POSTs. request_id + claim_token identify one hand-off: a dialer that
    sees the same pair twice should place the call once."""
    payload = {
        "request_id": job.request_id,
        "claim_token": job.claim_token,
        "campaign": {"id": job.campaign_id, "name": job.campaign_name},
        "contact": {"id": job.contact_id, "name": job.contact_name, "phone": job.phone},
        "phone": job.phone,
        "due_at": job.due_at.isoformat(),
        "owner_id": job.owner_id,
        "dispatch_attempt": job.attempt,
        "callback_url": settings.DISPATCH_CALLBACK_URL,
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


class WebhookDialer:
    """POSTs the call as signed JSON to the campaign's dialer_url.

    Retries connection errors, timeouts, 429 and 5xx with exponential backoff, bounded so one dial
    spends at most a few seconds (the request's lease is much longer). A 4xx other than 429 is final
    for this claim: retrying the same body would be refused again.
    """

    def __init__(self, connect_timeout=None, read_timeout=None, retries=None, backoff=None, session=None):
        self.connect_timeout = connect_timeout or settings.DIALER_CONNECT_TIMEOUT_SECONDS
        self.read_timeout = read_timeout or settings.DIALER_READ_TIMEOUT_SECONDS
        self.retries = settings.DIALER_RETRIES if retries is None else retries
        self.backoff = settings.DIALER_BACKOFF_SECONDS if backoff is None else backoff
        self.session = session or requests.Session()

    def dial(self, job: DialJob) -> DialResult:
        if not job.dialer_url:
            raise DialerError("the campaign's webhook dialer has no URL")
        body = webhook_body(job)
        headers = {"Content-Type": "application/json", "User-Agent": "RetryAdmin-dispatch/1"}
        if job.dialer_secret:
            headers[SIGNATURE_HEADER] = body_signature(body, job.dialer_secret)
        error = ""
        # The whole dial, retries included, stays within a few seconds: the row is locked meanwhile.
        deadline = time.monotonic() + settings.DIALER_TOTAL_SECONDS
        for attempt in range(self.retries + 1):
            if attempt:
                pause = self.backoff * 2 ** (attempt - 1)
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
            remaining = max(0.1, deadline - time.monotonic())
            try:
                response = self.session.post(
                    job.dialer_url,
                    data=body,
                    headers=headers,
                    timeout=(min(self.connect_timeout, remaining), min(self.read_timeout, remaining)),
                )
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
                continue
            if 200 <= response.status_code < 300:
                return DialResult(provider_call_id=_call_id(response))
            error = f"HTTP {response.status_code}: {response.text[:200]}"
            if response.status_code != 429 and response.status_code < 500:
                break
        raise DialerError(f"webhook dialer {job.dialer_url} failed after {attempt + 1} tries: {error}")


def _call_id(response) -> str:
    """The provider's call id from a 2xx body {"call_id": "..."}; "" when the body has none."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict) and isinstance(data.get("call_id"), str | int):
        return str(data["call_id"])[:100]
    return ""


BUILTIN = {"log": LogDialer, "webhook": WebhookDialer}


def backend_for(name: str):
    """The dialer backend instance registered under `name`; raises DialerError for an unknown one."""
    extra = settings.DISPATCH_DIALERS or {}
    if name in extra:
        return import_string(extra[name])()
    if name in BUILTIN:
        return BUILTIN[name]()
    raise DialerError(f"unknown dialer backend {name!r}")
