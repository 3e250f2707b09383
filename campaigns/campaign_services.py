"""Services of the campaign screens: saving a campaign with its calendar, pausing it, and the read
models of the list, the dashboard and the contact list (each a bounded number of queries)."""

from __future__ import annotations

import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import TruncHour
from django.utils import timezone

from strategies.models import Strategy

from .models import Attempt, BusinessHourWindow, Campaign, Contact, DialPlan, Holiday, RedialRequest


def generate_lead_api_key() -> str:
    return secrets.token_urlsafe(32)


def dial_plan_for(telephony: Strategy | None, business: Strategy | None) -> DialPlan | None:
    """The dial plan holding exactly this pair of strategies, created when none does yet.

    Returns None when both are empty: the campaign then retries nothing by strategy.
    """
    if telephony is None and business is None:
        return None
    existing = DialPlan.objects.filter(telephony_strategy=telephony, business_strategy=business).order_by("pk").first()
    if existing:
        return existing
    base = " + ".join(s.name for s in (telephony, business) if s is not None)[:110]
    name, suffix = base, 2
    while DialPlan.objects.filter(name=name).exists():
        name, suffix = f"{base} ({suffix})", suffix + 1
    return DialPlan.objects.create(name=name, telephony_strategy=telephony, business_strategy=business)


def save_campaign(
    campaign: Campaign,
    *,
    telephony_strategy: Strategy | None,
    business_strategy: Strategy | None,
    windows: list[tuple[int, int, int]],
    holidays: list[tuple[date, str]],
) -> Campaign:
    """Save a validated campaign with its dial plan, business hours (weekday, start, end) and holidays
    (date, name), all in one transaction: the calendar is replaced, never merged."""
    with transaction.atomic():
        campaign.dial_plan = dial_plan_for(telephony_strategy, business_strategy)
        if campaign.pk is None and not campaign.lead_api_key:
            campaign.lead_api_key = generate_lead_api_key()
        campaign.save()
        campaign.business_hours.all().delete()
        BusinessHourWindow.objects.bulk_create(
            BusinessHourWindow(campaign=campaign, weekday=weekday, start_minute=start, end_minute=end)
            for weekday, start, end in windows
        )
        campaign.holidays.all().delete()
        Holiday.objects.bulk_create(Holiday(campaign=campaign, date=day, name=name) for day, name in holidays)
    return campaign


def pause_campaign(campaign: Campaign) -> bool:
    """Pause an active campaign; False (and no change) when it was not active."""
    return _move_status(campaign, Campaign.ACTIVE, Campaign.PAUSED)


def resume_campaign(campaign: Campaign) -> bool:
    """Resume a paused campaign; False (and no change) when it was not paused (an ended one stays ended)."""
    return _move_status(campaign, Campaign.PAUSED, Campaign.ACTIVE)


def _move_status(campaign: Campaign, expected: str, new: str) -> bool:
    # A conditional UPDATE: two managers pressing at once cannot flip it twice.
    changed = Campaign.objects.filter(pk=campaign.pk, status=expected).update(status=new, updated_at=timezone.now())
    campaign.refresh_from_db(fields=["status", "updated_at"])
    return bool(changed)


# --- Campaign list -------------------------------------------------------------------------------


def campaigns_with_counts():
    """Every campaign with `status_counts` {contact status: n}, `status_row` (the counts in
    Contact.STATUS_CHOICES order) and `contact_total`: two queries in all,
    the counts from one GROUP BY on the (campaign, status) index."""
    campaigns = list(Campaign.objects.select_related("dial_plan").order_by("name"))
    counts: dict[int, dict[str, int]] = {}
    for campaign_id, status, n in (
        Contact.objects.order_by().values_list("campaign_id", "status").annotate(n=Count("id"))
    ):
        counts.setdefault(campaign_id, {})[status] = n
    for campaign in campaigns:
        campaign.status_counts = counts.get(campaign.pk, {})
        campaign.contact_total = sum(campaign.status_counts.values())
        campaign.status_row = [campaign.status_counts.get(code, 0) for code, _ in Contact.STATUS_CHOICES]
    return campaigns


# --- Dashboard -----------------------------------------------------------------------------------

DUE_HOURS = 12


