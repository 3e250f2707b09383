"""POST /api/leads/: authentication, idempotency, validation, the out-of-hours queue, fuzzing."""

import json
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import Campaign, Contact, LeadSubmission, RedialRequest
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

URL = "/api/leads/"
LONDON = ZoneInfo("Europe/London")
KEY = "lead-key-0123456789"


@pytest.fixture
def campaign():
    return CampaignFactory(
        name="Web leads",
        zone="Europe/London",
        max_attempts=5,
        opening_delay_minutes=10,
        queue_spacing_seconds=30,
        lead_api_key=KEY,
        hours=[(9 * 60, 17 * 60)],
        hours__weekdays=range(5),
    )


def post(client, payload, *, key=KEY, idempotency="lead-1", content_type="application/json"):
    headers = {}
    if key is not None:
        headers["HTTP_X_API_KEY"] = key
    if idempotency is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    return client.post(URL, body, content_type=content_type, **headers)


def at(local: datetime):
    """Freeze the services' clock at a London wall-clock time."""
    return mock.patch("django.utils.timezone.now", return_value=local.replace(tzinfo=LONDON).astimezone(UTC))


def test_lead_inside_hours_is_due_at_once(client, campaign):
    with at(datetime(2026, 11, 24, 11, 0)):  # a Tuesday
        response = post(client, {"name": "Ada", "phone": "+442079460961", "custom_fields": {"utm": "cpc"}})
    assert response.status_code == 201, response.content
    body = response.json()
    request = RedialRequest.objects.get(pk=body["redial_request_id"])
    assert request.source == RedialRequest.SOURCE_LEAD
    assert request.due_at == datetime(2026, 11, 24, 11, 0, tzinfo=LONDON)
    contact = Contact.objects.get(pk=body["contact_id"])
    assert contact.name == "Ada" and contact.custom_fields == {"utm": "cpc"}
    assert contact.zone == "Europe/London"


def test_500_overnight_leads_are_spaced_from_the_opening_in_arrival_order(client, campaign):
    arrivals = datetime(2026, 11, 24, 19, 0)
    for n in range(500):
        with at(arrivals + timedelta(seconds=30 * n)):
            response = post(client, {"phone": f"+4420794{n:05d}"}, idempotency=f"lead-{n}")
        assert response.status_code == 201, response.content
    due = list(LeadSubmission.objects.order_by("received_at", "id").values_list("redial_request__due_at", flat=True))
    opening = datetime(2026, 11, 25, 9, 10, tzinfo=LONDON)
    assert due == [opening + timedelta(seconds=30 * k) for k in range(500)]
    assert due[-1].astimezone(LONDON).time().isoformat() == "13:19:30"


def test_a_queue_longer_than_the_window_spills_into_the_next_opening(client, campaign):
    campaign.queue_spacing_seconds = 3600
    campaign.save()
    for n in range(10):
        with at(datetime(2026, 11, 24, 20, 0) + timedelta(minutes=n)):
            assert post(client, {"phone": f"+4420794{n:05d}"}, idempotency=f"spill-{n}").status_code == 201
    due = [
        d.astimezone(LONDON)
        for d in LeadSubmission.objects.order_by("id").values_list("redial_request__due_at", flat=True)
    ]
    # Wed 09:10, 10:10 ... 16:10 are 8 slots; 17:10 is closed, so the 9th waits for Thu 09:10.
    assert [d.strftime("%a %H:%M") for d in due] == [
        "Wed 09:10", "Wed 10:10", "Wed 11:10", "Wed 12:10", "Wed 13:10", "Wed 14:10", "Wed 15:10", "Wed 16:10",
        "Thu 09:10", "Thu 10:10",
    ]  # fmt: skip


