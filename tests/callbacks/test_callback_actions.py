"""Cancel, reschedule and reassign from the callbacks screen, each through campaigns.services."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import RedialRequest
from campaigns.web.callback_forms import RescheduleForm

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ACTIONS = ("cancel", "reschedule", "reassign")


def url(action, redial, **query):
    base = reverse(f"campaigns:callback_{action}", args=[redial.pk])
    if query:
        from urllib.parse import urlencode

        base += "?" + urlencode(query)
    return base


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = timezone.now().astimezone(LONDON).date() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    "persona, status",
    [("campaign_manager", 200), ("supervisor", 200), ("sales_manager", 403), ("agent", 403)],
)
def test_action_pages_by_persona(client, request, campaign, make_redial, action, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(action, make_redial(campaign))).status_code == status


@pytest.mark.parametrize("persona", ["sales_manager", "agent"])
def test_posts_are_refused_to_readers_and_change_nothing(client, request, campaign, make_redial, make_user, persona):
    client.force_login(request.getfixturevalue(persona))
    redial = make_redial(campaign)
    other = make_user("Agent", username="target")
    due = tomorrow_at(10)
    assert client.post(url("cancel", redial)).status_code == 403
    assert client.post(url("reassign", redial), {"owner": other.pk}).status_code == 403
    assert client.post(url("reschedule", redial), {"date": due.date(), "time": "10:00"}).status_code == 403
    redial.refresh_from_db()
    assert redial.status == RedialRequest.SCHEDULED and redial.owner is None


def test_cancel_asks_first_then_cancels_with_the_reason(client, supervisor, campaign, make_redial):
    client.force_login(supervisor)
    redial = make_redial(campaign)
    confirm = client.get(url("cancel", redial))
    assert "Cancel this callback?" in confirm.content.decode()
    redial.refresh_from_db()
    assert redial.status == RedialRequest.SCHEDULED
    response = client.post(
        url("cancel", redial), {"reason": "customer asked us to stop", "next": "/campaigns/callbacks/?tab=overdue"}
    )
    assert response.status_code == 302 and response.url == "/campaigns/callbacks/?tab=overdue"
    redial.refresh_from_db()
    assert redial.status == RedialRequest.CANCELLED
    assert redial.close_reason == "cancelled by super: customer asked us to stop"
    redial.contact.refresh_from_db()
    assert redial.contact.status == "pending"


def test_cancelling_a_closed_request_is_refused_with_a_message(client, supervisor, campaign, make_redial):
    client.force_login(supervisor)
    redial = make_redial(campaign, status=RedialRequest.DONE)
    response = client.post(url("cancel", redial), follow=True)
    assert "Not cancelled: This redial request is already done" in response.content.decode()
    redial.refresh_from_db()
    assert redial.status == RedialRequest.DONE


def test_next_never_leaves_the_site(client, supervisor, campaign, make_redial):
    client.force_login(supervisor)
    response = client.post(url("cancel", make_redial(campaign)), {"next": "https://evil.example/phish"})
    assert response.url == "/campaigns/callbacks/"


def test_reschedule_form_starts_at_the_current_local_due_time(client, campaign_manager, campaign, make_redial):
    client.force_login(campaign_manager)
    redial = make_redial(campaign)
    form = client.get(url("reschedule", redial)).context["form"]
    local = redial.due_at.astimezone(LONDON)
    assert form.initial == {"date": local.date(), "time": local.time().replace(second=0, microsecond=0)}
    # Browsers' date and time inputs take only ISO values.
    body = client.get(url("reschedule", redial)).content.decode()
    assert f'value="{local:%Y-%m-%d}"' in body and f'value="{local:%H:%M}"' in body


def test_reschedule_to_an_allowed_time_moves_the_request(client, supervisor, campaign, make_redial):
    client.force_login(supervisor)
    redial = make_redial(campaign)
    due = tomorrow_at(10, 30)
    response = client.post(url("reschedule", redial), {"date": due.date().isoformat(), "time": "10:30"}, follow=True)
    redial.refresh_from_db()
    assert redial.due_at == due
    assert "Rescheduled by super" in redial.explanation
    assert f"moved to {due:%a %d %b %Y} 10:30 (Europe/London)" in response.content.decode()


def test_reschedule_outside_hours_is_refused_naming_the_next_allowed_time(client, supervisor, campaign, make_redial):
    client.force_login(supervisor)
    redial = make_redial(campaign)
    before = redial.due_at
    late = tomorrow_at(20)
    response = client.post(url("reschedule", redial), {"date": late.date().isoformat(), "time": "20:00"})
    assert response.status_code == 400
    next_opening = tomorrow_at(9) + timedelta(days=1)
    label = f"{next_opening:%a} {next_opening.day} {next_opening:%b} 09:00"
    body = response.content.decode()
    assert "the next allowed time is" in body and label in body
    # The inputs now hold that time, so one click accepts it.
    form = response.context["form"]
    assert form.data["date"] == next_opening.date().isoformat() and form.data["time"] == "09:00"
    redial.refresh_from_db()
    assert redial.due_at == before


def test_reschedule_into_the_past_is_refused(client, supervisor, campaign, make_redial):
    client.force_login(supervisor)
    redial = make_redial(campaign)
    past = timezone.now().astimezone(LONDON) - timedelta(days=2)
    response = client.post(url("reschedule", redial), {"date": past.date().isoformat(), "time": "10:00"})
    assert response.status_code == 400
    assert "is not in the future" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [{"date": "2026-02-30", "time": "10:00"}, {"date": "tomorrow", "time": "10:00"}, {"date": "", "time": "25:61"}, {}],
)
def test_reschedule_with_bad_input_shows_field_errors(client, supervisor, campaign, make_redial, data):
    client.force_login(supervisor)
    redial = make_redial(campaign)
    response = client.post(url("reschedule", redial), data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert "invalid-feedback" in response.content.decode()


def test_reschedule_refuses_a_time_skipped_by_the_clocks_going_forward():
    form = RescheduleForm({"date": "2027-03-28", "time": "01:30"}, zone="Europe/London")
    assert not form.is_valid()
    assert "does not exist in Europe/London" in form.non_field_errors()[0]


def test_reschedule_reads_the_time_in_the_campaign_zone():
    form = RescheduleForm({"date": "2027-07-01", "time": "09:15"}, zone="Asia/Kolkata")
    assert form.is_valid()
    assert form.cleaned_data["due_at"] == datetime(2027, 7, 1, 3, 45, tzinfo=ZoneInfo("UTC"))


def test_reschedule_of_a_request_being_dialed_is_refused(client, supervisor, campaign, make_redial):
    client.force_login(supervisor)
    redial = make_redial(campaign, status=RedialRequest.DIALING)
    due = tomorrow_at(11)
    response = client.post(url("reschedule", redial), {"date": due.date().isoformat(), "time": "11:00"}, follow=True)
    assert "Not rescheduled: This redial request is dialing right now" in response.content.decode()


def test_reassign_to_an_agent_then_make_common(client, supervisor, campaign, make_redial, make_user):
    client.force_login(supervisor)
    agent = make_user("Agent", username="arjun", first_name="Arjun", last_name="Kumar")
    redial = make_redial(campaign)
    response = client.post(url("reassign", redial), {"owner": agent.pk}, follow=True)
    redial.refresh_from_db()
    assert redial.owner == agent
    assert "is now personal to Arjun Kumar" in response.content.decode()
    assert "Reassigned by super to arjun" in redial.explanation
    response = client.post(url("reassign", redial), {"owner": ""}, follow=True)
    redial.refresh_from_db()
    assert redial.owner is None
    assert "is now common" in response.content.decode()


def test_reassign_offers_only_agents_and_refuses_anyone_else(client, supervisor, campaign, make_redial, make_user):
    client.force_login(supervisor)
    agent = make_user("Agent", username="arjun")
    redial = make_redial(campaign)
    choices = [str(value) for value, _ in client.get(url("reassign", redial)).context["form"].fields["owner"].choices]
    assert str(agent.pk) in choices and str(supervisor.pk) not in choices
    response = client.post(url("reassign", redial), {"owner": supervisor.pk})
    assert response.status_code == 400
    assert "only agents own personal callbacks" in response.content.decode()
    redial.refresh_from_db()
    assert redial.owner is None


def test_reassigning_a_closed_request_is_refused(client, campaign_manager, campaign, make_redial, make_user):
    client.force_login(campaign_manager)
    agent = make_user("Agent", username="arjun")
    redial = make_redial(campaign, status=RedialRequest.CANCELLED)
    response = client.post(url("reassign", redial), {"owner": agent.pk}, follow=True)
    assert "Not reassigned: This redial request is already cancelled" in response.content.decode()
    redial.refresh_from_db()
    assert redial.owner is None


def test_unknown_request_is_not_found(client, supervisor):
    client.force_login(supervisor)
    assert client.get("/campaigns/callbacks/999999/cancel/").status_code == 404
