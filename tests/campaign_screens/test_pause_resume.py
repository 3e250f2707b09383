import pytest
from django.urls import reverse

from campaigns.models import Campaign

pytestmark = pytest.mark.django_db


def test_pause_then_resume(client, campaign, campaign_manager):
    client.force_login(campaign_manager)
    response = client.post(reverse("campaigns:pause", args=[campaign.pk]))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.PAUSED
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "Resume" in page and "is paused" in page
    client.post(reverse("campaigns:resume", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == Campaign.ACTIVE


def test_pausing_twice_or_resuming_an_ended_campaign_changes_nothing(client, campaign, campaign_manager):
    client.force_login(campaign_manager)
    client.post(reverse("campaigns:pause", args=[campaign.pk]))
    response = client.post(reverse("campaigns:pause", args=[campaign.pk]), follow=True)
    assert "not active" in response.content.decode()
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.ENDED)
    response = client.post(reverse("campaigns:resume", args=[campaign.pk]), follow=True)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.ENDED and "not paused" in response.content.decode()


def test_unknown_campaign_is_404(client, campaign_manager):
    client.force_login(campaign_manager)
    assert client.post(reverse("campaigns:pause", args=[999])).status_code == 404
    assert client.get(reverse("campaigns:detail", args=[999])).status_code == 404