def test_a_double_post_with_the_same_key_makes_one_lead(client, campaign):
    with at(datetime(2026, 11, 24, 11, 0)):
        first = post(client, {"phone": "+442079460961"}, idempotency="form-42")
        second = post(client, {"phone": "+442079460961"}, idempotency="form-42")
    assert first.status_code == 201 and second.status_code == 200
    assert first.json() == second.json()
    assert Contact.objects.count() == 1 and LeadSubmission.objects.count() == 1
    assert RedialRequest.objects.count() == 1


def test_a_key_reused_for_another_lead_is_a_409_and_records_nothing(client, campaign):
    with at(datetime(2026, 11, 24, 11, 0)):
        assert post(client, {"phone": "+442079460961"}, idempotency="form-7").status_code == 201
        reused = post(client, {"phone": "+442079460962"}, idempotency="form-7")
    assert reused.status_code == 409
    assert reused.json()["field"] == "Idempotency-Key"
    assert Contact.objects.count() == 1


def test_the_key_may_come_in_the_body(client, campaign):
    with at(datetime(2026, 11, 24, 11, 0)):
        response = post(client, {"phone": "+442079460961", "idempotency_key": "in-body"}, idempotency=None)
    assert response.status_code == 201
    assert LeadSubmission.objects.get().idempotency_key == "in-body"


