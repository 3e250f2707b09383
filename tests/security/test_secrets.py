"""Lead API keys and dialer secrets are never shown in full: masked in the admin and on our screens,
replaced by typing a new one or by the admin's rotate action, which shows the new key once."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign

pytestmark = pytest.mark.django_db

KEY = "lead-key-0123456789-abcdefghijklmnop-WXYZ"
SECRET = "dialer-secret-9876543210-zyxwvu-QRST"


@pytest.fixture
def keyed_campaign(campaign):
    campaign.lead_api_key = KEY
    campaign.dialer_secret = SECRET
    campaign.save()
    return campaign


def _admin_change_page(client, campaign):
    return client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))


@pytest.mark.parametrize("persona", ["Sales Manager", "Supervisor"])
def test_view_only_personas_never_see_the_key_or_secret_in_the_admin(make_user, client, keyed_campaign, persona):
    client.force_login(make_user(persona))
    response = _admin_change_page(client, keyed_campaign)
    assert response.status_code == 200
    page = response.content.decode()
    assert KEY not in page and SECRET not in page
    assert "••••WXYZ" in page and "••••QRST" in page
    changelist = client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert KEY not in changelist and "rotate_lead_api_keys" not in changelist


def test_campaign_manager_sees_them_masked_in_the_admin_and_the_campaign_form(campaign_manager, client, keyed_campaign):
    client.force_login(campaign_manager)
    page = _admin_change_page(client, keyed_campaign).content.decode()
    assert KEY not in page and SECRET not in page
    assert "••••WXYZ (leave empty to keep it)" in page

    form_page = client.get(reverse("campaigns:edit", args=[keyed_campaign.pk])).content.decode()
    assert KEY not in form_page and SECRET not in form_page and "••••QRST" in form_page
    detail = client.get(reverse("campaigns:detail", args=[keyed_campaign.pk])).content.decode()
    assert KEY not in detail and SECRET not in detail


def test_rotate_action_shows_the_new_key_once_and_the_old_one_stops_working(campaign_manager, client, keyed_campaign):
    client.force_login(campaign_manager)
    response = client.post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": "rotate_lead_api_keys", "_selected_action": [keyed_campaign.pk]},
        follow=True,
    )
    keyed_campaign.refresh_from_db()
    new_key = keyed_campaign.lead_api_key
    assert new_key != KEY and len(new_key) >= 32
    assert new_key in response.content.decode()
    again = client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert new_key not in again
    assert not Campaign.objects.filter(lead_api_key=KEY).exists()


def test_view_only_persona_cannot_rotate(make_user, client, keyed_campaign):
    client.force_login(make_user("Sales Manager"))
    client.post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": "rotate_lead_api_keys", "_selected_action": [keyed_campaign.pk]},
    )
    keyed_campaign.refresh_from_db()
    assert keyed_campaign.lead_api_key == KEY
