"""On PostgreSQL the admin's searches and its callback list read indexes, not tables (bench/admin_pages.py
times them on a million contacts)."""

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test import RequestFactory

from campaigns.models import Attempt, Contact, RedialRequest

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A few rows make a sequential scan cheapest; turned off, the plan shows which index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        text = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return text


def searched(model, term: str):
    """The admin's search of `model` for `term`, unsliced."""
    model_admin = site._registry[model]
    request = RequestFactory().get("/")
    queryset, _ = model_admin.get_search_results(request, model_admin.get_queryset(request), term)
    return queryset


@pytest.fixture
def rows(campaign, make_contacts, make_attempts, make_redials):
    contacts = make_contacts(campaign, 300)
    make_attempts(contacts)
    make_redials(contacts)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE campaigns_contact; ANALYZE campaigns_attempt; ANALYZE campaigns_redialrequest")


def test_contact_number_search_ranges_over_the_campaign_phone_indexes(rows):
    # Unordered, as the capped count reads it: in id order a third of 300 contacts is found faster by the id index.
    text = plan(searched(Contact, "+4416329601").order_by().values("pk"))
    assert "contact_campaign_phone_prefix" in text and "contact_campaign_phone_suffix" in text


def test_attempt_search_reads_the_contact_and_call_id_indexes(rows):
    text = plan(searched(Attempt, "+441632960001")[:100])
    assert "attempt_provider_call" in text
    assert "attempt_contact_started" in text or "campaigns_attempt_contact_id" in text


def test_callback_list_of_every_status_is_read_in_due_order_from_its_index(rows):
    model_admin = site._registry[RedialRequest]
    request = RequestFactory().get("/")
    text = plan(model_admin.get_queryset(request)[:100])
    assert "redial_due" in text and "Sort" not in text.split("\n")[1]