def test_a_malformed_post_names_each_bad_field(client, campaign):
    response = post(client, {"phone": "12345", "zone": "Mars/Base", "custom_fields": [1], "colour": "red"})
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"zone", "custom_fields", "colour"} <= fields
    response = post(client, {"phone": "12345"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["phone"]
    assert "E.164" in response.json()["errors"][0]["message"]
    assert not Contact.objects.exists() and not LeadSubmission.objects.exists()


def test_missing_phone_and_key_are_named(client, campaign):
    response = post(client, {"name": "No phone"}, idempotency=None)
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"phone", "idempotency_key"}


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_a_missing_or_wrong_api_key_is_401_and_records_nothing(client, campaign, key):
    response = post(client, {"phone": "+442079460961"}, key=key)
    assert response.status_code == 401
    assert response.json()["field"] == "X-Api-Key"
    assert not Contact.objects.exists()


def test_an_api_key_of_another_campaign_is_refused_for_this_one(client, campaign):
    response = post(client, {"phone": "+442079460961", "campaign": "Someone else's"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "campaign"


def test_wrong_content_type_bad_json_and_wrong_method(client, campaign):
    assert post(client, "phone=+442079460961", content_type="application/x-www-form-urlencoded").status_code == 415
    response = post(client, "{not json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]
    assert post(client, "[1, 2]").status_code == 400
    assert client.get(URL, HTTP_X_API_KEY=KEY).status_code == 405


def test_an_oversized_body_is_413(client, campaign):
    response = post(client, {"phone": "+442079460961", "name": "x" * 70_000})
    assert response.status_code == 413


def test_a_lead_for_a_known_phone_reuses_the_contact(client, campaign):
    with at(datetime(2026, 11, 24, 11, 0)):
        post(client, {"phone": "+442079460961"}, idempotency="a")
        second = post(client, {"phone": "+442079460961"}, idempotency="b")
    assert second.status_code == 201
    assert Contact.objects.count() == 1
    assert RedialRequest.objects.filter(status=RedialRequest.SCHEDULED).count() == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.fixed_dictionaries(
            {"phone": st.text(max_size=20)},
            optional={"name": json_values, "zone": json_values, "custom_fields": json_values, "campaign": json_values},
        ).map(lambda v: json.dumps(v).encode()),
    ),
    content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded", ""]),
    key=st.sampled_from([KEY, "", "nope"]),
    idempotency=st.text(max_size=120),
)
def test_no_body_ever_gets_a_500(client, campaign, body, content_type, key, idempotency):
    client.raise_request_exception = False
    headers = {"HTTP_X_API_KEY": key}
    if idempotency.isprintable() and "\n" not in idempotency:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency
    response = client.post(URL, body, content_type=content_type, **headers)
    assert response.status_code < 500, response.content


def test_queue_view_lists_the_next_opening_with_each_planned_time(client, campaign, supervisor, agent):
    for n in range(3):
        with at(datetime(2026, 11, 24, 22, 0) + timedelta(minutes=n)):
            post(client, {"phone": f"+4420794{n:05d}", "name": f"Lead {n}"}, idempotency=f"q-{n}")
    client.force_login(supervisor)
    with at(datetime(2026, 11, 24, 23, 0)):
        page = client.get(f"/campaigns/queue/{campaign.pk}/").content.decode()
    assert "Opening Wed 25 Nov 2026 09:00" in page
    assert "09:10:00" in page and "09:10:30" in page and "09:11:00" in page
    assert page.index("Lead 0") < page.index("Lead 1") < page.index("Lead 2")
    assert "3 queued" in page
    client.force_login(agent)
    assert client.get(f"/campaigns/queue/{campaign.pk}/").status_code == 403


def test_a_lead_whose_number_a_rule_forbids_now_waits_naming_the_rule(client, campaign):
    from campaigns.models import Attempt, Campaign
    from campaigns.services import attempt_rules
    from strategies.models import Outcome

    attempt_rules.add_preset(campaign, "florida_3_in_24h", by=None)
    elsewhere = Campaign.objects.create(name="Elsewhere", zone="Europe/London", max_attempts=5)
    called = Contact.objects.create(campaign=elsewhere, phone="+442079460961")
    arrived = datetime(2026, 11, 24, 11, 0, tzinfo=LONDON)  # a Tuesday
    for number, hours_ago in enumerate((3, 2, 1), start=1):
        Attempt.objects.create(
            contact=called,
            campaign=elsewhere,
            number=number,
            started_at=arrived - timedelta(hours=hours_ago),
            outcome=Outcome.objects.get(code="sip.customer_no_answer"),
        )
    with at(datetime(2026, 11, 24, 11, 0)):
        response = post(client, {"name": "Ada", "phone": "+442079460961"})
    assert response.status_code == 201, response.content
    request = RedialRequest.objects.get(pk=response.json()["redial_request_id"])
    # Three calls since 08:00: the first leaves the 24 hours at 08:00 on Wednesday, before opening at 09:00.
    assert request.due_at == datetime(2026, 11, 25, 9, 10, tzinfo=LONDON)
    assert "Florida: 3 calls in 24 hours reached" in request.explanation


def test_queue_overview_counts_who_waits_and_names_the_next_opening(client, campaign, supervisor):
    for n in range(3):
        with at(datetime(2026, 11, 24, 22, 0) + timedelta(minutes=n)):
            post(client, {"phone": f"+4420794{n:05d}", "name": f"Lead {n}"}, idempotency=f"o-{n}")
    client.force_login(supervisor)
    with at(datetime(2026, 11, 24, 23, 0)):
        page = client.get("/campaigns/queue/").content.decode()
    row = page[page.index(f'data-campaign="{campaign.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'queue-waiting">3<' in row
    assert "Wed 25 Nov 09:00 (Europe/London)" in row


def test_a_lead_for_a_campaign_the_engine_refuses_is_stored_queued_and_the_error_shown(client, campaign):
    # A value the form refuses, written straight into the database: the engine refuses it too.
    Campaign.objects.filter(pk=campaign.pk).update(redial_delay_amount=999_999, redial_delay_unit="d")
    response = post(client, {"name": "Ada", "phone": "+442079460001"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert "too long" in body["warning"]
    request = RedialRequest.objects.get(pk=body["redial_request_id"])
    assert request.status == RedialRequest.SCHEDULED and request.source == RedialRequest.SOURCE_AUTO
    assert LeadSubmission.objects.get().redial_request == request
    assert Contact.objects.get().status == Contact.SCHEDULED
    campaign.refresh_from_db()
    assert campaign.dispatch_blocked_reason.startswith("lead intake: ValueError")
