"""Campaigns, contacts and redial requests for the callbacks screen's tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import RedialRequest
from tests.factories import CampaignFactory, RedialRequestFactory


@pytest.fixture
def campaign(db):
    """A London campaign open 09:00-17:00 every day, with no daily limit."""
    return CampaignFactory(name="London renewals", zone="Europe/London", max_attempts=5, hours=[(9 * 60, 17 * 60)])


@pytest.fixture
def other_campaign(db):
    return CampaignFactory(name="Mumbai upgrades", zone="Asia/Kolkata", max_attempts=5)


@pytest.fixture
def make_redial(db):
    """make_redial(campaign, due_in=timedelta(hours=2), owner=None, status="scheduled", ...): a new contact's
    redial request."""

    def _make(campaign, due_in=timedelta(hours=2), owner=None, status=RedialRequest.Status.SCHEDULED, **extra):
        return RedialRequestFactory(
            contact__campaign=campaign, due_at=timezone.now() + due_in, owner=owner, status=status, **extra
        )

    return _make
