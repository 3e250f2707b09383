import pytest

from campaigns.models import BusinessHourWindow, Campaign


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _persona_groups(db):
    """Recreate the persona groups when a transactional browser test ran before and flushed them:
    pytest orders tests parametrized by browser before unparametrized ones, so such a flush can
    come before these tests."""
    from django.contrib.auth.models import Group

    from retryadmin.personas import CAMPAIGN_MANAGER, sync_personas

    if not Group.objects.filter(name=CAMPAIGN_MANAGER).exists():
        sync_personas()


@pytest.fixture
def campaign(db):
    campaign = Campaign.objects.create(name="Spring offers", zone="Europe/London", max_attempts=5, daily_attempts=2)
    for weekday in range(5):
        BusinessHourWindow.objects.create(campaign=campaign, weekday=weekday, start_minute=9 * 60, end_minute=17 * 60)
    return campaign


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
