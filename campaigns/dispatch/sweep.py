"""Leases that expired (a worker died mid-dial) go back to scheduled, or fail after too many tries."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campaigns.models import RedialRequest

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    released: int = 0
    failed: int = 0


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
