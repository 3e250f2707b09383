"""What the do-not-call screens read: lists with their sizes, entries by number, counts by source."""

from __future__ import annotations

import re

from django.db.models import Count, QuerySet

from campaigns.models import DoNotCallEntry, DoNotCallList, DoNotCallRemoval, RedialRequest
from campaigns.services import do_not_call

PAGE_SIZE = 50


def lists_with_counts() -> list[DoNotCallList]:
    """Every list (the organisation's first) with `entry_count`."""
    do_not_call.organisation_list()
    lists = DoNotCallList.objects.select_related("campaign").annotate(entry_count=Count("entries"))
    return sorted(lists, key=lambda item: (item.campaign_id is not None, item.campaign.name if item.campaign else ""))


def counts_by_source(do_not_call_list: DoNotCallList) -> list[tuple[str, int]]:
    """(source label, entries) for every source, zeros included, in the Source order."""
    found = dict(
        DoNotCallEntry.objects.filter(list=do_not_call_list)
        .order_by()
        .values_list("source")
        .annotate(n=Count("id"))
        .values_list("source", "n")
    )
    return [(label, found.get(value, 0)) for value, label in DoNotCallEntry.Source.choices]


def search_entries(do_not_call_list: DoNotCallList, q: str) -> QuerySet[DoNotCallEntry]:
    """Entries of the list matching `q`: a whole number (any way it is written) exactly, else by the digits
    it starts with; the newest first, at most PAGE_SIZE. An empty `q` gives the newest entries."""
    entries = DoNotCallEntry.objects.filter(list=do_not_call_list).select_related("added_by")
    q = (q or "").strip()
    if q:
        phone, _problem = do_not_call.check_number(q)
        if phone:
            entries = entries.filter(phone=phone)
        else:
            digits = re.sub(r"\D", "", q)
            entries = entries.filter(phone__startswith="+" + digits) if digits else entries.none()
    return entries.order_by("-id")[:PAGE_SIZE]


def recent_removals(do_not_call_list: DoNotCallList, limit: int = 20) -> list[DoNotCallRemoval]:
    return list(DoNotCallRemoval.objects.filter(list=do_not_call_list).select_related("removed_by")[:limit])


def export_rows(do_not_call_list: DoNotCallList):
    """(phone, source, reason, added by, added at, expires on) of every entry, streamed from the database."""
    entries = (
        DoNotCallEntry.objects.filter(list=do_not_call_list)
        .order_by("phone")
        .values_list("phone", "source", "reason", "added_by__username", "added_at", "expires_on")
    )
    return entries.iterator(chunk_size=5_000)


def last_closed_request(contact) -> RedialRequest | None:
    """The contact's most recently closed callback, or None when it never had one closed."""
    return (
        RedialRequest.objects.filter(contact=contact)
        .exclude(status__in=RedialRequest.OPEN_STATUSES)
        .exclude(closed_at__isnull=True)
        .order_by("-closed_at", "-id")
        .first()
    )
