"""What the callbacks screen lists: open redial requests by tab, one keyset page at a time.

Pages are cut on (due_at, id), never by OFFSET, and the tab badges use counts capped at
CAPPED_COUNT, so a page costs the same with half a million open requests as with fifty.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse

from campaigns.models import RedialRequest
from retryadmin.lib.localtime import local
from retryadmin.lib.paging import capped_count, keyset_page

PAGE_SIZE = 50
CAPPED_COUNT = 1_000

UPCOMING, OVERDUE, PERSONAL, COMMON, FAILED = "upcoming", "overdue", "personal", "common", "failed"
TABS = [
    (UPCOMING, "Upcoming"),
    (OVERDUE, "Overdue"),
    (PERSONAL, "Personal"),
    (COMMON, "Common"),
    (FAILED, "Failed"),
]
# Failed requests are history: the newest failure matters first. The others are a queue: soonest first.
NEWEST_FIRST = {FAILED}


def tab_filter(tab: str, now: datetime) -> Q:
    open_ = Q(status__in=RedialRequest.OPEN_STATUSES)
    return {
        UPCOMING: open_ & Q(due_at__gte=now),
        OVERDUE: open_ & Q(due_at__lt=now),
        PERSONAL: open_ & Q(owner__isnull=False),
        COMMON: open_ & Q(owner__isnull=True),
        FAILED: Q(status=RedialRequest.FAILED),
    }[tab]


def scoped(campaign=None, agent=None) -> QuerySet:
    """Redial requests of one campaign and/or one owner; all of them when both are None."""
    qs = RedialRequest.objects.all()
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if agent is not None:
        qs = qs.filter(owner=agent)
    return qs


def tab_queryset(tab: str, now: datetime, campaign=None, agent=None) -> QuerySet:
    order = ("-due_at", "-id") if tab in NEWEST_FIRST else ("due_at", "id")
    return scoped(campaign, agent).filter(tab_filter(tab, now)).order_by(*order)


def tab_counts(now: datetime, campaign=None, agent=None) -> dict[str, tuple[int, bool]]:
    """Per tab: how many requests match, counting at most CAPPED_COUNT + 1, and whether there are more."""
    counts = {}
    for tab, _label in TABS:
        if tab == COMMON and agent is not None:
            counts[tab] = (0, False)
            continue
        counts[tab] = capped_count(scoped(campaign, agent).filter(tab_filter(tab, now)), CAPPED_COUNT)
    return counts


def page_of(qs: QuerySet, tab: str, cursor: tuple[datetime, int] | None):
    """One page of requests after the keyset cursor, and the next page's cursor (None on the last page)."""
    return keyset_page(
        qs.select_related("contact", "campaign", "owner").only(
            "id",
            "due_at",
            "status",
            "source",
            "remarks",
            "explanation",
            "last_error",
            "dispatch_attempts",
            "closed_at",
            "contact__id",
            "contact__name",
            "contact__phone",
            "contact__campaign_id",
            "campaign__id",
            "campaign__name",
            "campaign__zone",
            "owner__id",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
        ),
        "due_at",
        cursor,
        PAGE_SIZE,
        descending=tab in NEWEST_FIRST,
    )


def relative(due_at: datetime, now: datetime) -> str:
    """'in 2 h 5 min', 'overdue 10 min', 'now': how far the due time is from now, to the minute."""
    seconds = int((due_at - now).total_seconds())
    minutes = abs(seconds) // 60
    if minutes == 0:
        return "now"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h" if hours else f"{days} d"
    elif hours:
        text = f"{hours} h {mins} min" if mins else f"{hours} h"
    else:
        text = f"{mins} min"
    return f"in {text}" if seconds > 0 else f"overdue {text}"


def owner_name(user) -> str:
    """The owner's full name or username; "Common" for a request any free agent may take."""
    if user is None:
        return "Common"
    return user.get_full_name() or user.username


_CONTACT_URL_FORMS = (
    lambda c: {"kwargs": {"pk": c.id}},
    lambda c: {"args": [c.id]},
    lambda c: {"kwargs": {"campaign_pk": c.campaign_id, "pk": c.id}},
    lambda c: {"args": [c.campaign_id, c.id]},
)


def contact_url(contact) -> str | None:
    """The contact's detail page when the contacts screen offers one; None when it does not exist."""
    for form in _CONTACT_URL_FORMS:
        try:
            return reverse("campaigns:contact_detail", **form(contact))
        except NoReverseMatch:
            continue
    return None


@dataclass
class Row:
    request: RedialRequest
    due_local: datetime
    due_relative: str
    owner: str
    contact_url: str | None

    @property
    def is_overdue(self) -> bool:
        return self.due_relative.startswith("overdue")


def rows_for(requests: list[RedialRequest], now: datetime) -> list[Row]:
    return [
        Row(
            request=r,
            due_local=local(r.due_at, r.campaign.zone),
            due_relative=relative(r.due_at, now),
            owner=owner_name(r.owner),
            contact_url=contact_url(r.contact),
        )
        for r in requests
    ]


def next_cursor_value(cursor: tuple[datetime, int] | None) -> str:
    if cursor is None:
        return ""
    return f"{cursor[0].isoformat()}|{cursor[1]}"
