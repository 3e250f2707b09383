"""A campaign's dashboard and its open-now line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone

from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from campaigns.queries.counts import cached_entries, contact_status_counts, counts_key, fresh_counts, store_if_large
from campaigns.services import blocking, scheduling
from retryadmin.lib.localtime import local, zone_of
from strategies.engine import Calendar, is_allowed_at, next_allowed_at
from strategies.models import Outcome


@dataclass(frozen=True)
class CallingNow:
    """Whether a campaign's calendar allows calls at one instant, for the dashboard and the floor view."""

    zone: str
    is_open: bool
    until_at: datetime | None = None  # local: when open, the end of the current window (None: no window holds now)
    opens_at: datetime | None = None  # local: when closed, the next opening (None: none within a year)
    error: str = ""  # the campaign's calendar could not be read (its dispatch is blocked for the same reason)

    @property
    def text(self) -> str:
        if self.error:
            return f"Calendar unreadable: {self.error}"
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
    try:
        return _calling_now(campaign, now, calendar)
    except Exception as exc:  # one campaign's bad row must not take the dashboard or the floor down
        return CallingNow(zone=campaign.zone, is_open=False, error=blocking.describe(exc))


def _calling_now(campaign: Campaign, now: datetime, calendar: Calendar | None) -> CallingNow:
    # Attempt rules never close a campaign to a contact without history: they are not read.
    calendar = calendar or scheduling.calendar_for(campaign, attempt_rules=())
    if is_allowed_at(calendar, now, []):
        return CallingNow(zone=campaign.zone, is_open=True, until_at=_window_end(calendar, local(now, campaign.zone)))
    allowed = next_allowed_at(calendar, now, [])
    if allowed is None:
        return CallingNow(zone=campaign.zone, is_open=False)
    # The opening itself, not the opening plus the opening delay: that is when the campaign opens.
    opens_at = allowed.opening_at or allowed.at
    return CallingNow(zone=campaign.zone, is_open=False, opens_at=local(opens_at, campaign.zone))


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
    key = counts_key("earlier-attempts", campaign.pk, midnight.date())
    fresh = fresh_counts(cached_entries([key]).get(key), now)
    if fresh is not None:
        return fresh
    counts = _outcome_counts(Attempt.objects.filter(campaign=campaign, started_at__lt=midnight))
    store_if_large(key, counts, now)
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
    zone = zone_of(campaign.zone)
    local_now = local(now, campaign.zone)
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
