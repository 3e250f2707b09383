"""The call report: which attempts match the filters, their summary, their rows and their CSV.

Dates in filters are local dates. With one campaign chosen they are read in that campaign's zone;
with none, each campaign's own zone is used for its own attempts, so "1 March" always means the
campaign's 1 March, as its supervisor sees it on the floor.
"""

import csv
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from campaigns.models import Attempt, Campaign
from retryadmin.lib.localtime import local, zone_of
from retryadmin.lib.paging import Cursor, keyset_page
from strategies.models import Outcome

PAGE_SIZE = 50


CSV_CHUNK_SIZE = 2_000
# Keys of a contact's custom fields that hold where a lead came from (Lead Connect, the widget), shown
# in their own "UTM source" column ("google.com - cpc"): the Source column says only how the call was
# made, so it matches the Source filter.
LEAD_ORIGIN_KEYS = (("utm_source", "source"), ("utm_medium", "medium"))


CSV_HEADER = [
    "time",
    "time zone",
    "campaign",
    "contact",
    "phone",
    "attempt",
    "outcome",
    "outcome code",
    "connected",
    "call result",
    "agent",
    "duration (s)",
    "source",
    "utm source",
]


def local_today(campaign: Campaign | None) -> date:
    """Today in the campaign's zone; with no campaign chosen, the latest "today" of any campaign's zone.

    Each campaign's calls are filtered by their own local dates, so a site-zone (UTC) today would leave
    out the calls a campaign ahead of UTC (Asia/Kolkata after 18:30 UTC) made on its own today.
    """
    now = timezone.now()
    if campaign is None:
        zones = set(Campaign.objects.values_list("zone", flat=True))
        return max((local(now, z).date() for z in zones), default=timezone.localdate(now))
    return local(now, campaign.zone).date()


