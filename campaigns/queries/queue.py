"""The out-of-hours queue as supervisors see it: who waits for which opening, and when each is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from campaigns.models import Campaign, RedialRequest


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
        open_requests.filter(due_at__gte=now - timedelta(hours=12))
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
