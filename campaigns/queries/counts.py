"""Contact status counts per campaign, cached for large campaigns and forgotten when contacts change."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from campaigns.models import Campaign, Contact

logger = logging.getLogger(__name__)


COUNTS_CACHE_SECONDS = 60


COUNTS_CACHE_MIN_ROWS = 10_000


# ({contact status: n}, when the cached counts were taken, or None when counted just now)
StatusCounts = tuple[dict[str, int], datetime | None]


def cached_entries(keys: list[str]) -> dict:
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


def counts_key(kind: str, campaign_id: int, day: date | None = None) -> str:
    return f"campaigns:counts:{kind}:{campaign_id}{':' + day.isoformat() if day else ''}"


def fresh_counts(entry, now: datetime) -> tuple[dict, datetime] | None:
    """The (counts, as_of) of a cache entry made at most COUNTS_CACHE_SECONDS before `now`; None when there
    is no entry, or it is older (the cache's own expiry is not exact) or newer than `now` (a `now` in the
    past asks for the numbers of then)."""
    if entry is None:
        return None
    as_of, counts = entry
    if not timedelta(0) <= now - as_of < timedelta(seconds=COUNTS_CACHE_SECONDS):
        return None
    return counts, as_of


def store_if_large(key: str, counts: dict, now: datetime) -> None:
    if sum(counts.values()) >= COUNTS_CACHE_MIN_ROWS:
        _cache_write(cache.set, key, (now, counts), COUNTS_CACHE_SECONDS)


def contact_status_counts(
    campaign_ids, now: datetime | None = None, *, every_campaign: bool = False
) -> dict[int, StatusCounts]:
    """{campaign id: ({contact status: n}, as_of)} for `campaign_ids` (`every_campaign` when they are all the
    campaigns there are). `as_of` is when cached counts were taken, None for counts taken just now. At most
    one query: one GROUP BY on the (campaign, status) index over the campaigns without fresh cached counts."""
    now = now or timezone.now()
    keys = {campaign_id: counts_key("contacts", campaign_id) for campaign_id in campaign_ids}
    cached = cached_entries(list(keys.values()))
    result: dict[int, StatusCounts] = {}
    for campaign_id, key in keys.items():
        fresh = fresh_counts(cached.get(key), now)
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
        store_if_large(keys[campaign_id], counts, now)
        result[campaign_id] = (counts, None)
    return result


def forget_counts(campaign: Campaign) -> None:
    """Drop the campaign's cached contact counts, after a change its manager will look for at once."""
    _cache_write(cache.delete, counts_key("contacts", campaign.pk))


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
