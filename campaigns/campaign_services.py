"""Services of the campaign screens: saving a campaign with its calendar, pausing it, and the read
models of the list, the dashboard and the contact list (each a bounded number of queries)."""

from __future__ import annotations

import logging
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Reverse, TruncHour
from django.utils import timezone

from strategies.engine import Calendar, is_allowed_at, next_allowed_at
from strategies.models import Outcome, Strategy

from . import scheduling
from .models import Attempt, BusinessHourWindow, Campaign, Contact, DialPlan, Holiday, RedialRequest

logger = logging.getLogger(__name__)


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


# --- Counts of large campaigns -----------------------------------------------------------------
#
# Counting a campaign's contacts by status, or its attempts by outcome, reads one index entry per
# row: a few milliseconds for a small campaign, 50-150 ms per million rows, on every page view.
# So the counts of a large campaign (COUNTS_CACHE_MIN_ROWS rows or more) are kept in Django's cache
# for COUNTS_CACHE_SECONDS, keyed per campaign, and the pages label them "as of HH:MM". Small
# campaigns are counted live on every request: cheap, and they are the ones where someone adds a
# contact and looks for it at once. Maintained counters would be exact at any size, but they must be
# updated by every transaction that changes a contact's status (campaigns/services.py, imports,
# webhooks) and would make those transactions queue on one counter row per campaign and status.

COUNTS_CACHE_SECONDS = 60
COUNTS_CACHE_MIN_ROWS = 10_000

# ({contact status: n}, when the cached counts were taken, or None when counted just now)
StatusCounts = tuple[dict[str, int], datetime | None]


def _cached_entries(keys: list[str]) -> dict:
    """The cache's entries for `keys`; none when the cache is down (the counts are then taken live)."""
    try:
        return cache.get_many(keys) if keys else {}
    except Exception:
        logger.warning("count cache unavailable; counting live", exc_info=True)
        return {}


def _cache_write(write, *args) -> None:
    """A cache write or delete that a cache outage cannot turn into an error page."""
    try:
        write(*args)
    except Exception:
        logger.warning("count cache unavailable; not stored", exc_info=True)


def _counts_key(kind: str, campaign_id: int, day: date | None = None) -> str:
    return f"campaigns:counts:{kind}:{campaign_id}{':' + day.isoformat() if day else ''}"


def _fresh_counts(entry, now: datetime) -> tuple[dict, datetime] | None:
    """The (counts, as_of) of a cache entry made at most COUNTS_CACHE_SECONDS before `now`; None when there
    is no entry, or it is older (the cache's own expiry is not exact) or newer than `now` (a `now` in the
    past asks for the numbers of then)."""
    if entry is None:
        return None
    as_of, counts = entry
    if not timedelta(0) <= now - as_of < timedelta(seconds=COUNTS_CACHE_SECONDS):
        return None
    return counts, as_of


def _store_if_large(key: str, counts: dict, now: datetime) -> None:
    if sum(counts.values()) >= COUNTS_CACHE_MIN_ROWS:
        _cache_write(cache.set, key, (now, counts), COUNTS_CACHE_SECONDS)


def contact_status_counts(
    campaign_ids, now: datetime | None = None, *, every_campaign: bool = False
) -> dict[int, StatusCounts]:
    """{campaign id: ({contact status: n}, as_of)} for `campaign_ids` (`every_campaign` when they are all the
    campaigns there are). `as_of` is when cached counts were taken, None for counts taken just now. At most
    one query: one GROUP BY on the (campaign, status) index over the campaigns without fresh cached counts."""
    now = now or timezone.now()
    keys = {campaign_id: _counts_key("contacts", campaign_id) for campaign_id in campaign_ids}
    cached = _cached_entries(list(keys.values()))
    result: dict[int, StatusCounts] = {}
    for campaign_id, key in keys.items():
        fresh = _fresh_counts(cached.get(key), now)
        if fresh is not None:
            result[campaign_id] = fresh
    missing = [campaign_id for campaign_id in keys if campaign_id not in result]
    if not missing:
        return result
    counted: dict[int, dict[str, int]] = {campaign_id: {} for campaign_id in missing}
    rows = Contact.objects.order_by()
    if not (every_campaign and len(missing) == len(keys)):
        # Not when counting every campaign: with an IN list of all of them PostgreSQL reads the table, without
        # one it reads the (campaign, status) index alone.
        rows = rows.filter(campaign_id__in=missing)
    # COUNT(*), not COUNT(id): the (campaign, status) index holds no id, so counting ids visits every row.
    for campaign_id, status, n in rows.values_list("campaign_id", "status").annotate(n=Count("*")):
        if campaign_id in counted:  # not a campaign created since the caller listed them
            counted[campaign_id][status] = n
    for campaign_id, counts in counted.items():
        _store_if_large(keys[campaign_id], counts, now)
        result[campaign_id] = (counts, None)
    return result


