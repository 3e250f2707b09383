"""The supervisor's live floor view and the campaign's "open now" line."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import BusinessHourWindow, Campaign, Holiday, RedialRequest
from campaigns.queries.dashboard import calling_now
from tests.factories import AgentSessionFactory, ContactFactory
from wrapup.floor import duration_text, floor_view
from wrapup.models import AgentSession

LONDON = ZoneInfo("Europe/London")
# Monday 1 June 2026 (British Summer Time).
MONDAY_10 = dt.datetime(2026, 6, 1, 10, 0, tzinfo=LONDON)
MONDAY_18 = dt.datetime(2026, 6, 1, 18, 0, tzinfo=LONDON)


# --- Who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["wrapup:floor", "wrapup:floor_live"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [("Supervisor", 200), ("Campaign Manager", 200), ("Sales Manager", 200), ("Agent", 403)],
)
def test_floor_is_for_supervisors_and_managers_not_agents(client, make_user, persona, status, url_name):
    client.force_login(make_user(persona))
    assert client.get(reverse(url_name)).status_code == status


def test_floor_needs_a_login(client):
    response = client.get(reverse("wrapup:floor"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_floor_nav_item_only_for_those_who_may_open_it(client, supervisor, agent):
    client.force_login(supervisor)
    assert f'href="{reverse("wrapup:floor")}"' in client.get(reverse("wrapup:floor")).content.decode()
    client.force_login(agent)
    page = client.get(reverse("wrapup:workspace")).content.decode()
    assert f'href="{reverse("wrapup:floor")}"' not in page


# --- What it shows -------------------------------------------------------------------------------


def test_floor_shows_each_agent_state_time_in_state_contact_and_counts(client, supervisor, make_user, campaign):
    now = timezone.now()
    priya = ContactFactory(campaign=campaign, name="Priya Sharma", phone="+447700900123")
    rahul = ContactFactory(campaign=campaign, name="Rahul Verma", phone="+447700900456")
    AgentSessionFactory(
        agent=make_user("Agent", username="ready1"),
        campaign=campaign,
        state=AgentSession.READY,
        since=now - dt.timedelta(minutes=3, seconds=10),
    )
    AgentSessionFactory(
        agent=make_user("Agent", username="ready2"), campaign=campaign, state=AgentSession.READY, since=now
    )
    AgentSessionFactory(
        agent=make_user("Agent", username="caller"),
        campaign=campaign,
        state=AgentSession.IN_CALL,
        since=now - dt.timedelta(minutes=7),
        current_contact=priya,
    )
    AgentSessionFactory(
        agent=make_user("Agent", username="wrapper"),
        campaign=campaign,
        state=AgentSession.WRAP_UP,
        since=now - dt.timedelta(minutes=1),
        current_contact=rahul,
        wrap_up_deadline_at=now + dt.timedelta(minutes=2, seconds=30),
    )
    AgentSessionFactory(
        agent=make_user("Agent", username="pauser"),
        campaign=campaign,
        state=AgentSession.PAUSED,
        since=now - dt.timedelta(hours=1, minutes=5),
    )
    AgentSessionFactory(
        agent=make_user("Agent", username="gone"), campaign=campaign, state=AgentSession.OFFLINE, since=now
    )
    client.force_login(supervisor)

    page = client.get(reverse("wrapup:floor")).content.decode()

    assert "Spring offers" in page
    assert "ready1" in page and "caller" in page and "wrapper" in page and "pauser" in page
    assert "gone" not in page
    assert "3 min" in page and "under 1 min" in page and "7 min" in page and "1 h 05 min" in page
    assert "Priya Sharma" in page and "+447700900123" in page and "Rahul Verma" in page
    assert "2 min left" in page
    assert 'hx-trigger="every 10s"' in page and f'hx-get="{reverse("wrapup:floor_live")}"' in page
    entry = floor_view()[0]
    assert [(state, n) for state, _, n in entry.counts] == [("ready", 2), ("in_call", 1), ("wrap_up", 1), ("paused", 1)]
    assert "Ready: <strong>2</strong>" in page and "In call: <strong>1</strong>" in page
    assert "Wrap-up: <strong>1</strong>" in page and "Paused: <strong>1</strong>" in page


def test_contact_shown_only_in_call_or_wrap_up(make_user, campaign):
    # A stale current_contact on a ready agent (the call ended) is not shown as the agent's customer.
    AgentSessionFactory(
        agent=make_user("Agent"),
        campaign=campaign,
        state=AgentSession.READY,
        since=timezone.now(),
        current_contact=ContactFactory(campaign=campaign, name="Priya Sharma", phone="+447700900123"),
    )
    assert floor_view()[0].agents[0].contact is None


def test_live_partial_is_a_fragment_with_the_same_content(client, supervisor, make_user, campaign):
    AgentSessionFactory(
        agent=make_user("Agent", username="ready1"), campaign=campaign, state=AgentSession.READY, since=timezone.now()
    )
    client.force_login(supervisor)
    response = client.get(reverse("wrapup:floor_live"), HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in fragment and "hx-trigger" not in fragment
    assert "ready1" in fragment and "Ready: <strong>1</strong>" in fragment


def test_wrap_up_deadline_in_campaign_zone_and_overdue(make_user, campaign):
    now = MONDAY_10
    AgentSessionFactory(
        agent=make_user("Agent", username="w1"),
        campaign=campaign,
        state=AgentSession.WRAP_UP,
        since=now,
        wrap_up_deadline_at=dt.datetime(2026, 6, 1, 9, 2, tzinfo=dt.UTC),
    )
    AgentSessionFactory(
        agent=make_user("Agent", username="w2"),
        campaign=campaign,
        state=AgentSession.WRAP_UP,
        since=now,
        wrap_up_deadline_at=dt.datetime(2026, 6, 1, 8, 55, tzinfo=dt.UTC),
    )
    texts = sorted(a.deadline_text for a in floor_view(now)[0].agents)
    # 09:02 UTC is 10:02 in London in June.
    assert texts == ["ends 10:02 (2 min left)", "timed out at 09:55 (5 min ago)"]


def test_callbacks_waiting_now_split_personal_and_common(make_user, campaign):
    now = timezone.now()
    owner = make_user("Agent")
    people = [ContactFactory(campaign=campaign, name=f"C{i}", phone=f"+4477009001{i:02d}") for i in range(6)]
    RedialRequest.objects.create(
        contact=people[0], campaign=campaign, due_at=now, status=RedialRequest.READY, owner=owner
    )
    RedialRequest.objects.create(
        contact=people[1], campaign=campaign, due_at=now - dt.timedelta(minutes=5), owner=owner
    )
    RedialRequest.objects.create(contact=people[2], campaign=campaign, due_at=now - dt.timedelta(minutes=1))
    RedialRequest.objects.create(contact=people[3], campaign=campaign, due_at=now, status=RedialRequest.READY)
    # Not waiting now: due later, or already done.
    RedialRequest.objects.create(contact=people[4], campaign=campaign, due_at=now + dt.timedelta(hours=1))
    RedialRequest.objects.create(contact=people[5], campaign=campaign, due_at=now, status=RedialRequest.DONE)
    entry = floor_view(now)[0]
    assert (entry.personal_callbacks, entry.common_callbacks) == (2, 2)


def test_paused_campaign_with_agents_stays_on_the_floor_and_others_do_not(make_user, campaign):
    paused = Campaign.objects.create(name="Paused one", zone="UTC", max_attempts=3, status=Campaign.PAUSED)
    Campaign.objects.create(name="Paused empty", zone="UTC", max_attempts=3, status=Campaign.PAUSED)
    AgentSessionFactory(agent=make_user("Agent"), campaign=paused, state=AgentSession.PAUSED, since=timezone.now())
    assert [e.campaign.name for e in floor_view()] == ["Paused one", "Spring offers"]


def test_floor_queries_stay_bounded_with_many_agents(
    client, supervisor, make_user, campaign, django_assert_max_num_queries
):
    other = Campaign.objects.create(name="Autumn", zone="Asia/Kolkata", max_attempts=3)
    BusinessHourWindow.objects.create(campaign=other, weekday=0, start_minute=540, end_minute=1080)
    Holiday.objects.create(campaign=other, date=dt.date(2026, 12, 25))
    now = timezone.now()
    states = [AgentSession.READY, AgentSession.IN_CALL, AgentSession.WRAP_UP, AgentSession.PAUSED]
    for i in range(40):
        where = campaign if i % 2 else other
        AgentSessionFactory(
            agent=make_user("Agent", username=f"a{i}"),
            campaign=where,
            state=states[i % 4],
            since=now - dt.timedelta(minutes=i),
            current_contact=ContactFactory(campaign=where, name=f"Customer {i}", phone=f"+4477009{i:05d}"),
            wrap_up_deadline_at=now + dt.timedelta(minutes=1),
        )
    client.force_login(supervisor)
    # Session, user, groups/permissions, then the five floor queries: none per agent or per campaign.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("wrapup:floor_live"))
    assert response.content.decode().count("<tr data-agent=") == 40
    with django_assert_max_num_queries(5):
        floor = floor_view(now)
    assert sum(len(e.agents) for e in floor) == 40


# --- Open now? -----------------------------------------------------------------------------------


def test_open_campaign_says_until_when(campaign):
    assert calling_now(campaign, MONDAY_10).text == "Open now until 17:00"


def test_closed_campaign_names_the_next_opening_in_its_zone(campaign):
    calling = calling_now(campaign, MONDAY_18)
    assert not calling.is_open
    assert calling.text == "Closed now — opens Tue 09:00 (Europe/London)"


def test_holiday_closes_the_day_and_contact_window_ends_it_early(campaign):
    Holiday.objects.create(campaign=campaign, date=dt.date(2026, 6, 2))
    assert calling_now(campaign, MONDAY_18).text == "Closed now — opens Wed 09:00 (Europe/London)"
    campaign.contact_window_start, campaign.contact_window_end = 8 * 60, 16 * 60
    assert calling_now(campaign, MONDAY_10).text == "Open now until 16:00"


def test_adjacent_windows_are_one_opening(campaign):
    BusinessHourWindow.objects.filter(campaign=campaign, weekday=0).delete()
    BusinessHourWindow.objects.create(campaign=campaign, weekday=0, start_minute=540, end_minute=720)
    BusinessHourWindow.objects.create(campaign=campaign, weekday=0, start_minute=720, end_minute=1200)
    assert calling_now(campaign, MONDAY_10).text == "Open now until 20:00"


def test_ended_campaign_has_no_next_opening(campaign):
    campaign.ends_at = MONDAY_10 - dt.timedelta(days=1)
    assert calling_now(campaign, MONDAY_10).text == "Closed now — no opening within a year"


def test_floor_and_dashboard_use_the_same_open_line(client, campaign_manager, campaign):
    expected = calling_now(campaign).text
    client.force_login(campaign_manager)
    line_url = reverse("campaigns:calling_now", args=[campaign.pk])
    dashboard = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    # The dashboard loads the line with htmx, and refreshes it, from the same helper the floor uses.
    assert f'hx-get="{line_url}"' in dashboard and 'hx-trigger="load, every 60s"' in dashboard
    assert expected in client.get(line_url).content.decode()
    assert expected in client.get(reverse("wrapup:floor")).content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("Supervisor", 200), ("Campaign Manager", 200), ("Sales Manager", 200), ("Agent", 403)],
)
def test_open_line_follows_the_dashboard_permission(client, make_user, campaign, persona, status):
    client.force_login(make_user(persona))
    assert client.get(reverse("campaigns:calling_now", args=[campaign.pk])).status_code == status


def test_open_line_of_a_missing_campaign_is_404(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("campaigns:calling_now", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("seconds", "text"), [(-5, "under 1 min"), (59, "under 1 min"), (180, "3 min"), (3600 + 300, "1 h 05 min")]
)
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text
