"""The out-of-hours queue as supervisors see it: who waits for which opening, and when each is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Min, Q
from django.utils import timezone

from campaigns.models import Campaign, RedialRequest
from campaigns.queries.dashboard import CallingNow, calling_now

# A queue whose opening began this long ago is still shown: its calls may still be being made.
RECENT_OPENING = timedelta(hours=12)


@dataclass(frozen=True)
class QueuedCall:
    position: int
    request: RedialRequest


@dataclass(frozen=True)
class OpeningQueue:
    opening_at: datetime
    calls: list[QueuedCall]
    total: int


def upcoming_queues(campaign: Campaign, *, now: datetime | None = None, limit: int = 200) -> list[OpeningQueue]:
    """The campaign's queues for openings still ahead (or under way), earliest opening first, each with
    its open requests in planned order (at most `limit` listed per opening; `total` counts them all)."""
    now = now or timezone.now()
    open_requests = RedialRequest.objects.filter(
        campaign=campaign, status__in=RedialRequest.OPEN_STATUSES, queue_opening_at__isnull=False
    )
    openings = (
        open_requests.filter(due_at__gte=now - RECENT_OPENING)
        .values_list("queue_opening_at", flat=True)
        .distinct()
        .order_by("queue_opening_at")[:5]
    )
    queues = []
    for opening_at in openings:
        in_queue = open_requests.filter(queue_opening_at=opening_at)
        requests = list(in_queue.select_related("contact", "owner").order_by("due_at", "id")[:limit])
        queues.append(
            OpeningQueue(
                opening_at=opening_at,
                calls=[QueuedCall(position, r) for position, r in enumerate(requests, start=1)],
                total=in_queue.count(),
            )
        )
    return queues


@dataclass(frozen=True)
class CampaignQueueLine:
    campaign: Campaign
    waiting: int  # open queued requests not due yet: the opening (or its spaced-out queue) is still ahead
    next_opening_at: datetime | None  # local: the earliest opening someone waits for; None when nobody waits
    calling: CallingNow  # open or closed now, and the next opening by the calendar


def queue_overview(campaigns, *, now: datetime | None = None) -> list[CampaignQueueLine]:
    """Per campaign, how many wait in the out-of-hours queue and for which opening, in one query, beside
    whether the campaign is open now (its calendar's next opening when closed). A queued request already
    due no longer waits for an opening: it is an overdue callback, on the callbacks screen."""
    now = now or timezone.now()
    campaigns = list(campaigns.prefetch_related("business_hours", "holidays"))
    waiting_filter = Q(
        redial_requests__status__in=RedialRequest.OPEN_STATUSES,
        redial_requests__queue_opening_at__isnull=False,
        redial_requests__due_at__gt=now,
    )
    counts = {
        row["pk"]: row
        for row in Campaign.objects.filter(pk__in=[c.pk for c in campaigns])
        .annotate(
            waiting=Count("redial_requests", filter=waiting_filter),
            next_opening=Min("redial_requests__queue_opening_at", filter=waiting_filter),
        )
        .values("pk", "waiting", "next_opening")
    }
    lines = []
    for campaign in campaigns:
        row = counts.get(campaign.pk, {})
        opening = row.get("next_opening")
        lines.append(
            CampaignQueueLine(
                campaign=campaign,
                waiting=row.get("waiting", 0),
                next_opening_at=opening.astimezone(ZoneInfo(campaign.zone)) if opening else None,
                calling=calling_now(campaign, now),
            )
        )
    return lines
