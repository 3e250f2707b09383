"""Contact search: numbers by their start or end, names by any part; on PostgreSQL through the indexes of
migration 0006, so a search reads the matches rather than the campaign."""

import factory
import pytest
from django.db import connection

from campaigns.models import Contact
from campaigns.queries.contacts import filter_contacts
from tests.factories import CampaignFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(campaign):
    other = CampaignFactory(name="Other", zone="UTC")
    ContactFactory.create_bulk(
        4,
        campaign=campaign,
        phone=factory.Iterator(["+447911123456", "+447911654321", "+14155550123", "+919876543210"]),
        name=factory.Iterator(["Anna Schmidt", "Ben Smith", "Carla Smithers", "Dev O'Neil"]),
    )
    # The same number and name in another campaign: never a match of this one.
    ContactFactory(campaign=other, phone="+447911123456", name="Anna Schmidt")
    return campaign


def names(campaign, q):
    return sorted(filter_contacts(campaign, q=q).values_list("name", flat=True))


@pytest.mark.parametrize(
    "q, expected",
    [
        ("+447911", ["Anna Schmidt", "Ben Smith"]),  # start, with the +
        ("447911", ["Anna Schmidt", "Ben Smith"]),  # start, without it
        ("+44 7911 123456", ["Anna Schmidt"]),  # spaces are ignored
        ("123456", ["Anna Schmidt"]),  # end: local digits
        ("0123", ["Carla Smithers"]),
        ("4155550123", ["Carla Smithers"]),
        ("+15550001234", []),
        ("12", []),  # too short for a number: a name search, and nobody is named "12"
        ("smith", ["Ben Smith", "Carla Smithers"]),  # any part, any case
        ("SCHMI", ["Anna Schmidt"]),
        ("o'neil", ["Dev O'Neil"]),
        ("100%", []),  # LIKE wildcards are matched literally
        ("Nobody", []),
    ],
)
def test_search_matches_numbers_by_start_or_end_and_names_by_any_part(people, q, expected):
    assert names(people, q) == expected


def _plan(queryset) -> str:
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        # A few rows make a sequential scan cheapest; turned off, the plan shows which index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return plan


@pytest.mark.postgres
def test_postgres_serves_each_search_from_its_index(people):
    # Enough other contacts in the campaign, with fresh statistics, that its id alone no longer narrows enough.
    Contact.objects.bulk_create(
        Contact(campaign=people, phone=f"+4420{i:08d}", name=f"Customer {i}") for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE campaigns_contact")
    number = _plan(filter_contacts(people, q="+447911"))
    assert "contact_campaign_phone_prefix" in number and "contact_campaign_phone_suffix" in number
    assert "~>=~" in number  # a range on the pattern index, not a filter over every row
    # The trigram index holds every campaign's names (a GIN index cannot lead with the campaign): at this size the
    # campaign's own index is cheaper, so the name search is planned over all campaigns, which proves the index
    # matches the expression Django compares.
    assert "contact_name_trigram" in _plan(Contact.objects.filter(name__icontains="smith"))