@dataclass
class Dashboard:
    contacts_by_status: list[tuple[str, str, int]]  # (code, label, n) for every status
    contact_total: int
    today_by_outcome: list[tuple[str, bool, int]]  # (outcome name, connected, n), most first
    all_by_outcome: list[tuple[str, bool, int]]
    today_total: int
    today_connected: int
    all_total: int
    all_connected: int
    due_by_hour: list[tuple[datetime, int]]  # local hour start, n; DUE_HOURS rows
    overdue: int
    local_now: datetime

    @staticmethod
    def rate(connected: int, total: int) -> float | None:
        """Connected share in percent, or None when there were no attempts."""
        return round(connected * 100 / total, 1) if total else None

    @property
    def today_rate(self) -> float | None:
        return self.rate(self.today_connected, self.today_total)

    @property
    def all_rate(self) -> float | None:
        return self.rate(self.all_connected, self.all_total)

    @property
    def due_total(self) -> int:
        return sum(n for _, n in self.due_by_hour)


def _by_outcome(attempts) -> list[tuple[str, bool, int]]:
    rows = attempts.order_by().values_list("outcome__name", "outcome__is_connected").annotate(n=Count("id"))
    return sorted(((name, connected, n) for name, connected, n in rows), key=lambda r: (-r[2], r[0]))


def campaign_dashboard(campaign: Campaign, now: datetime | None = None) -> Dashboard:
    """The campaign's numbers in five queries, whatever its size: contacts by status, attempts by
    outcome today (the campaign's local day) and overall, retries due per hour for the next
    DUE_HOURS hours, and the overdue ones."""
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(campaign.zone)
    local_now = now.astimezone(zone)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)

    status_counts = dict(
        Contact.objects.filter(campaign=campaign).order_by().values_list("status").annotate(n=Count("id"))
    )
    contacts_by_status = [(code, label, status_counts.get(code, 0)) for code, label in Contact.STATUS_CHOICES]

    attempts = Attempt.objects.filter(campaign=campaign)
    today = _by_outcome(attempts.filter(started_at__gte=midnight, started_at__lte=now))
    overall = _by_outcome(attempts)

    hour_start = local_now.replace(minute=0, second=0, microsecond=0)
    horizon = hour_start + timedelta(hours=DUE_HOURS)
    scheduled = RedialRequest.objects.filter(campaign=campaign, status=RedialRequest.SCHEDULED)
    due_rows = (
        scheduled.filter(due_at__gte=now, due_at__lt=horizon)
        .annotate(hour=TruncHour("due_at", tzinfo=zone))
        .order_by()
        .values_list("hour")
        .annotate(n=Count("id"))
    )
    due = {hour.astimezone(zone).replace(tzinfo=None): n for hour, n in due_rows}
    due_by_hour = []
    for step in range(DUE_HOURS):
        # Step in UTC so a DST change neither repeats nor skips an hour.
        local_hour = (hour_start + timedelta(hours=step)).astimezone(zone)
        due_by_hour.append((local_hour, due.get(local_hour.replace(tzinfo=None), 0)))
    overdue = scheduled.filter(due_at__lt=now).count()

    return Dashboard(
        contacts_by_status=contacts_by_status,
        contact_total=sum(status_counts.values()),
        today_by_outcome=today,
        all_by_outcome=overall,
        today_total=sum(r[2] for r in today),
        today_connected=sum(r[2] for r in today if r[1]),
        all_total=sum(r[2] for r in overall),
        all_connected=sum(r[2] for r in overall if r[1]),
        due_by_hour=due_by_hour,
        overdue=overdue,
        local_now=local_now,
    )


# --- Contact list --------------------------------------------------------------------------------

PAGE_SIZE = 50
# The list counts matches only up to here: COUNT(*) over a million rows on every page view is slow,
# "10,000+" is as useful to a person.
COUNT_CAP = 10_000


@dataclass
class ContactPage:
    contacts: list[Contact]
    count: int  # matches, capped at COUNT_CAP
    count_capped: bool
    next_after: int | None  # id to pass as ?after= for the next page, None on the last page
    previous_before: int | None  # id to pass as ?before= for the previous page, None on the first page


def filter_contacts(campaign: Campaign, *, q: str = "", status: str = "", zone: str = "", callback: str = ""):
    """The campaign's contacts matching the list's filters (unordered, unsliced)."""
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
    q = q.strip()
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        if digits and len(digits) >= 3 and not any(ch.isalpha() for ch in q):
            # A number: match E.164 by its start (with or without the +) or its end (local digits).
            contacts = contacts.filter(Q(phone__startswith="+" + digits) | Q(phone__endswith=digits))
        else:
            contacts = contacts.filter(name__icontains=q)
    return contacts


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
    count = contacts.order_by().values("pk")[: COUNT_CAP + 1].count()
    return ContactPage(
        contacts=rows,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
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
        .select_related("owner")
        .first()
    )
