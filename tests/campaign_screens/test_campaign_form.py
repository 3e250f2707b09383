"""The campaign form: one transaction for the campaign, its dial plan, business hours and holidays;
every bad value is an error on the field that holds it."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from campaigns.models import BusinessHourWindow, Campaign, DialPlan, Holiday
from strategies.models import Strategy

pytestmark = pytest.mark.django_db


def form_data(windows=(), holidays=(), **overrides):
    """POST data of the campaign form: windows as (weekday, "HH:MM", "HH:MM"), holidays as (date, name)."""
    data = {
        "name": "Summer renewals",
        "zone": "Europe/London",
        "status": "active",
        "starts_at": "",
        "ends_at": "",
        "max_attempts": "5",
        "daily_attempts": "2",
        "contact_window_start": "08:00",
        "contact_window_end": "21:00",
        "telephony_strategy": "",
        "business_strategy": "",
        "dialing_mode": "agent_first",
        "dialer_backend": "log",
        "dialer_url": "",
        "dialer_secret": "",
        "redial_delay_amount": "30",
        "redial_delay_unit": "m",
        "short_call_seconds": "20",
        "opening_delay_minutes": "0",
        "queue_spacing_seconds": "0",
        "acw_timeout_seconds": "120",
        "personal_redial_grace_minutes": "30",
        "lead_api_key": "",
        "hours-TOTAL_FORMS": str(len(windows)),
        "hours-INITIAL_FORMS": "0",
        "holidays-TOTAL_FORMS": str(len(holidays)),
        "holidays-INITIAL_FORMS": "0",
    }
    for i, window in enumerate(windows):
        weekday, start, end = window[:3]
        data.update({f"hours-{i}-weekday": str(weekday), f"hours-{i}-start": start, f"hours-{i}-end": end})
        if len(window) > 3 and window[3]:
            data[f"hours-{i}-DELETE"] = "on"
    for i, (day, name) in enumerate(holidays):
        data.update({f"holidays-{i}-date": day, f"holidays-{i}-name": name})
    data.update(overrides)
    return data


@pytest.fixture
def manager_client(client, campaign_manager):
    client.force_login(campaign_manager)
    return client


def post_new(client, **kwargs):
    return client.post(reverse("campaigns:create"), form_data(**kwargs))


def test_create_saves_campaign_hours_and_holidays_together(manager_client):
    response = post_new(
        manager_client,
        windows=[(0, "09:00", "13:00"), (0, "14:00", "18:00"), (5, "20:00", "24:00")],
        holidays=[("2026-12-25", "Christmas")],
    )
    campaign = Campaign.objects.get(name="Summer renewals")
    assert response.status_code == 302 and response.url == reverse("campaigns:detail", args=[campaign.pk])
    windows = list(campaign.business_hours.values_list("weekday", "start_minute", "end_minute"))
    assert windows == [(0, 540, 780), (0, 840, 1080), (5, 1200, 1440)]
    assert list(campaign.holidays.values_list("date", "name")) == [(dt.date(2026, 12, 25), "Christmas")]
    assert (campaign.contact_window_start, campaign.contact_window_end) == (480, 1260)
    assert len(campaign.lead_api_key) >= 32


def test_business_hours_round_trip_through_the_edit_form(manager_client, campaign):
    page = manager_client.get(reverse("campaigns:edit", args=[campaign.pk])).content.decode()
    assert page.count('value="09:00"') == 5 and page.count('value="17:00"') == 5
    data = form_data(
        windows=[(0, "09:00", "17:00", True), (1, "09:00", "12:00"), (1, "13:00", "24:00")],
        name=campaign.name,
    )
    response = manager_client.post(reverse("campaigns:edit", args=[campaign.pk]), data)
    assert response.status_code == 302
    assert list(campaign.business_hours.values_list("weekday", "start_minute", "end_minute")) == [
        (1, 540, 720),
        (1, 780, 1440),
    ]
    page = manager_client.get(reverse("campaigns:edit", args=[campaign.pk])).content.decode()
    assert 'value="24:00"' in page and 'value="12:00"' in page


def test_start_and_end_are_read_in_the_campaign_zone(manager_client):
    post_new(manager_client, zone="Asia/Kolkata", starts_at="2026-03-01T09:00", ends_at="2026-04-01T18:00")
    campaign = Campaign.objects.get(name="Summer renewals")
    kolkata = zoneinfo.ZoneInfo("Asia/Kolkata")
    assert campaign.starts_at == dt.datetime(2026, 3, 1, 9, 0, tzinfo=kolkata)
    page = manager_client.get(reverse("campaigns:edit", args=[campaign.pk])).content.decode()
    assert 'value="2026-03-01T09:00"' in page


def test_strategies_pick_or_create_the_dial_plan(manager_client):
    telephony = Strategy.objects.create(name="T1", kind=Strategy.TELEPHONY)
    business = Strategy.objects.create(name="B1", kind=Strategy.BUSINESS)
    existing = DialPlan.objects.create(name="Existing", telephony_strategy=telephony, business_strategy=business)
    post_new(manager_client, telephony_strategy=str(telephony.pk), business_strategy=str(business.pk))
    assert Campaign.objects.get(name="Summer renewals").dial_plan == existing
    post_new(manager_client, name="Only telephony", telephony_strategy=str(telephony.pk))
    plan = Campaign.objects.get(name="Only telephony").dial_plan
    assert plan.telephony_strategy == telephony and plan.business_strategy is None
    assert DialPlan.objects.count() == 2


def test_a_business_strategy_is_not_offered_as_telephony(manager_client):
    business = Strategy.objects.create(name="B1", kind=Strategy.BUSINESS)
    response = post_new(manager_client, telephony_strategy=str(business.pk))
    assert "telephony_strategy" in response.context["form"].errors


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"zone": "Mars/Olympus"}, "zone"),
        ({"daily_attempts": "6"}, "daily_attempts"),
        ({"max_attempts": "0"}, "max_attempts"),
        ({"dialer_backend": "webhook"}, "dialer_url"),
        ({"dialer_backend": "webhook", "dialing_mode": "auto_dial"}, "dialer_url"),
        ({"dialer_url": "not a url"}, "dialer_url"),
        ({"contact_window_end": ""}, "contact_window_end"),
        ({"contact_window_start": "21:00", "contact_window_end": "08:00"}, "contact_window_end"),
        ({"contact_window_start": "25:00"}, "contact_window_start"),
        ({"contact_window_start": "24:00"}, "contact_window_start"),
        ({"contact_window_start": "9am"}, "contact_window_start"),
        ({"starts_at": "2026-05-01T09:00", "ends_at": "2026-04-01T09:00"}, "ends_at"),
        ({"starts_at": "yesterday"}, "starts_at"),
        ({"name": ""}, "name"),
        ({"redial_delay_unit": "w"}, "redial_delay_unit"),
        ({"acw_timeout_seconds": "-5"}, "acw_timeout_seconds"),
    ],
)
def test_bad_campaign_values_name_their_field(manager_client, overrides, field):
    response = post_new(manager_client, windows=[(0, "09:00", "17:00")], **overrides)
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert not Campaign.objects.exists() and not BusinessHourWindow.objects.exists()


def test_duplicate_name_is_a_name_error(manager_client, campaign):
    response = post_new(manager_client, name=campaign.name)
    assert "name" in response.context["form"].errors


@pytest.mark.parametrize(
    "windows, index, field, text",
    [
        ([(0, "10:00", "09:00")], 0, "end", "must end after it starts"),
        ([(0, "10:00", "10:00")], 0, "end", "must end after it starts"),
        ([(0, "09:00", "13:00"), (0, "12:00", "18:00")], 1, "start", "Overlaps Monday 09:00-13:00"),
        ([(0, "12:00", "18:00"), (0, "09:00", "12:30")], 0, "start", "Overlaps Monday 09:00-12:30"),
        ([(2, "24:00", "24:00")], 0, "start", "24:00 may only end a window"),
        ([(2, "08:60", "09:00")], 0, "start", "not a time of day"),
        ([(2, "eight", "09:00")], 0, "start", "HH:MM"),
        ([(2, "", "09:00")], 0, "start", "required"),
    ],
)
def test_bad_business_hours_name_the_window_field(manager_client, windows, index, field, text):
    response = post_new(manager_client, windows=windows)
    assert response.status_code == 200
    errors = response.context["hours"].forms[index].errors
    assert field in errors and text in " ".join(errors[field]), errors
    assert not Campaign.objects.exists()


def test_adjacent_windows_and_windows_on_other_days_do_not_overlap(manager_client):
    response = post_new(manager_client, windows=[(0, "09:00", "12:00"), (0, "12:00", "17:00"), (1, "11:00", "13:00")])
    assert response.status_code == 302


def test_a_removed_window_is_not_checked_for_overlap(manager_client):
    response = post_new(manager_client, windows=[(0, "09:00", "13:00"), (0, "10:00", "11:00", True)])
    assert response.status_code == 302
    assert BusinessHourWindow.objects.count() == 1


def test_duplicate_or_bad_holidays_name_the_date(manager_client):
    response = post_new(manager_client, holidays=[("2026-12-25", "Christmas"), ("2026-12-25", "Again")])
    assert "already a holiday" in " ".join(response.context["holidays"].forms[1].errors["date"])
    response = post_new(manager_client, holidays=[("25/13/2026", "Bad")])
    assert "date" in response.context["holidays"].forms[0].errors
    assert not Holiday.objects.exists() and not Campaign.objects.exists()


def test_edit_keeps_an_existing_lead_key_and_replaces_holidays(manager_client, campaign):
    campaign.lead_api_key = "kept-key"
    campaign.save()
    Holiday.objects.create(campaign=campaign, date=dt.date(2026, 1, 1), name="New Year")
    data = form_data(
        windows=[(0, "09:00", "17:00")],
        holidays=[("2026-05-01", "May Day")],
        name=campaign.name,
        lead_api_key="kept-key",
    )
    assert manager_client.post(reverse("campaigns:edit", args=[campaign.pk]), data).status_code == 302
    campaign.refresh_from_db()
    assert campaign.lead_api_key == "kept-key"
    assert list(campaign.holidays.values_list("name", flat=True)) == ["May Day"]


def test_form_page_shows_the_editor_and_zone_choices(manager_client):
    page = manager_client.get(reverse("campaigns:create")).content.decode()
    assert "Business hours" in page and "data-add-window" in page and "hours-empty-row" in page
    assert '<option value="Asia/Kolkata">' in page
    assert "Generate" in page
