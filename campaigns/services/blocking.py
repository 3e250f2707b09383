"""Fault isolation per campaign: a campaign whose data the scheduler cannot handle is marked blocked.

Dispatch, allocation, lead intake and wrap-up catch what one campaign's data does to the engine (a
ValueError for a delay it refuses, an OverflowError, a bug), record it here and go on with the other
campaigns. The campaign's screens show "dispatch blocked: <reason>" until a run succeeds for it again.
The error is logged once per change of reason, not on every beat run.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from campaigns.models import Campaign

logger = logging.getLogger("campaigns.blocking")

REASON_MAX = 500
DISPATCH, ALLOCATION, LEAD_INTAKE, WRAP_UP = "dispatch", "allocation", "lead intake", "wrap-up"


def describe(exc: BaseException) -> str:
    """The reason shown for `exc`: its type and message, cut to a length the screens can show."""
    text = str(exc).strip()
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:REASON_MAX]


def block_campaign(campaign_id: int, reason: str, *, where: str, now: datetime | None = None) -> bool:
    """Record that `where` (dispatch, allocation, lead intake, wrap-up) failed for the campaign. Logs and
    returns True when the reason changed; otherwise only refreshes the time (which paces dispatch's retries)."""
    now = now or timezone.now()
    reason = f"{where}: {reason}"[:REASON_MAX]
    # QuerySet.update leaves updated_at alone: it tells "edited since it was blocked" apart.
    changed = (
        Campaign.objects.filter(pk=campaign_id)
        .exclude(dispatch_blocked_reason=reason)
        .update(dispatch_blocked_reason=reason, dispatch_blocked_at=now)
    )
    if changed:
        logger.error("campaign %s blocked: %s", campaign_id, reason)
        return True
    Campaign.objects.filter(pk=campaign_id).update(dispatch_blocked_at=now)
    return False


def clear_blocks(campaign_ids, *, where: str) -> int:
    """Clear the block of these campaigns where it was set by `where` (a success there proves nothing about
    the others). Logs each cleared campaign once. Returns how many were cleared."""
    mine = Campaign.objects.filter(pk__in=list(campaign_ids), dispatch_blocked_reason__startswith=f"{where}: ")
    ids = list(mine.values_list("pk", flat=True))
    if not ids:
        return 0
    cleared = Campaign.objects.filter(pk__in=ids).update(dispatch_blocked_reason="", dispatch_blocked_at=None)
    for campaign_id in ids:
        logger.warning("campaign %s unblocked: %s works again", campaign_id, where)
    return cleared
