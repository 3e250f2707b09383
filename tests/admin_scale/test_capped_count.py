"""The changelists of large tables count matches up to a cap: "10,000+" and pages through the first rows."""

import pytest
from django.template import Context, Template

from campaigns.admin import paging as admin_paging
from campaigns.admin.paging import CappedCountPaginator
from campaigns.models import Contact
from retryadmin.lib.paging import CappedCount

from .helpers import changelist

pytestmark = pytest.mark.django_db


@pytest.fixture
def cap(monkeypatch):
    """cap(n): count up to n rows."""

    def _set(n: int) -> None:
        monkeypatch.setattr(admin_paging, "COUNT_CAP", n)

    return _set


def test_capped_count_reads_as_the_cap_with_a_plus():
    count = CappedCount(10_000)
    assert count == 10_000 and count > 100
    assert str(count) == "10,000+"
    assert Template("{{ n }} rows").render(Context({"n": count})) == "10,000+ rows"


def test_paginator_counts_exactly_up_to_the_cap_and_caps_past_it(campaign, make_contacts, cap):
    make_contacts(campaign, 12)
    cap(12)
    exact = CappedCountPaginator(Contact.objects.order_by("pk"), 5).count
    assert exact == 12 and not isinstance(exact, CappedCount)
    cap(10)
    capped = CappedCountPaginator(Contact.objects.order_by("pk"), 5)
    assert isinstance(capped.count, CappedCount) and capped.count == 10
    assert capped.num_pages == 2
    assert [c.name for c in capped.page(2)] == [f"Person {i}" for i in range(5, 10)]


def test_changelist_shows_the_capped_count_and_pages_through_the_first_rows(
    admin_client, campaign, make_contacts, cap, monkeypatch
):
    make_contacts(campaign, 30)
    cap(20)
    from campaigns.admin.contacts import ContactAdmin

    monkeypatch.setattr(ContactAdmin, "list_per_page", 10)
    first = admin_client.get(changelist(Contact))
    assert first.context["cl"].result_count == 20
    page = first.content.decode()
    assert "20+ contacts" in page
    assert "All 20+ selected" in page  # the select-all note of the actions bar
    second = admin_client.get(changelist(Contact), {"p": 2})
    assert [c.name for c in second.context["cl"].result_list] == [f"Person {i}" for i in range(10, 20)]
    # Past the cap there is no page: the admin's own answer to a page out of range.
    beyond = admin_client.get(changelist(Contact), {"p": 3})
    assert beyond.status_code == 302 and "e=1" in beyond.url


def test_a_filter_under_the_cap_counts_exactly(admin_client, campaign, make_contacts, cap):
    make_contacts(campaign, 30)
    Contact.objects.filter(name__in=["Person 3", "Person 4"]).update(status=Contact.DONE)
    cap(20)
    response = admin_client.get(changelist(Contact), {"status__exact": Contact.DONE})
    assert response.context["cl"].result_count == 2
    assert "2 contacts" in response.content.decode()
