"""The date hierarchy of callbacks, attempts and events: the periods Django's DISTINCT date_trunc would list,
found by index probes in a bounded number of queries."""

from datetime import UTC, datetime

import factory
import pytest
from django.db import connection
from django.db.models import Max, Min
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.admin.paging import probing_dates
from campaigns.models import RedialRequest
from tests.factories import RedialRequestFactory

from .helpers import changelist

pytestmark = pytest.mark.django_db

DUE = [
    datetime(2025, 12, 31, 20, 0, tzinfo=UTC),  # already 2026 in Kolkata
    datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
    datetime(2026, 1, 15, 23, 0, tzinfo=UTC),  # the 16th in Kolkata
    datetime(2026, 3, 1, 8, 0, tzinfo=UTC),  # no row in February
    datetime(2026, 3, 31, 19, 0, tzinfo=UTC),  # April 1st in Kolkata
    datetime(2028, 6, 1, 12, 0, tzinfo=UTC),  # no row in 2027
]


@pytest.fixture
def callbacks(campaign, make_contacts):
    contacts = make_contacts(campaign, len(DUE))
    return RedialRequestFactory.create_bulk(len(DUE), contact=factory.Iterator(contacts), due_at=factory.Iterator(DUE))


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/New_York"])
@pytest.mark.parametrize(
    "kind, narrow",
    [
        ("year", {}),
        ("month", {"due_at__gte": datetime(2025, 12, 1, tzinfo=UTC), "due_at__lt": datetime(2026, 5, 1, tzinfo=UTC)}),
        ("day", {"due_at__gte": datetime(2026, 1, 1, tzinfo=UTC), "due_at__lt": datetime(2026, 2, 1, tzinfo=UTC)}),
    ],
)
def test_probed_periods_are_djangos_periods(callbacks, zone, kind, narrow):
    with timezone.override(zone):
        rows = RedialRequest.objects.filter(**narrow)
        expected = list(rows.datetimes("due_at", kind))
        assert list(probing_dates(rows).datetimes("due_at", kind)) == expected
        assert list(probing_dates(rows).datetimes("due_at", kind, order="DESC")) == expected[::-1]


def test_probed_periods_of_nothing_are_none(callbacks):
    assert probing_dates(RedialRequest.objects.filter(status="failed")).datetimes("due_at", "year") == []


def test_years_far_apart_are_listed_by_djangos_own_query(callbacks):
    RedialRequest.objects.filter(pk=callbacks[-1].pk).update(due_at=datetime(2999, 1, 1, tzinfo=UTC))
    years = probing_dates(RedialRequest.objects.all()).datetimes("due_at", "year")
    assert [y.year for y in years] == [2025, 2026, 2999]


def test_first_and_last_are_djangos_min_and_max(callbacks):
    rows = RedialRequest.objects.exclude(pk=callbacks[0].pk)
    expected = rows.aggregate(first=Min("due_at"), last=Max("due_at"))
    assert probing_dates(rows).aggregate(first=Min("due_at"), last=Max("due_at")) == expected
    # Anything else is Django's own aggregate.
    assert probing_dates(rows).aggregate(n=Max("id"))["n"] == callbacks[-1].pk


def test_periods_cost_the_same_queries_for_more_rows(callbacks, campaign, make_contacts):
    def queries_for_months():
        with CaptureQueriesContext(connection) as captured:
            months = probing_dates(RedialRequest.objects.filter(due_at__year=2026)).datetimes("due_at", "month")
        return len(captured), len(months)

    before = queries_for_months()
    extra = make_contacts(campaign, 40, first=100)
    RedialRequest.objects.bulk_create(
        RedialRequest(contact=c, campaign=campaign, due_at=datetime(2026, 1 + n % 12, 10, tzinfo=UTC))
        for n, c in enumerate(extra)
    )
    assert queries_for_months() == (before[0], 12)
    assert before == (3, 2)  # first, last, one query of probes; January and March


def test_redial_changelist_offers_the_months_and_days_with_callbacks(admin_client, callbacks):
    page = admin_client.get(changelist(RedialRequest), {"due_at__year": 2026}).content.decode()
    assert "January 2026" in page and "March 2026" in page and "February 2026" not in page
    days = admin_client.get(changelist(RedialRequest), {"due_at__year": 2026, "due_at__month": 1})
    assert days.status_code == 200
    assert "due_at__day=15" in days.content.decode() and "due_at__day=16" not in days.content.decode()
