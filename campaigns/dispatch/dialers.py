"""Dialer backends: how an auto-dial campaign places the call of a claimed redial request.

A backend gets a `DialJob` (plain values, read by `campaigns.dispatch` from the rows it has just moved
to `dialing`) and returns a `DialResult` or raises `DialerError`. A backend may also offer
`dial_many(jobs)`, returning one DialResult or DialerError per job in order, to place a chunk at once.
Backends never touch the request's status, and are called with no database transaction open:
`campaigns.dispatch.dial` commits `dialing` before and records the answers after.

Every job carries a `dial_key` that stays the same across re-claims of the request until the dialer has
answered: a dialer that sees a key twice must place the call once (a worker may die after the dialer
accepted and before the answer was recorded, and the request is then handed off again with the same key).

Chosen per campaign by `Campaign.dialer_backend`. Extra backends (a test recorder, a provider SDK) are
registered by name in the `DISPATCH_DIALERS` setting: {"name": "dotted.path.to.Class"}.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from retryadmin.lib import outbound
from retryadmin.lib.signing import body_signature

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-RetryAdmin-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class DialerError(Exception):
    """The dialer did not accept the call; the message is stored on the request as last_error.

    `answered` is True when the dialer itself refused the call (a definite answer: the next hand-off is a new
    call with a new dial key), False when it may never have seen it or may have placed it anyway (no
    answer, a timeout, 429 or 5xx): the next hand-off then carries the same key."""

    def __init__(self, message: str, *, answered: bool = True):
        super().__init__(message)
        self.answered = answered


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
    dial_key: str = ""  # the idempotency key of this hand-off (see the module docstring)


@dataclass(frozen=True)
class DialResult:
    provider_call_id: str = ""


class LogDialer:
    """For demos: logs the call and accepts it. The request stays visible as `dialing`."""

    def dial(self, job: DialJob) -> DialResult:
        logger.info("dial %s", self._describe(job))
        return DialResult()

    def dial_many(self, jobs: list[DialJob]) -> list[DialResult | DialerError]:
        # One log record per chunk: at a thousand calls a second, a record per call costs a fifth of the dial.
        logger.info("dial %s calls:\n%s", len(jobs), "\n".join(self._describe(job) for job in jobs))
        return [DialResult()] * len(jobs)

    @staticmethod
    def _describe(job: DialJob) -> str:
        return (
            f"request={job.request_id} contact={job.contact_id} phone={job.phone} campaign={job.campaign_name}"
            f" token={job.claim_token}"
        )


def webhook_body(job: DialJob) -> bytes:
    """The JSON the webhook dialer POSTs. `dial_key` (also sent as the Idempotency-Key header) identifies
    the call across deliveries and re-claims: a dialer that sees the same key twice places the call once."""
    payload = {
        "request_id": job.request_id,
        "dial_key": job.dial_key,
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
        # Checked again here: the name may resolve elsewhere now than when the campaign was saved.
        try:
            outbound.check_url(job.dialer_url)
        except outbound.OutboundURLRefused as refusal:
            raise DialerError(f"webhook dialer refused: {refusal}") from refusal
        body = webhook_body(job)
        headers = {"Content-Type": "application/json", "User-Agent": "RetryAdmin-dispatch/1"}
        if job.dial_key:
            headers[IDEMPOTENCY_HEADER] = job.dial_key
        if job.dialer_secret:
            headers[SIGNATURE_HEADER] = body_signature(body, job.dialer_secret)
        error, answered = "", False
        # The whole dial, retries included, stays within a few seconds, well inside the request's lease.
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
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                # The exception's text may quote the dialer's answer: only its kind is kept.
                error, answered = f"{type(exc).__name__}", False
                continue
            if 200 <= response.status_code < 300:
                return DialResult(provider_call_id=_call_id(response))
            # The body is the dialer's (or whatever answered): never stored or shown.
            error = (
                f"HTTP {response.status_code}: {_STATUS_MESSAGES.get(response.status_code // 100, 'unexpected answer')}"
            )
            # A 4xx other than 429 is the dialer's refusal; 429 and 5xx may come from anything on the way.
            answered = response.status_code != 429 and response.status_code < 500
            if answered:
                break
        raise DialerError(f"webhook dialer failed after {attempt + 1} tries: {error}", answered=answered)

    def dial_many(self, jobs: list[DialJob]) -> list[DialResult | DialerError]:
        """Each job posted on its own thread (at most DIALER_CONCURRENCY at once), each thread with its own
        HTTP session: a chunk takes about as long as its slowest dial."""
        if len(jobs) <= 1:
            return [_dial_or_error(self, job) for job in jobs]
        workers = max(1, min(len(jobs), settings.DIALER_CONCURRENCY))
        local = threading.local()

        def one(job: DialJob) -> DialResult | DialerError:
            if not hasattr(local, "dialer"):
                local.dialer = WebhookDialer(
                    self.connect_timeout, self.read_timeout, self.retries, self.backoff, requests.Session()
                )
            return _dial_or_error(local.dialer, job)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dial") as pool:
            return list(pool.map(one, jobs))


_STATUS_MESSAGES = {3: "redirect not followed", 4: "the dialer refused the call", 5: "the dialer failed"}


def _dial_or_error(backend, job: DialJob) -> DialResult | DialerError:
    try:
        return backend.dial(job)
    except DialerError as exc:
        return exc


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
