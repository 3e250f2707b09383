"""The Django admin of campaigns, contacts, attempts, callbacks and events: pages, actions, personas."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Attempt, BusinessHourWindow, Campaign, Contact, RedialRequest, WebhookEvent
from strategies.models import Outcome
from tests.factories import ALL_DAY, CampaignFactory, RedialRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(make_user):
    return make_user(None, username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def callbacks(agent):
    campaign = CampaignFactory(hours=ALL_DAY)
    return [
        RedialRequestFactory(contact__campaign=campaign, contact__phone="+441632960001", owner=agent),
        RedialRequestFactory(contact__campaign=campaign, contact__phone="+441632960002"),
        RedialRequestFactory(
            contact__campaign=campaign, contact__phone="+441632960003", due_at=timezone.now() - timedelta(hours=1)
        ),
    ]


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize(
    "model", [Campaign, Contact, Attempt, RedialRequest, WebhookEvent], ids=lambda m: m._meta.model_name
)
def test_changelists_open_for_an_administrator(client, admin_user, callbacks, model):
    client.force_login(admin_user)
    assert client.get(changelist(model)).status_code == 200


def test_redial_changelist_shows_due_time_in_campaign_zone_and_common_owner(client, admin_user, agent):
    campaign = CampaignFactory(name="Kolkata", zone="Asia/Kolkata", hours=ALL_DAY)
    RedialRequestFactory(
        contact__campaign=campaign, contact__phone="+441632960010", due_at=datetime(2026, 11, 24, 3, 30, tzinfo=UTC)
    )
    RedialRequestFactory(
        contact__campaign=campaign,
        contact__phone="+441632960011",
        owner=agent,
        due_at=datetime(2026, 11, 24, 4, 0, tzinfo=UTC),
    )
    client.force_login(admin_user)
    page = client.get(changelist(RedialRequest)).content.decode()
    assert "Tue 24 Nov 2026 09:00 IST" in page
    assert "Common" in page and "agent" in page


@pytest.mark.parametrize(
    "query,expected",
    [("ownership=personal", 1), ("ownership=common", 2), ("due=overdue", 1), ("due=upcoming", 2)],
)
def test_redial_filters(client, admin_user, callbacks, query, expected):
    client.force_login(admin_user)
    response = client.get(changelist(RedialRequest) + "?" + query)
    assert response.status_code == 200
    assert response.context["cl"].result_count == expected


def test_redial_changelist_query_count_stays_bounded(client, admin_user, agent, django_assert_max_num_queries):
    campaign = CampaignFactory(hours=ALL_DAY)
    for n in range(40):
        RedialRequestFactory(
            contact__campaign=campaign, contact__phone=f"+4416329601{n:02d}", owner=agent if n % 2 else None
        )
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        assert client.get(changelist(RedialRequest)).status_code == 200


def post_action(client, action, requests, **extra):
    return client.post(
        changelist(RedialRequest),
        {"action": action, "_selected_action": [r.pk for r in requests], **extra},
        follow=True,
    )


def test_cancel_action_goes_through_the_service(client, supervisor, callbacks):
    client.force_login(supervisor)
    response = post_action(client, "cancel_requests", callbacks[:2])
    assert response.status_code == 200
    statuses = set(RedialRequest.objects.filter(pk__in=[r.pk for r in callbacks[:2]]).values_list("status", flat=True))
    assert statuses == {RedialRequest.CANCELLED}
    assert "cancelled by" in RedialRequest.objects.get(pk=callbacks[0].pk).close_reason


def test_cancel_action_reports_a_closed_request_instead_of_failing(client, supervisor, callbacks):
    RedialRequest.objects.filter(pk=callbacks[0].pk).update(status=RedialRequest.DONE)
    client.force_login(supervisor)
    response = post_action(client, "cancel_requests", callbacks[:2])
    text = response.content.decode()
    assert "only open requests can be changed" in text
    assert RedialRequest.objects.get(pk=callbacks[1].pk).status == RedialRequest.CANCELLED


def test_make_common_action(client, supervisor, callbacks):
    client.force_login(supervisor)
    post_action(client, "make_common", [callbacks[0]])
    assert RedialRequest.objects.get(pk=callbacks[0].pk).owner is None


def test_reassign_action_shows_an_intermediate_form_then_reassigns(client, supervisor, callbacks, make_user):
    other_agent = make_user("Agent", username="agent_b")
    client.force_login(supervisor)
    form_page = post_action(client, "reassign_requests", [callbacks[1]])
    assert b"Reassign callbacks" in form_page.content
    post_action(client, "reassign_requests", [callbacks[1]], apply="1", owner=other_agent.pk)
    assert RedialRequest.objects.get(pk=callbacks[1].pk).owner == other_agent


def test_reassign_refuses_an_owner_who_is_not_an_agent(client, supervisor, callbacks):
    client.force_login(supervisor)
    response = post_action(client, "reassign_requests", [callbacks[1]], apply="1", owner=supervisor.pk)
    assert b"Select a valid choice" in response.content
    assert RedialRequest.objects.get(pk=callbacks[1].pk).owner is None


def test_reschedule_action_validates_through_the_service(client, supervisor):
    campaign = CampaignFactory(name="Office hours", hours=ALL_DAY)
    BusinessHourWindow.objects.filter(campaign=campaign).update(start_minute=9 * 60, end_minute=17 * 60)
    request = RedialRequestFactory(contact__campaign=campaign, contact__phone="+441632960020")
    tomorrow = (timezone.now() + timedelta(days=2)).date()
    client.force_login(supervisor)
    refused = post_action(client, "reschedule_requests", [request], apply="1", due_at=f"{tomorrow}T20:30")
    assert b"next allowed time" in refused.content
    assert RedialRequest.objects.get(pk=request.pk).due_at == request.due_at
    post_action(client, "reschedule_requests", [request], apply="1", due_at=f"{tomorrow}T10:30")
    moved = RedialRequest.objects.get(pk=request.pk)
    assert moved.due_at == datetime.combine(tomorrow, datetime.min.time(), tzinfo=UTC).replace(hour=10, minute=30)


def test_reschedule_form_error_for_a_bad_date(client, supervisor, callbacks):
    client.force_login(supervisor)
    response = post_action(client, "reschedule_requests", [callbacks[1]], apply="1", due_at="tomorrow-ish")
    assert response.status_code == 200
    assert b"Enter a valid date/time" in response.content


def test_attempts_are_read_only_and_searchable(client, admin_user):
    campaign = CampaignFactory(hours=ALL_DAY)
    contact = Contact.objects.create(campaign=campaign, phone="+441632960030")
    Attempt.objects.create(
        contact=contact,
        campaign=campaign,
        number=1,
        started_at=timezone.now(),
        outcome=Outcome.objects.get(code="sip.customer_busy"),
        provider="twilio",
        provider_call_id="CA123",
    )
    client.force_login(admin_user)
    url = changelist(Attempt)
    assert client.get(url + "?q=CA123").context["cl"].result_count == 1
    assert client.get(url + "?q=%2B441632960030").context["cl"].result_count == 1
    assert client.get(url + "?q=CA999").context["cl"].result_count == 0
    attempt = Attempt.objects.get()
    change = client.get(reverse("admin:campaigns_attempt_change", args=[attempt.pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert client.get(reverse("admin:campaigns_attempt_add")).status_code == 403


def test_campaign_admin_shows_fieldsets_and_hour_windows_as_hhmm(client, admin_user):
    campaign = CampaignFactory(name="Windows", hours=ALL_DAY)
    BusinessHourWindow.objects.filter(campaign=campaign, weekday=0).update(start_minute=9 * 60, end_minute=1440)
    client.force_login(admin_user)
    page = client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    for heading in ("Limits", "Calendar", "Strategies", "Dialing"):
        assert heading in page
    assert 'value="09:00"' in page and 'value="24:00"' in page


def test_campaign_admin_refuses_a_window_ending_before_it_starts(client, admin_user):
    client.force_login(admin_user)
    data = {
        "name": "Bad window",
        "zone": "UTC",
        "status": "active",
        "max_attempts": 5,
        "dialing_mode": "agent_first",
        "redial_delay_amount": 30,
        "redial_delay_unit": "m",
        "short_call_seconds": 0,
        "opening_delay_minutes": 0,
        "queue_spacing_seconds": 0,
        "acw_timeout_seconds": 120,
        "personal_redial_grace_minutes": 30,
        "dialer_backend": "log",
        "business_hours-TOTAL_FORMS": 1,
        "business_hours-INITIAL_FORMS": 0,
        "business_hours-0-weekday": 0,
        "business_hours-0-start_minute": "17:00",
        "business_hours-0-end_minute": "09:00",
        "holidays-TOTAL_FORMS": 0,
        "holidays-INITIAL_FORMS": 0,
    }
    response = client.post(reverse("admin:campaigns_campaign_add"), data)
    assert response.status_code == 200
    assert b"The window must end after it starts." in response.content
    assert not Campaign.objects.filter(name="Bad window").exists()
    data["business_hours-0-end_minute"] = "25:00"
    response = client.post(reverse("admin:campaigns_campaign_add"), data)
    assert b"is not a time of day" in response.content


def test_agent_has_no_admin_access(client, agent):
    client.force_login(agent)
    response = client.get(changelist(RedialRequest))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_sales_manager_sees_but_cannot_change(client, sales_manager, callbacks):
    client.force_login(sales_manager)
    assert client.get(changelist(RedialRequest)).status_code == 200
    assert client.get(changelist(Campaign)).status_code == 200
    campaign = callbacks[0].campaign
    change = client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content
    response = post_action(client, "cancel_requests", callbacks[:1])
    assert response.status_code == 200
    assert RedialRequest.objects.get(pk=callbacks[0].pk).status == RedialRequest.SCHEDULED
