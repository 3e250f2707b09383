"""Rows for the admin's large-table changelists, made in bulk: a test adds what it needs, never one row at a time."""

from datetime import UTC, datetime, timedelta

import factory
import pytest

from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from tests.factories import AttemptFactory, ContactFactory, RedialRequestFactory, outcome

START = datetime(2026, 3, 30, 22, 0, tzinfo=UTC)


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(None, username="root", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def make_contacts(db):
    """make_contacts(campaign, n, first=0): n contacts numbered +44163296xxxx (from `first`), named "Person <i>"."""

    def _make(campaign: Campaign, n: int, first: int = 0) -> list[Contact]:
        return ContactFactory.create_bulk(
            n, campaign=campaign, start=first, numbered={"phone": "+44163296{:04d}", "name": "Person {}"}
        )

    return _make


@pytest.fixture
def make_attempts(db):
    """make_attempts(contacts, **fields): one attempt per contact, an hour apart from START."""

    def _make(contacts, **fields) -> list[Attempt]:
        return AttemptFactory.create_bulk(
            len(contacts),
            contact=factory.Iterator(contacts),
            started_at=factory.Iterator([START + timedelta(hours=n) for n in range(len(contacts))]),
            number=1,
            outcome=outcome("sip.customer_busy"),
            **fields,
        )

    return _make


@pytest.fixture
def make_redials(db):
    """make_redials(contacts, **fields): one scheduled callback per contact, a day apart from START."""

    def _make(contacts, **fields) -> list[RedialRequest]:
        return RedialRequestFactory.create_bulk(
            len(contacts),
            contact=factory.Iterator(contacts),
            due_at=factory.Iterator([START + timedelta(days=n) for n in range(len(contacts))]),
            **fields,
        )

    return _make