def forget_counts(campaign: Campaign) -> None:
    """Drop the campaign's cached contact counts, after a change its manager will look for at once."""
    _cache_write(cache.delete, _counts_key("contacts", campaign.pk))


# --- Campaign list -------------------------------------------------------------------------------


def campaigns_with_counts(now: datetime | None = None):
    """Every campaign with `status_counts` {contact status: n}, `status_row` (the counts in
    Contact.STATUS_CHOICES order), `contact_total` and `counts_as_of` (when cached counts were taken,
    None when counted now): two queries at most, one when every campaign's counts are cached."""
    campaigns = list(Campaign.objects.select_related("dial_plan").order_by("name"))
    counts = contact_status_counts([campaign.pk for campaign in campaigns], now, every_campaign=True)
    for campaign in campaigns:
        campaign.status_counts, campaign.counts_as_of = counts[campaign.pk]
        campaign.contact_total = sum(campaign.status_counts.values())
        campaign.status_row = [campaign.status_counts.get(code, 0) for code, _ in Contact.STATUS_CHOICES]
    return campaigns


# --- Open now? -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallingNow:
    """Whether a campaign's calendar allows calls at one instant, for the dashboard and the floor view."""

    zone: str
    is_open: bool
    until_at: datetime | None = None  # local: when open, the end of the current window (None: no window holds now)
    opens_at: datetime | None = None  # local: when closed, the next opening (None: none within a year)

    @property
    def text(self) -> str:
        if self.is_open:
            return f"Open now until {self.until_at:%H:%M}" if self.until_at else "Open now"
        if self.opens_at is None:
            return "Closed now — no opening within a year"
        return f"Closed now — opens {self.opens_at:%a %H:%M} ({self.zone})"


def _window_end(calendar: Calendar, local_now: datetime) -> datetime | None:
    """The local instant the business-hours window holding `local_now` ends (adjacent windows chained, the
    contact window and the campaign's end applied). Returns None when no window holds `local_now`."""
    minute = local_now.hour * 60 + local_now.minute
    end = None
    for window in sorted(calendar.business_hours[local_now.weekday()], key=lambda w: w.start_minute):
        if window.start_minute <= minute < window.end_minute or (end is not None and window.start_minute <= end):
            end = max(end or 0, window.end_minute)
    if end is None:
        return None
    if (
        calendar.contact_window is not None
        and calendar.contact_window.start_minute <= minute < calendar.contact_window.end_minute
    ):
        end = min(end, calendar.contact_window.end_minute)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    # Wall-clock arithmetic: "until 17:00" is read on the local clock even on a DST day.
    until = midnight + timedelta(minutes=end)
    if calendar.end_at is not None:
        until = min(until, calendar.end_at.astimezone(local_now.tzinfo))
    return until


