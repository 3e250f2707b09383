"""Dial one claimed request through its campaign's dialer, or release it for a later try."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campaigns.dispatch import dialers
from campaigns.models import Campaign, RedialRequest

logger = logging.getLogger(__name__)


def lease_seconds() -> float:
    return settings.DISPATCH_LEASE_SECONDS


def release_claims(pairs: list[tuple[int, str]], error: str) -> int:
    """Put claimed requests whose token still matches back to `scheduled`, undoing the attempt count.
    Returns how many rows moved."""
    tokens = [token for _, token in pairs]
    if not tokens:
        return 0
    return RedialRequest.objects.filter(claim_token__in=tokens, status=RedialRequest.CLAIMED).release(
        undo_dispatch=True, last_error=error
    )


def dial_claimed(request_id: int, claim_token: str) -> str:
    """Dial one claimed request, if `claim_token` is still its token. Returns what happened:
    "dialing" (the dialer accepted), "stale" (token no longer matches: done by another message, swept,
    or never ours), "paused" (campaign no longer active: back to scheduled), "released" (dialer
    failed, back to scheduled) or "failed" (dialer failed on the last allowed dispatch attempt).

    One transaction: `claimed -> dialing` (conditional on the token, which also locks the row), the
    dialer call, and the result. A worker killed anywhere in it rolls all of it back; the lease then
    returns the row. Only a dialer outside the database can see a call twice, and it gets
    request_id + claim_token to recognise it.
    """
    now = timezone.now()
    try:
        token = str(uuid.UUID(str(claim_token)))
    except ValueError:
        return "stale"
    with transaction.atomic():
        moved = RedialRequest.objects.filter(
            id=request_id, claim_token=token, status=RedialRequest.CLAIMED
        ).start_dialing(lease_expires_at=now + timedelta(seconds=lease_seconds()))
        if not moved:
            return "stale"
        request = RedialRequest.objects.select_related("campaign", "contact").get(id=request_id)
        campaign = request.campaign
        if campaign.status != Campaign.ACTIVE:
            _release(request, now, f"campaign {campaign.status} before dialing", count=False)
            return "paused"
        job = dialers.DialJob(
            request_id=request.id,
            claim_token=token,
            campaign_id=campaign.id,
            campaign_name=campaign.name,
            contact_id=request.contact_id,
            contact_name=request.contact.name,
            phone=request.contact.phone,
            due_at=request.due_at,
            owner_id=request.owner_id,
            dialer_url=campaign.dialer_url,
            dialer_secret=campaign.dialer_secret,
            attempt=request.dispatch_attempts,
        )
        try:
            # A savepoint: whatever a failing backend wrote is undone, the failure itself is kept.
            with transaction.atomic():
                outcome = dialers.backend_for(campaign.dialer_backend).dial(job)
        except dialers.DialerError as exc:
            return _release(request, now, str(exc)[:1000], count=True)
        # Accepted: the call is the dialer's now. No lease: the telephony result closes the request.
        RedialRequest.objects.filter(id=request_id).update(
            lease_expires_at=None, provider_call_id=outcome.provider_call_id, last_error="", updated_at=now
        )
        return "dialing"


def _release(request: RedialRequest, now: datetime, error: str, count: bool) -> str:
    """Back to scheduled after a failed dial (retried after an exponential backoff), or failed when this
    was the last allowed dispatch attempt. Returns "released", "failed" or "paused"."""
    qs = RedialRequest.objects.filter(id=request.id)
    if count and request.dispatch_attempts >= settings.DISPATCH_MAX_ATTEMPTS:
        qs.close(
            RedialRequest.FAILED,
            f"dialer failed {request.dispatch_attempts} times",
            now,
            unclaim=True,
            last_error=error,
        )
        logger.warning("dispatch: request %s failed: %s", request.id, error)
        return "failed"
    if count:
        backoff = settings.DISPATCH_RETRY_BACKOFF_SECONDS * 2 ** (request.dispatch_attempts - 1)
        qs.release(due_at=max(request.due_at, now + timedelta(seconds=backoff)), last_error=error)
    else:
        qs.release(undo_dispatch=True)
    return "released" if count else "paused"


def dial_claimed_batch(pairs) -> dict[str, int]:
    """`dial_claimed` for each (id, claim_token) pair; malformed pairs are skipped. Returns counts per outcome."""
    counts: dict[str, int] = defaultdict(int)
    for pair in pairs or ():
        try:
            request_id, token = int(pair[0]), str(pair[1])
        except (TypeError, ValueError, IndexError):
            counts["malformed"] += 1
            continue
        counts[dial_claimed(request_id, token)] += 1
    return dict(counts)
