"""Rows for the admin's large-table changelists, made in bulk: a test adds what it needs, never one row at a time."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from strategies.models import Outcome

START = datetime(2026, 3, 30, 22, 0, tzinfo=UTC)


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(None, username="root", is_superuser=True, is_staff=True))
    return client


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def make_contacts(db):
    """make_contacts(campaign, n, first=0): n contacts numbered +44163296xxxx (from `first`), named "Person <i>"."""

    def _make(campaign: Campaign, n: int, first: int = 0) -> list[Contact]:
        return Contact.objects.bulk_create(
            Contact(campaign=campaign, phone=f"+44163296{i:04d}", name=f"Person {i}") for i in range(first, first + n)
        )

    return _make


@pytest.fixture
def make_attempts(db):
    """make_attempts(contacts, **fields): one attempt per contact, an hour apart from START."""

    def _make(contacts, **fields) -> list[Attempt]:
        outcome = Outcome.objects.get(code="sip.customer_busy")
        return Attempt.objects.bulk_create(
            Attempt(
                contact=contact,
                campaign_id=contact.campaign_id,
                number=1,
                started_at=START + timedelta(hours=n),
                outcome=outcome,
                **fields,
            )
            for n, contact in enumerate(contacts)
        )

    return _make


@pytest.fixture
def make_redials(db):
    """make_redials(contacts, **fields): one scheduled callback per contact, a day apart from START."""

    def _make(contacts, **fields) -> list[RedialRequest]:
        fields.setdefault("status", RedialRequest.SCHEDULED)
        return RedialRequest.objects.bulk_create(
            RedialRequest(contact=contact, campaign_id=contact.campaign_id, due_at=START + timedelta(days=n), **fields)
            for n, contact in enumerate(contacts)
        )

    return _make
