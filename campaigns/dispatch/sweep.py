"""Deadlines of the waiting states: leases that expired (a worker died mid-dial) go back to scheduled, or
fail after too many tries; a call the dialer accepted with no telephony result after DIALER_RESULT_TIMEOUT
gets a "no result from the dialer" attempt, and the engine decides its retry."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.models import Attempt, Contact, RedialRequest
from campaigns.services import attempts as attempt_services
from strategies.models import Outcome

logger = logging.getLogger(__name__)


NO_DIALER_RESULT = "platform.no_dialer_result"


@dataclass
class SweepResult:
    released: int = 0
    failed: int = 0
    no_result: int = 0


def sweep_leases(now: datetime | None = None, batch_size: int = 1000) -> SweepResult:
    """Requests in claimed/dialing whose lease expired go back to scheduled with the token cleared; those
    already dispatched DISPATCH_MAX_ATTEMPTS times become failed, with the reason. Rows locked by a live
    dial transaction are skipped (SKIP LOCKED): that worker is alive and will finish them."""
    now = now or timezone.now()
    limit = settings.DISPATCH_MAX_ATTEMPTS
    result = SweepResult()
    while True:
        with transaction.atomic():
            rows = list(
                RedialRequest.objects.select_for_update(skip_locked=True)
                .filter(status__in=[RedialRequest.CLAIMED, RedialRequest.DIALING], lease_expires_at__lt=now)
                .order_by()
                .values_list("id", "dispatch_attempts")[:batch_size]
            )
            if not rows:
                break
            failed = [request_id for request_id, attempts in rows if attempts >= limit]
            released = [request_id for request_id, attempts in rows if attempts < limit]
            lost = f"lease expired at {now:%Y-%m-%d %H:%M:%S} UTC (worker or message lost)"
            if failed:
                RedialRequest.objects.filter(id__in=failed, last_error="").update(last_error=lost)
                result.failed += RedialRequest.objects.filter(id__in=failed).close(
                    RedialRequest.FAILED, f"not dialed after {limit} dispatch attempts", now, unclaim=True
                )
            if released:
                result.released += RedialRequest.objects.filter(id__in=released).release(last_error=lost)
        if len(rows) < batch_size:
            break
    if result.released or result.failed:
        logger.warning("dispatch: swept %s expired leases, %s failed", result.released, result.failed)
    return result


def result_timeout() -> timedelta:
    return timedelta(seconds=settings.DIALER_RESULT_TIMEOUT_SECONDS)


def _attempt_source(request: RedialRequest) -> str:
    if request.source == RedialRequest.SOURCE_AUTO:
        return Attempt.SOURCE_AUTO
    return Attempt.SOURCE_LEAD if request.source == RedialRequest.SOURCE_LEAD else Attempt.SOURCE_CALLBACK


def expire_dial_results(now: datetime | None = None, batch_size: int = 500) -> int:
    """Requests the dialer accepted (`dialing`, no lease) with no telephony result DIALER_RESULT_TIMEOUT after
    that get an attempt with the outcome "no result from the dialer", recorded like any call (the request
    closes, the engine decides the retry or closes the contact). A result arriving meanwhile wins: it closes
    the request first, and record_attempt then finds it closed. Returns how many were recorded."""
    now = now or timezone.now()
    cutoff = now - result_timeout()
    outcome = Outcome.objects.filter(code=NO_DIALER_RESULT).first()
    if outcome is None:
        return 0
    overdue = (
        RedialRequest.objects.filter(status=RedialRequest.DIALING, lease_expires_at__isnull=True)
        # Rows dialled before dialed_at existed: their last update stands in.
        .filter(Q(dialed_at__lt=cutoff) | Q(dialed_at__isnull=True, updated_at__lt=cutoff))
        .select_related("campaign", "contact")
        .order_by("dialed_at")[:batch_size]
    )
    recorded = 0
    for request in overdue:
        dialed_at = request.dialed_at or request.updated_at
        try:
            with transaction.atomic():
                # The contact's lock first, as every result of a call takes it: then the request is either
                # still waiting, or a result closed it since the list was read.
                Contact.objects.select_for_update().filter(pk=request.contact_id).first()
                if not RedialRequest.objects.filter(pk=request.pk, status=RedialRequest.DIALING).exists():
                    continue
                attempt_services.record_attempt(
                    campaign=request.campaign,
                    contact=request.contact,
                    outcome=outcome,
                    started_at=dialed_at,
                    ended_at=now,
                    duration_seconds=0,
                    source=_attempt_source(request),
                    redial_request=request,
                    now=now,
                    one_per_request=True,
                )
        except attempt_services.DialAlreadyAnswered:
            continue  # its result came in first
        except Exception:  # one bad row must not stop the others; it is tried again next run
            logger.exception("dispatch: could not record the missing dialer result of request %s", request.pk)
            continue
        recorded += 1
    if recorded:
        logger.warning("dispatch: %s calls had no telephony result after %s", recorded, result_timeout())
    return recorded
