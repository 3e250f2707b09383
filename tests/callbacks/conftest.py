"""Campaigns, contacts and redial requests for the callbacks screen's tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import BusinessHourWindow, Campaign, Contact, RedialRequest


@pytest.fixture
def campaign(db):
    """A London campaign open 09:00-17:00 every day, with no daily limit."""
    campaign = Campaign.objects.create(name="London renewals", zone="Europe/London", max_attempts=5)
    for weekday in range(7):
        BusinessHourWindow.objects.create(campaign=campaign, weekday=weekday, start_minute=9 * 60, end_minute=17 * 60)
    return campaign


@pytest.fixture
def other_campaign(db):
    return Campaign.objects.create(name="Mumbai upgrades", zone="Asia/Kolkata", max_attempts=5)


@pytest.fixture
def make_redial(db):
    """make_redial(campaign, due_in=timedelta(hours=2), owner=None, status="scheduled", ...)."""
    counter = {"n": 0}

    def _make(campaign, due_in=timedelta(hours=2), owner=None, status=RedialRequest.SCHEDULED, **extra):
        counter["n"] += 1
        n = counter["n"]
        contact = Contact.objects.create(
            campaign=campaign, name=f"Customer {n}", phone=f"+4477009{n:05d}", status=Contact.SCHEDULED
        )
        return RedialRequest.objects.create(
            contact=contact,
            campaign=campaign,
            due_at=timezone.now() + due_in,
            owner=owner,
            status=status,
            **extra,
        )

    return _make
