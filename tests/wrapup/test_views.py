"""The workspace pages: each button, the forms' errors, privacy (404) and access (403)."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Attempt, Contact, RedialRequest
from strategies.models import AutoClassification
from wrapup.models import AgentSession
from wrapup.services import presence, sessions
from wrapup.services import wrap_up as wrap_up_services

from .helpers import ANSWERED, BUSY, call_result, outcome

WORKSPACE = reverse("wrapup:workspace")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def state(agent) -> str:
    return AgentSession.objects.get(agent=agent).state


def wrap_up(agent, campaign, contact) -> Attempt:
    presence.join_campaign(agent, campaign)
    ended = wrap_up_services.simulate_call_end(
        sessions.get_session(agent), outcome=outcome(ANSWERED), duration_seconds=60
    )
    return ended.attempt


def test_non_agents_get_403(client, supervisor, campaign):
    client.force_login(supervisor)
    assert client.get(WORKSPACE).status_code == 403
    assert client.post(reverse("wrapup:join"), {"campaign": campaign.pk}).status_code == 403


def test_workspace_offers_active_campaigns(agent_client, campaign):
    response = agent_client.get(WORKSPACE)
    assert response.status_code == 200
    assert campaign.name in response.text and "Join a campaign" in response.text


def test_join_shows_the_current_call(agent_client, agent, campaign, make_contact):
    contact = make_contact(campaign, name="Priya Sharma", custom_fields={"plan": "Gold"})
    response = agent_client.post(reverse("wrapup:join"), {"campaign": campaign.pk}, follow=True)
    assert "Priya Sharma" in response.text and contact.phone in response.text and "Gold" in response.text
    assert "Call ended" in response.text
    assert state(agent) == AgentSession.IN_CALL


def test_join_without_a_campaign_names_the_field(agent_client):
    response = agent_client.post(reverse("wrapup:join"), {"campaign": ""})
    assert response.status_code == 400
    assert "This field is required" in response.text


def test_call_end_with_bad_duration_names_the_field(agent_client, agent, campaign, make_contact):
    make_contact(campaign)
    presence.join_campaign(agent, campaign)
    response = agent_client.post(reverse("wrapup:call_end"), {"outcome": outcome(BUSY).pk, "duration_seconds": "-3"})
    assert response.status_code == 400
    assert "greater than or equal to 0" in response.text
    assert state(agent) == AgentSession.IN_CALL


def test_not_connected_call_shows_the_automatic_classification(agent_client, agent, campaign, make_contact):
    make_contact(campaign)
    presence.join_campaign(agent, campaign)
    response = agent_client.post(
        reverse("wrapup:call_end"), {"outcome": outcome(BUSY).pk, "duration_seconds": "0"}, follow=True
    )
    assert "Classified automatically as Busy from Customer Busy" in response.text


def test_wrap_up_page_lists_results_and_disables_pause_and_leave(agent_client, agent, campaign, make_contact):
    wrap_up(agent, campaign, make_contact(campaign))
    response = agent_client.get(WORKSPACE)
    text = response.text
    assert text.index("Successful") < text.index("Refusal") < text.index("Instant Retry")
    assert "Add Redial" in text
    pause_button = text[text.index(reverse("wrapup:pause")) :][:300]
    assert "disabled" in pause_button


def test_auto_classification_is_preselected_with_a_notice(agent_client, agent, campaign, make_contact):
    AutoClassification.objects.create(outcome=outcome(ANSWERED), call_result=call_result("busy"))
    wrap_up(agent, campaign, make_contact(campaign))
    response = agent_client.get(WORKSPACE)
    assert "Classified automatically as <strong>Busy</strong> from Call Answered" in response.text
    form = response.context["result_form"]
    assert form.initial["call_result"] == call_result("busy")


def test_pause_in_wrap_up_is_refused_with_a_message(agent_client, agent, campaign, make_contact):
    wrap_up(agent, campaign, make_contact(campaign))
    for name in ("wrapup:pause", "wrapup:leave"):
        response = agent_client.post(reverse(name), follow=True)
        assert "during wrap-up" in response.text
    assert state(agent) == AgentSession.WRAP_UP


def test_choosing_a_result_ends_wrap_up(agent_client, agent, campaign, make_contact):
    contact = make_contact(campaign)
    attempt = wrap_up(agent, campaign, contact)
    response = agent_client.post(
        reverse("wrapup:result", args=[attempt.pk]), {"call_result": call_result("successful").pk}, follow=True
    )
    assert "Wrap-up ended with Successful" in response.text
    contact.refresh_from_db()
    assert contact.status == Contact.DONE
    assert state(agent) == AgentSession.READY


def test_end_wrap_up_button_without_a_result_names_the_field(agent_client, agent, make_campaign, make_contact):
    campaign = make_campaign(requires_end_wrap_up=True)
    attempt = wrap_up(agent, campaign, make_contact(campaign))
    response = agent_client.post(reverse("wrapup:end_wrap_up", args=[attempt.pk]), {})
    assert response.status_code == 400
    assert "Choose a call result before ending wrap-up" in response.text
    response = agent_client.post(
        reverse("wrapup:end_wrap_up", args=[attempt.pk]), {"call_result": call_result("refusal").pk}, follow=True
    )
    assert "Wrap-up ended with Refusal" in response.text


def test_add_redial_saves_and_refuses_with_the_next_allowed_time(agent_client, agent, make_campaign, make_contact):
    campaign = make_campaign(zone="UTC")
    attempt = wrap_up(agent, campaign, make_contact(campaign))
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    url = reverse("wrapup:add_redial", args=[attempt.pk])
    response = agent_client.post(url, {"date": tomorrow, "hour": "10", "minute": "30", "owner": "common"}, follow=True)
    assert "Redial added: common" in response.text
    assert RedialRequest.objects.get(contact=attempt.contact, status="scheduled").owner is None
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    response = agent_client.post(url, {"date": yesterday, "hour": "10", "minute": "0", "owner": "personal"})
    assert response.status_code == 400
    assert "is not in the future" in response.text and "the next allowed time is" in response.text


def test_add_redial_form_errors_name_the_field(agent_client, agent, campaign, make_contact):
    attempt = wrap_up(agent, campaign, make_contact(campaign))
    response = agent_client.post(
        reverse("wrapup:add_redial", args=[attempt.pk]), {"date": "not-a-date", "hour": "25", "owner": "x"}
    )
    assert response.status_code == 400
    errors = response.context["redial_form"].errors
    assert {"date", "hour", "minute", "owner"} <= errors.keys()


def test_notes_are_saved(agent_client, agent, campaign, make_contact):
    contact = make_contact(campaign)
    presence.join_campaign(agent, campaign)
    agent_client.post(reverse("wrapup:notes"), {"notes": "Call after 6pm"})
    contact.refresh_from_db()
    assert contact.notes == "Call after 6pm"


def test_pause_resume_leave_buttons(agent_client, agent, campaign):
    agent_client.post(reverse("wrapup:join"), {"campaign": campaign.pk})
    agent_client.post(reverse("wrapup:pause"))
    assert state(agent) == AgentSession.PAUSED
    agent_client.post(reverse("wrapup:resume"))
    assert state(agent) == AgentSession.READY
    agent_client.post(reverse("wrapup:leave"))
    assert state(agent) == AgentSession.OFFLINE


def test_next_call_polling_redirects_when_a_call_is_found(agent_client, agent, campaign, make_contact):
    presence.join_campaign(agent, campaign)
    response = agent_client.post(reverse("wrapup:next_call"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and "HX-Redirect" not in response
    make_contact(campaign)
    response = agent_client.post(reverse("wrapup:next_call"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == WORKSPACE


def test_other_agents_calls_and_redials_answer_404(agent_client, agent, agent2, campaign, make_contact):
    theirs = wrap_up(agent2, campaign, make_contact(campaign))
    redial = wrap_up_services.add_wrap_up_redial(
        agent2, theirs, due_at=timezone.now() + timedelta(hours=2), personal=True
    )
    assert agent_client.get(reverse("wrapup:attempt", args=[theirs.pk])).status_code == 404
    assert agent_client.get(reverse("wrapup:redial", args=[redial.pk])).status_code == 404
    response = agent_client.post(
        reverse("wrapup:result", args=[theirs.pk]), {"call_result": call_result("successful").pk}
    )
    assert response.status_code == 404
    assert agent_client.post(reverse("wrapup:add_redial", args=[theirs.pk]), {}).status_code == 404
    assert state(agent2) == AgentSession.WRAP_UP


def test_own_call_and_redial_pages(agent_client, agent, campaign, make_contact):
    attempt = wrap_up(agent, campaign, make_contact(campaign, name="Rahul Verma"))
    redial = wrap_up_services.add_wrap_up_redial(
        agent, attempt, due_at=timezone.now() + timedelta(hours=2), personal=True
    )
    assert "Rahul Verma" in agent_client.get(reverse("wrapup:attempt", args=[attempt.pk])).text
    assert "Personal redial" in agent_client.get(reverse("wrapup:redial", args=[redial.pk])).text


def test_workspace_times_are_in_the_campaign_zone_not_utc(agent_client, agent, make_campaign, make_contact):
    """Kolkata is UTC+05:30: the wrap-up deadline, the attempt history and the agent's redials read in IST."""
    campaign = make_campaign(zone="Asia/Kolkata")
    attempt = wrap_up(agent, campaign, make_contact(campaign))
    session = AgentSession.objects.get(agent=agent)
    local_deadline = session.wrap_up_deadline_at.astimezone(ZoneInfo("Asia/Kolkata"))
    utc_deadline = session.wrap_up_deadline_at.astimezone(UTC)
    response = agent_client.get(WORKSPACE)
    assert f"Ends automatically at {local_deadline:%H:%M:%S} (Asia/Kolkata)" in response.text
    assert f"{utc_deadline:%H:%M:%S}" not in response.text
    assert "When (Asia/Kolkata)" in response.text and "(UTC)" not in response.text

    tomorrow = (timezone.now().astimezone(ZoneInfo("Asia/Kolkata")) + timedelta(days=1)).date()
    agent_client.post(
        reverse("wrapup:add_redial", args=[attempt.pk]),
        {"date": tomorrow.isoformat(), "hour": "10", "minute": "30", "owner": "personal"},
    )
    redial = RedialRequest.objects.get(contact=attempt.contact, status="scheduled", owner=agent)
    response = agent_client.get(WORKSPACE)
    assert f"{tomorrow:%a %d %b} 10:30 (Asia/Kolkata)" in response.text
    detail = agent_client.get(reverse("wrapup:redial", args=[redial.pk]))
    assert "Due (Asia/Kolkata)" in detail.text and f"{tomorrow:%a %d %b %Y} 10:30" in detail.text
    call = agent_client.get(reverse("wrapup:attempt", args=[attempt.pk]))
    local_start = attempt.started_at.astimezone(ZoneInfo("Asia/Kolkata"))
    assert "Started (Asia/Kolkata)" in call.text and f"{local_start:%a %d %b %Y %H:%M:%S}" in call.text


def test_a_ready_agent_in_a_closed_campaign_is_told_when_it_opens(agent_client, agent, make_campaign):
    closed = make_campaign(weekdays=[])  # no business hours at all: never open
    presence.join_campaign(agent, closed)
    page = agent_client.get(WORKSPACE).content.decode()
    assert 'id="campaign-closed"' in page and "Closed now" in page


def test_the_workspace_opens_with_a_callback_due_while_the_agent_waited(
    agent_client, agent, campaign, make_contact, make_redial
):
    presence.join_campaign(agent, campaign)
    assert state(agent) == AgentSession.READY
    contact = make_contact(campaign, name="Rahul Verma")
    make_redial(contact, timezone.now() - timedelta(seconds=5))
    page = agent_client.get(WORKSPACE).content.decode()
    assert state(agent) == AgentSession.IN_CALL and "Rahul Verma" in page