def calling_now(campaign: Campaign, now: datetime | None = None, calendar: Calendar | None = None) -> CallingNow:
    """Whether the campaign may call at `now` by its calendar alone (business hours, holidays, contact window
    in the campaign's zone, start and end; no contact's history), with the window's end when open, or the
    next opening when closed. Pass `calendar` when the caller already built it (else two queries, or none
    with prefetch_related("business_hours", "holidays")). The campaign's status (paused, ended) is not read."""
    now = now or timezone.now()
    calendar = calendar or scheduling.calendar_for(campaign)
    zone = zoneinfo.ZoneInfo(campaign.zone)
    if is_allowed_at(calendar, now, []):
        return CallingNow(zone=campaign.zone, is_open=True, until_at=_window_end(calendar, now.astimezone(zone)))
    allowed = next_allowed_at(calendar, now, [])
    if allowed is None:
        return CallingNow(zone=campaign.zone, is_open=False)
    # The opening itself, not the opening plus the opening delay: that is when the campaign opens.
    opens_at = allowed.opening_at or allowed.at
    return CallingNow(zone=campaign.zone, is_open=False, opens_at=opens_at.astimezone(zone))


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
    # When the cached counts were taken; None when counted for this request.
    contacts_as_of: datetime | None = None
    earlier_attempts_as_of: datetime | None = None

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


def _outcome_counts(attempts) -> dict[int, int]:
    """{outcome id: attempts}: grouped on the outcome id the (campaign, started_at) index covers, without a join."""
    return dict(attempts.order_by().values_list("outcome_id").annotate(n=Count("*")))


def _earlier_outcome_counts(campaign: Campaign, midnight: datetime, now: datetime):
    """({outcome id: attempts started before the campaign's local midnight}, as_of or None): the campaign's
    history, cached when large. Keyed by the local date, so a new day starts a new entry."""
    key = _counts_key("earlier-attempts", campaign.pk, midnight.date())
    fresh = _fresh_counts(_cached_entries([key]).get(key), now)
    if fresh is not None:
        return fresh
    counts = _outcome_counts(Attempt.objects.filter(campaign=campaign, started_at__lt=midnight))
    _store_if_large(key, counts, now)
    return counts, None


def _named(counts: dict[int, int], outcomes: dict[int, tuple[str, bool]]) -> list[tuple[str, bool, int]]:
    rows = ((*outcomes[outcome_id], n) for outcome_id, n in counts.items() if n)
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def campaign_dashboard(campaign: Campaign, now: datetime | None = None) -> Dashboard:
    """The campaign's numbers in at most six queries, whatever its size: contacts by status, attempts by
    outcome today (the campaign's local day, up to `now`) and over the campaign, retries due per hour for
    the next DUE_HOURS hours, and the overdue ones.

    Today's attempts are counted live through the (campaign, started_at) index, so they cost a day's
    rows, not the campaign's. "Over the campaign" is the earlier days' counts plus today's, and the
    earlier days' counts and the contacts by status come from the cache when the campaign is large
    (see COUNTS_CACHE_MIN_ROWS): `contacts_as_of` and `earlier_attempts_as_of` say when they were taken.
    """
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(campaign.zone)
    local_now = now.astimezone(zone)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)

    status_counts, contacts_as_of = contact_status_counts([campaign.pk], now)[campaign.pk]
    contacts_by_status = [(code, label, status_counts.get(code, 0)) for code, label in Contact.STATUS_CHOICES]

    today = _outcome_counts(Attempt.objects.filter(campaign=campaign, started_at__gte=midnight, started_at__lte=now))
    earlier, earlier_as_of = _earlier_outcome_counts(campaign, midnight, now)
    overall = {outcome_id: earlier.get(outcome_id, 0) + today.get(outcome_id, 0) for outcome_id in {*earlier, *today}}
    outcomes = {
        pk: (name, connected)
        for pk, name, connected in Outcome.objects.filter(pk__in=overall).values_list("pk", "name", "is_connected")
    }
    today_rows, overall_rows = _named(today, outcomes), _named(overall, outcomes)

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
        today_by_outcome=today_rows,
        all_by_outcome=overall_rows,
        today_total=sum(r[2] for r in today_rows),
        today_connected=sum(r[2] for r in today_rows if r[1]),
        all_total=sum(r[2] for r in overall_rows),
        all_connected=sum(r[2] for r in overall_rows if r[1]),
        due_by_hour=due_by_hour,
        overdue=overdue,
        local_now=local_now,
        contacts_as_of=contacts_as_of,
        earlier_attempts_as_of=earlier_as_of,
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