def _local_bounds(zone: str, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The instants where local date_from starts and where the day after local date_to starts."""
    tz = zone_of(zone)
    return (
        datetime.combine(date_from, time.min, tzinfo=tz),
        datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz),
    )


def _local_range_q(zone: str, date_from: date, date_to: date) -> Q:
    start, end = _local_bounds(zone, date_from, date_to)
    return Q(started_at__gte=start, started_at__lt=end)


def date_range_q(campaign: Campaign | None, date_from: date, date_to: date) -> Q:
    """The local-date range as a filter: in the campaign's zone, or each campaign's own zone."""
    if campaign is not None:
        return _local_range_q(campaign.zone, date_from, date_to)
    zones = sorted(set(Campaign.objects.values_list("zone", flat=True)))
    if len(zones) <= 1:
        # One zone for every campaign: a plain range, which the started_at index serves directly.
        return _local_range_q(zones[0] if zones else "UTC", date_from, date_to)
    # The plain range spanning every zone's range, minus, per zone, the edges outside that zone's own
    # range. Written as exclusions rather than an OR of ranges, the planner estimates the rows as
    # those of the plain range and walks the covering started_at index newest first, instead of
    # gathering and sorting the whole range when another filter (a source, an outcome) is rare.
    bounds = {z: _local_bounds(z, date_from, date_to) for z in zones}
    earliest = min(start for start, _end in bounds.values())
    latest = max(end for _start, end in bounds.values())
    q = Q(started_at__gte=earliest, started_at__lt=latest)
    for zone, (start, end) in bounds.items():
        if start > earliest:
            q &= ~Q(campaign__zone=zone, started_at__lt=start)
        if end < latest:
            q &= ~Q(campaign__zone=zone, started_at__gte=end)
    return q


def filter_attempts(data: dict) -> QuerySet:
    """Attempts matching a valid ReportFilterForm's cleaned_data, newest first."""
    qs = Attempt.objects.all()
    campaign = data.get("campaign")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    qs = qs.filter(date_range_q(campaign, data["date_from"], data["date_to"]))
    for field in ("outcome", "call_result", "agent"):
        if data.get(field) is not None:
            qs = qs.filter(**{field: data[field]})
    if data.get("source"):
        qs = qs.filter(source=data["source"])
    return qs.order_by("-started_at", "-id")


@dataclass(frozen=True)
class Summary:
    attempts: int
    connected: int
    total_seconds: int

    @property
    def connect_rate(self) -> float | None:
        """Connected attempts per attempt in percent; None when there were no attempts."""
        if not self.attempts:
            return None
        return 100.0 * self.connected / self.attempts

    @property
    def talk_time(self) -> str:
        """Total call time as '3 h 05 min' (or '12 min')."""
        hours, rest = divmod(self.total_seconds, 3600)
        minutes = rest // 60
        return f"{hours:,} h {minutes:02d} min" if hours else f"{minutes} min"


def summarize(qs: QuerySet) -> Summary:
    """Attempts, connected attempts and talk time of the filtered attempts, in one aggregate query."""
    connected_ids = Outcome.objects.filter(is_connected=True).values("id")
    row = qs.order_by().aggregate(
        attempts=Count("id"),
        connected=Count("id", filter=Q(outcome_id__in=connected_ids)),
        total_seconds=Sum("duration_seconds"),
    )
    return Summary(attempts=row["attempts"], connected=row["connected"], total_seconds=row["total_seconds"] or 0)


def report_rows(qs: QuerySet) -> QuerySet:
    """The columns a report row or CSV line needs, joined in the same query."""
    return qs.select_related("campaign", "contact", "outcome", "call_result", "agent").only(
        "id",
        "number",
        "started_at",
        "duration_seconds",
        "source",
        "campaign__name",
        "campaign__zone",
        "contact__name",
        "contact__phone",
        "contact__custom_fields",
        "outcome__name",
        "outcome__code",
        "outcome__is_connected",
        "call_result__name",
        "agent__username",
        "agent__first_name",
        "agent__last_name",
    )


def lead_origin(contact) -> list[str]:
    """Where the contact's lead came from (e.g. ["google.com", "cpc"]); empty when not known."""
    fields = contact.custom_fields if isinstance(contact.custom_fields, dict) else {}
    parts = []
    for keys in LEAD_ORIGIN_KEYS:
        for key in keys:
            value = fields.get(key)
            if value not in (None, ""):
                parts.append(str(value))
                break
    return parts


def source_label(attempt: Attempt) -> str:
    """How the call was made, as the Source filter names it: "Auto", "Manual", "Lead" or "Callback"."""
    return attempt.get_source_display()


def utm_label(attempt: Attempt) -> str:
    """Where the contact's lead came from ("google.com - cpc"); "" when not known."""
    return " - ".join(lead_origin(attempt.contact))


def local_started_at(attempt: Attempt) -> datetime:
    return local(attempt.started_at, attempt.campaign.zone)


def agent_name(user) -> str:
    """The agent's full name, or username; "" when the attempt had no agent (an auto-dialed miss)."""
    if user is None:
        return ""
    return user.get_full_name() or user.username


def page_of(qs: QuerySet, cursor: Cursor | None) -> tuple[list[Attempt], Cursor | None]:
    """One page of rows after the keyset cursor (started_at, id), newest first, and the cursor of the
    next page (None on the last page)."""
    return keyset_page(report_rows(qs), "started_at", cursor, PAGE_SIZE, descending=True)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value):
        return value


def csv_lines(qs: QuerySet):
    """The header and one CSV line per attempt, read from the database in chunks."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for attempt in report_rows(qs).iterator(chunk_size=CSV_CHUNK_SIZE):
        yield writer.writerow(
            [
                local_started_at(attempt).strftime("%Y-%m-%d %H:%M:%S"),
                attempt.campaign.zone,
                attempt.campaign.name,
                attempt.contact.name,
                attempt.contact.phone,
                attempt.number,
                attempt.outcome.name,
                attempt.outcome.code,
                "yes" if attempt.outcome.is_connected else "no",
                attempt.call_result.name if attempt.call_result else "",
                agent_name(attempt.agent),
                "" if attempt.duration_seconds is None else attempt.duration_seconds,
                source_label(attempt),
                utm_label(attempt),
            ]
        )
