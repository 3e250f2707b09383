"""The dashboard at scale: today's attempts live, earlier days and contacts cached for large campaigns,
exact again after expiry or at a new local day, in a fixed number of queries."""

import datetime as dt
import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Attempt, Contact
from campaigns.queries.counts import COUNTS_CACHE_SECONDS
from campaigns.queries.dashboard import campaign_dashboard
from strategies.models import Outcome
from tests.factories import AttemptFactory, ContactFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def outcome(connected: bool) -> Outcome:
    return Outcome.objects.filter(is_connected=connected, is_final=False).order_by("code").first()


# Contact i of a test: +4479110<i> named "Person <i>".
PEOPLE = {"phone": "+4479110{:05d}", "name": "Person {}"}


def true_outcomes(campaign, since=None, until=None) -> dict[str, int]:
    """Attempts by outcome name, counted row by row in Python."""
    counts: dict[str, int] = {}
    for a in Attempt.objects.filter(campaign=campaign).select_related("outcome"):
        if (since is None or a.started_at >= since) and (until is None or a.started_at <= until):
            counts[a.outcome.name] = counts.get(a.outcome.name, 0) + 1
    return counts


def as_dict(rows) -> dict[str, int]:
    return {name: n for name, _, n in rows}


def test_large_campaign_today_is_live_and_earlier_days_exact_after_expiry(campaign, large_from):
    large_from(4)
    now = dt.datetime(2026, 7, 1, 14, 0, tzinfo=LONDON).astimezone(dt.UTC)
    contacts = ContactFactory.create_bulk(6, campaign=campaign, numbered=PEOPLE)
    for contact in contacts:
        AttemptFactory(contact=contact, started_at=now - timedelta(days=2), outcome=outcome(False))
    AttemptFactory(contact=contacts[0], started_at=now - timedelta(hours=1), outcome=outcome(True))

    first = campaign_dashboard(campaign, now)
    assert first.earlier_attempts_as_of is None and first.contacts_as_of is None
    assert (first.all_total, first.today_total, first.all_connected) == (7, 1, 1)

    # Later within the minute: a new call today shows at once, a late-arriving old one waits for the refresh.
    AttemptFactory(contact=contacts[1], started_at=now + timedelta(seconds=5), outcome=outcome(True))
    AttemptFactory(contact=contacts[2], started_at=now - timedelta(days=3), outcome=outcome(False))
    ContactFactory.create_bulk(1, campaign=campaign, numbered=PEOPLE, start=100)
    later = now + timedelta(seconds=10)
    cached = campaign_dashboard(campaign, later)
    assert cached.earlier_attempts_as_of == now and cached.contacts_as_of == now
    assert (cached.today_total, cached.today_connected) == (2, 2)
    assert cached.all_total == 8 and cached.contact_total == 6

    expired = campaign_dashboard(campaign, now + timedelta(seconds=COUNTS_CACHE_SECONDS))
    assert expired.earlier_attempts_as_of is None and expired.contacts_as_of is None
    assert as_dict(expired.all_by_outcome) == true_outcomes(campaign)
    assert expired.all_total == Attempt.objects.filter(campaign=campaign).count() == 9
    midnight = dt.datetime(2026, 7, 1, tzinfo=LONDON)
    assert as_dict(expired.today_by_outcome) == true_outcomes(campaign, since=midnight)
    assert expired.contact_total == Contact.objects.filter(campaign=campaign).count() == 7
    assert [r[2] for r in expired.all_by_outcome] == sorted((r[2] for r in expired.all_by_outcome), reverse=True)


def test_local_midnight_moves_today_into_the_earlier_days_without_losing_it(campaign, large_from):
    large_from(2)
    contacts = ContactFactory.create_bulk(3, campaign=campaign, numbered=PEOPLE)
    for contact in contacts:
        AttemptFactory(
            contact=contact, started_at=dt.datetime(2026, 6, 28, 10, 0, tzinfo=LONDON), outcome=outcome(False)
        )
    AttemptFactory(
        contact=contacts[0], started_at=dt.datetime(2026, 6, 30, 23, 50, tzinfo=LONDON), outcome=outcome(False)
    )
    before = campaign_dashboard(campaign, dt.datetime(2026, 6, 30, 23, 59, 30, tzinfo=LONDON))
    assert (before.today_total, before.all_total) == (1, 4)
    # 40 seconds later, inside the cache's minute, but a new local day: yesterday's call is an earlier one now.
    after = campaign_dashboard(campaign, dt.datetime(2026, 7, 1, 0, 0, 10, tzinfo=LONDON))
    assert (after.today_total, after.all_total) == (0, 4)


def test_small_campaign_is_counted_live(campaign):
    now = timezone.now()
    contacts = ContactFactory.create_bulk(2, campaign=campaign, numbered=PEOPLE)
    AttemptFactory(contact=contacts[0], started_at=now - timedelta(days=2), outcome=outcome(False))
    assert campaign_dashboard(campaign, now).all_total == 1
    AttemptFactory(contact=contacts[1], started_at=now - timedelta(days=2), outcome=outcome(False))
    again = campaign_dashboard(campaign, now + timedelta(seconds=1))
    assert again.all_total == 2 and again.earlier_attempts_as_of is None


def test_dashboard_queries_are_bounded_whatever_the_rows(campaign, large_from, django_assert_num_queries):
    large_from(10)
    now = timezone.now()
    contacts = ContactFactory.create_bulk(40, campaign=campaign, numbered=PEOPLE)
    for i, contact in enumerate(contacts):
        AttemptFactory(contact=contact, started_at=now - timedelta(days=1 + i % 5), outcome=outcome(i % 3 == 0))
        AttemptFactory(contact=contact, started_at=now - timedelta(minutes=1 + i), outcome=outcome(i % 4 == 0))
    # Counted: contacts, today, earlier days, outcome names, retries due, overdue.
    with django_assert_num_queries(6) as captured:
        cold = campaign_dashboard(campaign, now)
    # Each reads this campaign's rows only: another campaign's size costs nothing.
    for query in captured.captured_queries:
        if '"campaigns_contact"' in query["sql"] or '"campaigns_attempt"' in query["sql"]:
            assert f'campaign_id" = {campaign.pk}' in query["sql"] or f"IN ({campaign.pk})" in query["sql"], query
    # Cached: contacts and earlier days come from the cache.
    with django_assert_num_queries(4):
        warm = campaign_dashboard(campaign, now + timedelta(seconds=1))
    assert warm.all_by_outcome == cold.all_by_outcome and warm.all_total == 80
    for contact in contacts:
        AttemptFactory(contact=contact, started_at=now - timedelta(days=7), outcome=outcome(False))
    with django_assert_num_queries(6):
        assert campaign_dashboard(campaign, now + timedelta(seconds=COUNTS_CACHE_SECONDS)).all_total == 120


def test_dashboard_page_says_when_cached_numbers_were_taken(client, campaign, campaign_manager, large_from):
    contacts = ContactFactory.create_bulk(3, campaign=campaign, numbered=PEOPLE)
    for contact in contacts:
        AttemptFactory(contact=contact, started_at=timezone.now() - timedelta(days=2), outcome=outcome(False))
    client.force_login(campaign_manager)
    url = reverse("campaigns:detail", args=[campaign.pk])
    assert "as of" not in client.get(url).content.decode()
    large_from(3)
    client.get(url)
    page = client.get(url).content.decode()
    assert "earlier days as of" in page and "Contacts by status <span" in page
