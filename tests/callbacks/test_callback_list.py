"""The callbacks list: who may open it, what each tab holds, pages, bad filters, bounded queries."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from campaigns.models import RedialRequest
from campaigns.queries.callback_list import PAGE_SIZE, relative

pytestmark = pytest.mark.django_db
URL = "/campaigns/callbacks/"


def page(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def test_callbacks_url_is_the_named_route():
    assert reverse("campaigns:callbacks") == URL


@pytest.mark.parametrize(
    "persona, status",
    [("campaign_manager", 200), ("supervisor", 200), ("sales_manager", 200), ("agent", 403)],
)
def test_list_access_by_persona(client, request, persona, status):
    user = request.getfixturevalue(persona)
    assert page(client, user).status_code == status


def test_list_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_supervisor_sees_actions_and_sales_manager_does_not(client, supervisor, sales_manager, campaign, make_redial):
    redial = make_redial(campaign)
    actions = [reverse(f"campaigns:callback_{a}", args=[redial.pk]) for a in ("cancel", "reschedule", "reassign")]
    supervisor_page = page(client, supervisor).content.decode()
    assert all(url in supervisor_page for url in actions)
    sales_page = page(client, sales_manager).content.decode()
    assert redial.contact.phone in sales_page
    assert not any(url in sales_page for url in actions)
    assert "Read only" in sales_page


def test_row_shows_contact_phone_local_due_time_owner_source_remarks_explanation(
    client, supervisor, campaign, make_redial, make_user
):
    agent = make_user("Agent", username="arjun", first_name="Arjun", last_name="Kumar")
    redial = make_redial(
        campaign,
        due_in=timedelta(hours=3, minutes=10),
        owner=agent,
        source=RedialRequest.SOURCE_AGENT,
        remarks="Call after lunch",
        explanation="Redial added by arjun for Tue 24 Nov 14:00",
    )
    body = page(client, supervisor, tab="upcoming").content.decode()
    assert redial.contact.name in body and redial.contact.phone in body
    london = redial.due_at.astimezone(ZoneInfo("Europe/London"))
    assert london.strftime("%a %-d %b, %H:%M") in body
    assert "in 3 h 9 min" in body or "in 3 h 10 min" in body
    assert "Arjun Kumar" in body and "Agent redial" in body
    assert "Call after lunch" in body and "<details" in body and "Redial added by arjun" in body


def test_tabs_split_upcoming_overdue_personal_common_failed(client, supervisor, campaign, make_redial, make_user):
    agent = make_user("Agent", username="bea")
    upcoming_common = make_redial(campaign, due_in=timedelta(hours=1))
    upcoming_personal = make_redial(campaign, due_in=timedelta(hours=5), owner=agent)
    overdue = make_redial(campaign, due_in=-timedelta(minutes=20), status=RedialRequest.READY)
    failed = make_redial(
        campaign, due_in=-timedelta(hours=2), status=RedialRequest.FAILED, last_error="Dialer returned HTTP 502"
    )
    cancelled = make_redial(campaign, due_in=timedelta(hours=2), status=RedialRequest.CANCELLED)

    all_phones = [r.contact.phone for r in (upcoming_common, upcoming_personal, overdue, failed, cancelled)]

    def phones(tab, **extra):
        body = page(client, supervisor, tab=tab, **extra).content.decode()
        return {phone for phone in all_phones if phone in body}

    assert phones("upcoming") == {upcoming_common.contact.phone, upcoming_personal.contact.phone}
    assert phones("overdue") == {overdue.contact.phone}
    assert phones("personal") == {upcoming_personal.contact.phone}
    assert phones("personal", agent=agent.pk) == {upcoming_personal.contact.phone}
    assert phones("common") == {upcoming_common.contact.phone, overdue.contact.phone}
    assert phones("failed") == {failed.contact.phone}
    assert "Dialer returned HTTP 502" in page(client, supervisor, tab="failed").content.decode()
    assert "overdue 20 min" in page(client, supervisor, tab="overdue").content.decode()


def test_due_time_is_shown_in_the_campaign_zone(client, supervisor, other_campaign, make_redial):
    redial = make_redial(other_campaign, due_in=timedelta(days=1))
    kolkata = redial.due_at.astimezone(ZoneInfo("Asia/Kolkata"))
    body = page(client, supervisor).content.decode()
    assert kolkata.strftime("%a %-d %b, %H:%M") in body and "Asia/Kolkata" in body
    action = client.get(reverse("campaigns:callback_reschedule", args=[redial.pk])).content.decode()
    assert kolkata.strftime("%a %-d %b %Y, %H:%M") in action


def test_campaign_filter_keeps_one_campaign(client, supervisor, campaign, other_campaign, make_redial):
    ours = make_redial(campaign)
    theirs = make_redial(other_campaign)
    body = page(client, supervisor, campaign=campaign.pk).content.decode()
    assert ours.contact.phone in body and theirs.contact.phone not in body


def test_tab_badges_count_each_tab(client, supervisor, campaign, make_redial):
    for _ in range(3):
        make_redial(campaign, due_in=-timedelta(hours=1))
    response = page(client, supervisor)
    counts = {item["key"]: item["count"] for item in response.context["tab_items"]}
    assert counts == {"upcoming": 0, "overdue": 3, "personal": 0, "common": 3, "failed": 0}


@pytest.mark.parametrize(
    "params",
    [
        {"campaign": "abc"},
        {"campaign": "999999"},
        {"agent": "not-a-number"},
        {"tab": "everything"},
        {"after": "garbage"},
        {"after": "2026-01-01T10:00:00|x"},
        {"tab": "common", "agent": "1"},
    ],
)
def test_bad_filters_answer_with_a_message_not_an_error(client, supervisor, campaign, make_redial, params):
    make_redial(campaign)
    response = page(client, supervisor, **params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "alert-danger" in response.content.decode() or "invalid-feedback" in response.content.decode()


def test_common_tab_with_an_agent_names_the_conflict(client, supervisor, campaign, make_user):
    agent = make_user("Agent", username="cy")
    response = page(client, supervisor, tab="common", agent=agent.pk)
    assert "Common callbacks have no owner" in response.content.decode()


def test_pages_follow_due_time_without_overlap(client, supervisor, campaign, make_redial):
    made = [make_redial(campaign, due_in=timedelta(minutes=10 + i)) for i in range(PAGE_SIZE + 10)]
    first = page(client, supervisor)
    first_ids = [row.request.pk for row in first.context["rows"]]
    assert first_ids == [r.pk for r in made[:PAGE_SIZE]]
    cursor = first.context["next_cursor"]
    assert cursor
    second = page(client, supervisor, after=cursor)
    assert [row.request.pk for row in second.context["rows"]] == [r.pk for r in made[PAGE_SIZE:]]
    assert second.context["next_cursor"] == ""


def test_failed_tab_shows_newest_failure_first(client, supervisor, campaign, make_redial):
    older = make_redial(campaign, due_in=-timedelta(days=2), status=RedialRequest.FAILED)
    newer = make_redial(campaign, due_in=-timedelta(hours=1), status=RedialRequest.FAILED)
    rows = page(client, supervisor, tab="failed").context["rows"]
    assert [row.request.pk for row in rows] == [newer.pk, older.pk]


def test_list_makes_a_bounded_number_of_queries(
    client, supervisor, campaign, make_redial, make_user, django_assert_max_num_queries
):
    agents = [make_user("Agent", username=f"agent{i}") for i in range(5)]
    for i in range(50):
        make_redial(campaign, due_in=timedelta(minutes=5 + i), owner=agents[i % 5])
    client.force_login(supervisor)
    for tab in ("upcoming", "personal", "overdue", "common", "failed"):
        # session, user, groups for the navigation, form choices, one page, five capped counts: not one per row.
        with django_assert_max_num_queries(16):
            response = client.get(URL, {"tab": tab})
        assert response.status_code == 200
    assert len(client.get(URL, {"tab": "personal"}).context["rows"]) == 50


@pytest.mark.parametrize(
    "delta, text",
    [
        (timedelta(hours=2), "in 2 h"),
        (timedelta(hours=2, minutes=5), "in 2 h 5 min"),
        (-timedelta(minutes=10), "overdue 10 min"),
        (timedelta(days=3, hours=1), "in 3 d 1 h"),
        (timedelta(seconds=20), "now"),
        (-timedelta(days=1), "overdue 1 d"),
    ],
)
def test_relative_due_time(delta, text):
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert relative(now + delta, now) == text
