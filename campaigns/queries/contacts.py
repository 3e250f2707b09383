"""The contacts list of a campaign (filters, keyset pages) and one contact's timeline."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Reverse

from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from retryadmin.lib.paging import COUNT_CAP, capped_count

PAGE_SIZE = 50


@dataclass
class ContactPage:
    contacts: list[Contact]
    count: int  # matches, capped at COUNT_CAP
    count_capped: bool
    next_after: int | None  # id to pass as ?after= for the next page, None on the last page
    previous_before: int | None  # id to pass as ?before= for the previous page, None on the first page


def filter_contacts(campaign: Campaign, *, q: str = "", status: str = "", zone: str = "", callback: str = ""):
    """The campaign's contacts matching the list's filters (unordered, unsliced).

    `q` of three digits or more (and no letters) matches phone numbers by their start or end, else names
    by any part, case-insensitively. On PostgreSQL both searches use indexes (migration 0006): the start
    a (campaign, phone) pattern index, the end the same over the reversed number, and names a trigram
    index; a name query shorter than three characters has no trigram and scans the campaign's contacts.
    """
    contacts = Contact.objects.filter(campaign=campaign)
    if status:
        contacts = contacts.filter(status=status)
    if zone:
        contacts = contacts.filter(zone=zone)
    open_request = RedialRequest.objects.filter(
        contact=OuterRef("pk"), campaign=campaign, status__in=RedialRequest.OPEN_STATUSES
    )
    if callback == "yes":
        contacts = contacts.filter(Exists(open_request))
    elif callback == "no":
        contacts = contacts.filter(~Exists(open_request))
    return match_contacts(contacts, q)


def match_contacts(contacts, q: str):
    """`contacts` narrowed to those `q` finds, as filter_contacts searches; `contacts` unchanged for a blank `q`.

    The phone indexes of migration 0006 lead with the campaign: a caller searching across campaigns (the admin)
    filters `contacts` by a list of campaign ids first, so a number is still a range scan per campaign.
    """
    q = q.strip()
    if not q:
        return contacts
    digits = "".join(ch for ch in q if ch.isdigit())
    if digits and len(digits) >= 3 and not any(ch.isalpha() for ch in q):
        # A number: match E.164 by its start (with or without the +) or its end (local digits). The end
        # is matched as the start of the reversed number: a LIKE '%digits' can use no index.
        return contacts.alias(phone_reversed=Reverse("phone")).filter(
            Q(phone__startswith="+" + digits) | Q(phone_reversed__startswith=digits[::-1])
        )
    return contacts.filter(name__icontains=q)


def contact_page(contacts, *, after: int | None = None, before: int | None = None) -> ContactPage:
    """One page of `contacts` in id order by keyset (`after`/`before` an id): no OFFSET scans, and
    the count stops at COUNT_CAP."""
    open_due = RedialRequest.objects.filter(
        contact=OuterRef("pk"), campaign=OuterRef("campaign_id"), status__in=RedialRequest.OPEN_STATUSES
    ).values("due_at")[:1]
    page_qs = contacts.annotate(open_due_at=Subquery(open_due))
    if before is not None:
        rows = list(page_qs.filter(pk__lt=before).order_by("-pk")[: PAGE_SIZE + 1])
        has_more_before = len(rows) > PAGE_SIZE
        rows = list(reversed(rows[:PAGE_SIZE]))
        has_more_after = True
    else:
        if after is not None:
            page_qs = page_qs.filter(pk__gt=after)
        rows = list(page_qs.order_by("pk")[: PAGE_SIZE + 1])
        has_more_after = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        has_more_before = after is not None
    count, count_capped = capped_count(contacts, COUNT_CAP)
    return ContactPage(
        contacts=rows,
        count=count,
        count_capped=count_capped,
        next_after=rows[-1].pk if rows and has_more_after else None,
        previous_before=rows[0].pk if rows and has_more_before else None,
    )


def contact_timeline(contact: Contact):
    """The contact's attempts, newest first, with what the timeline shows, in one query."""
    return list(
        Attempt.objects.filter(contact=contact)
        .select_related("outcome", "call_result", "agent", "redial_request")
        .order_by("-started_at", "-id")
    )


def open_redial_request(contact: Contact) -> RedialRequest | None:
    """The contact's open callback in its campaign, or None when it has none."""
    return (
        RedialRequest.objects.filter(
            contact=contact, campaign_id=contact.campaign_id, status__in=RedialRequest.OPEN_STATUSES
        )
        .select_related("owner", "created_by")
        .first()
    )
