"""The campaign list's contact counts: live for small campaigns, cached for a minute for large ones, exact
again once the cache expires or is dropped, and a query count that does not grow with campaigns or rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Contact
from campaigns.queries import counts
from campaigns.queries.counts import COUNTS_CACHE_SECONDS, campaigns_with_counts
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


# Contact i of a test: +4479110<i> named "Person <i>".
PEOPLE = {"phone": "+4479110{:05d}", "name": "Person {}"}


def true_counts(campaign) -> dict[str, int]:
    """Counted row by row in Python: the truth the cached GROUP BY must come back to."""
    counts: dict[str, int] = {}
    for status in Contact.objects.filter(campaign=campaign).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def listed(campaign, now=None):
    return next(c for c in campaigns_with_counts(now) if c.pk == campaign.pk)


def test_small_campaign_is_counted_live_on_every_request(campaign):
    ContactFactory.create_bulk(3, campaign=campaign, numbered=PEOPLE)
    assert listed(campaign).status_counts == {"pending": 3}
    ContactFactory.create_bulk(2, campaign=campaign, numbered=PEOPLE, status=Contact.DONE, start=100)
    row = listed(campaign)
    assert row.status_counts == {"pending": 3, "done": 2} == true_counts(campaign)
    assert row.contact_total == 5 and row.counts_as_of is None
    assert row.status_row == [3, 0, 0, 0, 2, 0, 0]


def test_large_campaign_counts_are_cached_for_a_minute_then_exact_again(campaign, large_from):
    large_from(5)
    ContactFactory.create_bulk(6, campaign=campaign, numbered=PEOPLE)
    taken = timezone.now()
    first = listed(campaign, taken)
    assert first.status_counts == {"pending": 6} and first.counts_as_of is None

    ContactFactory.create_bulk(2, campaign=campaign, numbered=PEOPLE, status=Contact.DONE, start=100)
    Contact.objects.filter(campaign=campaign, phone="+447911000000").update(status=Contact.DO_NOT_CALL)
    cached = listed(campaign, taken + timedelta(seconds=COUNTS_CACHE_SECONDS - 1))
    assert cached.status_counts == {"pending": 6} and cached.counts_as_of == taken

    expired = listed(campaign, taken + timedelta(seconds=COUNTS_CACHE_SECONDS))
    assert expired.status_counts == true_counts(campaign) == {"pending": 5, "done": 2, "do_not_call": 1}
    assert expired.contact_total == 8 and expired.counts_as_of is None


def test_forgotten_counts_are_exact_at_once(campaign, large_from):
    large_from(5)
    ContactFactory.create_bulk(6, campaign=campaign, numbered=PEOPLE)
    listed(campaign)
    ContactFactory.create_bulk(1, campaign=campaign, numbered=PEOPLE, start=100)
    assert listed(campaign).contact_total == 6
    counts.forget_counts(campaign)
    assert listed(campaign).status_counts == true_counts(campaign) == {"pending": 7}


def test_adding_a_contact_by_hand_shows_in_the_counts_at_once(client, campaign, campaign_manager, large_from):
    large_from(5)
    ContactFactory.create_bulk(6, campaign=campaign, numbered=PEOPLE)
    client.force_login(campaign_manager)
    client.get(reverse("campaigns:list"))
    response = client.post(reverse("campaigns:contact_create", args=[campaign.pk]), {"phone": "+442079460000"})
    assert response.status_code == 302
    row = next(c for c in client.get(reverse("campaigns:list")).context["campaigns"] if c.pk == campaign.pk)
    assert row.contact_total == 7 and row.counts_as_of is None


def test_only_campaigns_without_cached_counts_are_counted(campaign, large_from, django_assert_num_queries):
    large_from(5)
    small = Campaign.objects.create(name="Small", zone="UTC")
    ContactFactory.create_bulk(6, campaign=campaign, numbered=PEOPLE)
    ContactFactory.create_bulk(2, campaign=small, numbered=PEOPLE)
    campaigns_with_counts()
    ContactFactory.create_bulk(1, campaign=small, numbered=PEOPLE, start=100)
    ContactFactory.create_bulk(1, campaign=campaign, numbered=PEOPLE, start=100)
    with django_assert_num_queries(2):  # the campaigns, and one GROUP BY over the small one's contacts only
        rows = {c.pk: c for c in campaigns_with_counts()}
    assert rows[small.pk].contact_total == 3 and rows[small.pk].counts_as_of is None
    assert rows[campaign.pk].contact_total == 6 and rows[campaign.pk].counts_as_of is not None
    Campaign.objects.filter(pk=small.pk).delete()
    with django_assert_num_queries(1):  # every campaign large and cached: the campaigns alone
        assert [c.contact_total for c in campaigns_with_counts()] == [6]


def test_list_page_queries_do_not_grow_with_campaigns_or_contacts(client, campaign_manager, large_from):
    large_from(5)
    client.force_login(campaign_manager)
    url = reverse("campaigns:list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for i in range(3):
        ContactFactory.create_bulk(
            4 + i * 3, campaign=Campaign.objects.create(name=f"A{i}", zone="UTC"), numbered=PEOPLE, start=i * 100
        )
    few = queries()
    for i in range(30):
        ContactFactory.create_bulk(
            20, campaign=Campaign.objects.create(name=f"B{i:02d}", zone="UTC"), numbered=PEOPLE, start=1000 + i * 100
        )
    many = queries()
    assert many == few <= 8


def test_list_page_says_when_cached_counts_were_taken(client, campaign, campaign_manager, large_from):
    client.force_login(campaign_manager)
    ContactFactory.create_bulk(6, campaign=campaign, numbered=PEOPLE)
    assert "counted once a minute" not in client.get(reverse("campaigns:list")).content.decode()
    large_from(5)
    client.get(reverse("campaigns:list"))
    page = client.get(reverse("campaigns:list"))
    assert page.context["counts_as_of"] is not None
    assert "counted once a minute: as of " in page.content.decode()


def test_list_and_dashboard_count_live_when_the_cache_is_down(client, campaign, campaign_manager, monkeypatch):
    class BrokenCache:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("cache server unreachable")

            return fail

    Contact.objects.create(campaign=campaign, phone="+442079460201")
    monkeypatch.setattr(counts, "cache", BrokenCache())
    client.force_login(campaign_manager)
    assert client.get(reverse("campaigns:list")).status_code == 200
    assert client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code == 200
    assert counts.contact_status_counts([campaign.pk])[campaign.pk][0] == {"pending": 1}
