"""Best time to call on the screens: the option on the campaign form (bounded, named errors), the heatmap
on the dashboard and the contact's answered hours on its page."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, ConnectRateTable
from strategies import best_time
from tests.factories import AttemptFactory, ContactFactory, outcome

from .test_campaign_form import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, campaign_manager):
    client.force_login(campaign_manager)
    return client


def test_the_form_saves_the_option(manager_client):
    data = form_data(
        best_time_enabled="on",
        best_time_max_shift_hours="24",
        best_time_min_gain_percent="25",
        best_time_capacity_per_hour="120",
    )
    response = manager_client.post(reverse("campaigns:create"), data)
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="Summer renewals")
    assert campaign.best_time_enabled
    assert (campaign.best_time_max_shift_hours, campaign.best_time_min_gain_percent) == (24, 25)
    assert campaign.best_time_capacity_per_hour == 120


def test_a_client_leaving_the_option_out_gets_the_defaults(manager_client):
    assert manager_client.post(reverse("campaigns:create"), form_data()).status_code == 302
    campaign = Campaign.objects.get(name="Summer renewals")
    assert not campaign.best_time_enabled
    assert (campaign.best_time_max_shift_hours, campaign.best_time_min_gain_percent) == (6, 30)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("best_time_max_shift_hours", "25", "24"),
        ("best_time_max_shift_hours", "0", "1"),
        ("best_time_capacity_per_hour", "0", "1"),
        ("best_time_min_gain_percent", "1001", "1000"),
        ("best_time_min_gain_percent", "-5", "0"),
    ],
)
def test_an_option_out_of_bounds_is_refused_on_its_field(manager_client, field, value, words):
    response = manager_client.post(reverse("campaigns:create"), form_data(**{field: value}))
    # The campaign form re-renders with its errors (200), as it does for every other field.
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and words in " ".join(errors[field])
    assert not Campaign.objects.filter(name="Summer renewals").exists()


def test_the_dashboard_shows_the_heatmap_with_the_calls_behind_each_cell(client, campaign_manager, campaign):
    cells = [[0.12, 100, 12] for _ in range(best_time.HOURS_PER_WEEK)]
    cells[18] = [0.41, 3200, 1312]
    ConnectRateTable.objects.create(campaign=campaign, cells=cells, base_rate=0.13, computed_at=timezone.now())
    client.force_login(campaign_manager)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "Connect rate by weekday and hour" in page
    assert 'title="Mon 18:00: 41% answer (3200 calls, 1312 answered)"' in page
    assert 'title="Sun 23:00: 12% answer (100 calls, 12 answered)"' in page


def test_the_dashboard_says_when_nothing_is_learned_yet(client, campaign_manager, campaign):
    client.force_login(campaign_manager)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "Not learned yet" in page


def test_the_contact_page_shows_its_own_answered_hours(client, campaign_manager, campaign):
    contact = ContactFactory(campaign=campaign, zone="America/New_York")
    # Tuesday 3 Dec 2030 at 19:05 and 19:40 New York time (UTC-5), and Wednesday at 10:00.
    AttemptFactory(contact=contact, started_at=datetime(2030, 12, 4, 0, 5, tzinfo=UTC))
    AttemptFactory(
        contact=contact, started_at=datetime(2030, 12, 4, 0, 40, tzinfo=UTC), outcome=outcome("sip.call_answered")
    )
    AttemptFactory(contact=contact, started_at=datetime(2030, 12, 4, 15, 0, tzinfo=UTC))
    client.force_login(campaign_manager)
    response = client.get(reverse("campaigns:contact_detail", args=[campaign.pk, contact.pk]))
    rows = [(r["day"], r["hour"], r["attempts"], r["answered"]) for r in response.context["answered_hours"]]
    assert rows == [("Tue", "19:00", 2, 1), ("Wed", "10:00", 1, 0)]
    assert "Answered hours" in response.content.decode()


def test_the_form_page_shows_the_option_in_its_own_section(manager_client):
    page = manager_client.get(reverse("campaigns:create")).content.decode()
    assert "Best time to call" in page
    for name in ("best_time_enabled", "best_time_max_shift_hours", "best_time_min_gain_percent"):
        assert f'name="{name}"' in page
