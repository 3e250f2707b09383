"""Bad input is a 4xx with a message naming what was wrong, never a 500: the cases found by hand."""

import csv
import io
import json

import pytest
from django.urls import reverse

from campaigns.models import Contact, ImportJob, LeadSubmission, WebhookEvent
from tests.webhooks import conftest as hooks
from tests.webhooks.helpers import post_ozonetel, post_sip, post_twilio, twilio_params

# The webhook tests' fixtures: signing secrets, a campaign open around the clock, dialed requests.
webhook_settings = hooks.webhook_settings
campaign = hooks.campaign
dialed = hooks.dialed

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet_client(client):
    """A test client that answers with the page a server would send, instead of raising the exception."""
    client.raise_request_exception = False
    return client


# --- report dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("name", ["report", "report_csv", "report_summary"])
@pytest.mark.parametrize("field", ["date_from", "date_to", "both"])
def test_report_dates_at_the_ends_of_the_calendar_are_a_form_error(quiet_client, campaign_manager, day, name, field):
    quiet_client.force_login(campaign_manager)
    params = {"date_from": day, "date_to": day} if field == "both" else {field: day}
    response = quiet_client.get(reverse(f"campaigns:{name}"), params)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if name == "report":
        assert response.status_code == 200 and b"Choose a date between" in body
    else:
        assert response.status_code == 400
    if name == "report_csv":
        assert b"Choose a date between" in body and (b"From" in body or b"To" in body)


# --- NUL bytes in query strings and forms -----------------------------------------------------------------

SEARCHES = [
    ("campaigns:list", {"q": "a\x00b"}),
    ("campaigns:callbacks", {"q": "\x00"}),
    ("strategies:list", {"q": "x\x00"}),
    ("admin:campaigns_contact_changelist", {"q": "+44\x00"}),
    ("admin:campaigns_campaign_changelist", {"status__exact": "\x00"}),
    ("admin:strategies_outcome_changelist", {"category__exact": "sip\x00"}),
    ("admin:campaigns_attempt_changelist", {"campaign__id__exact": "1\x00"}),
    ("admin:campaigns_webhookevent_changelist", {"q": "\x00", "status__exact": "x"}),
]


@pytest.mark.parametrize("name, params", SEARCHES)
def test_a_nul_byte_in_a_search_or_admin_filter_is_a_400_naming_the_parameter(quiet_client, admin_user, name, params):
    quiet_client.force_login(admin_user)
    response = quiet_client.get(reverse(name), params)
    assert response.status_code == 400
    bad = next(key for key, value in params.items() if "\x00" in value)
    assert f"“{bad}”" in response.content.decode()


def test_a_nul_byte_in_a_posted_form_is_a_400(quiet_client, campaign_manager, campaign):
    quiet_client.force_login(campaign_manager)
    response = quiet_client.post(reverse("campaigns:contact_create", args=[campaign.pk]), {"name": "A\x00"})
    assert response.status_code == 400 and "“name”" in response.content.decode()
    assert not Contact.objects.exists()


def test_nul_bytes_in_a_webhook_form_are_stored_and_rejected(quiet_client, dialed):
    dialed("CA1")
    response = post_twilio(quiet_client, twilio_params("CA1", "busy", CallerName="x\x00y"))
    assert response.status_code < 500


# --- lead fields ------------------------------------------------------------------------------------------

LEAD_KEY = "lead-key-for-bad-input-0123456789"


@pytest.fixture
def lead_campaign(campaign):
    campaign.lead_api_key = LEAD_KEY
    campaign.save()
    return campaign


def post_lead(client, raw: bytes, key="k-1"):
    return client.post(
        reverse("api:leads"),
        raw,
        content_type="application/json",
        headers={"X-Api-Key": LEAD_KEY, "Idempotency-Key": key},
    )


@pytest.mark.parametrize(
    "raw, field",
    [
        (b'{"phone": "+442079460000", "name": "A\\u0000B"}', "name"),
        (b'{"phone": "+442079460000\\u0000"}', "phone"),
        (b'{"phone": "+442079460000", "name": "\\ud800"}', "name"),
        (b'{"phone": "+442079460000", "remarks": "x\\udfff"}', "remarks"),
        (b'{"phone": "+442079460000", "custom_fields": {"plan": 1e999}}', "custom_fields.plan"),
        (b'{"phone": "+442079460000", "custom_fields": {"pl\\u0000an": "Gold"}}', "custom_fields"),
        (b'{"phone": "+442079460000", "custom_fields": {"plan": ["\\ud83d"]}}', "custom_fields.plan[0]"),
        (b'{"phone": 1e999}', "phone"),
        (b'{"phone": "+442079460000", "zone": "Europe/London\\u0000"}', "zone"),
    ],
)
def test_nul_surrogates_and_huge_numbers_in_lead_fields_are_a_400_naming_the_field(
    quiet_client, lead_campaign, raw, field
):
    response = post_lead(quiet_client, raw)
    assert response.status_code == 400, response.content
    body = response.json()
    named = {body.get("field")} | {error["field"] for error in body.get("errors", [])}
    assert field in named, body
    assert not Contact.objects.exists() and not LeadSubmission.objects.exists()


def test_a_good_lead_after_bad_ones_is_recorded(quiet_client, lead_campaign):
    post_lead(quiet_client, b'{"phone": "+442079460000", "name": "\\ud800"}', key="bad")
    response = post_lead(quiet_client, b'{"phone": "+442079460000", "name": "Ann"}', key="good")
    assert response.status_code == 201, response.content
    assert Contact.objects.get().name == "Ann"


# --- webhook times ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T23:59:59-12:00",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00Z",
        "0001-01-01 00:00:00",
    ],
)
def test_sip_times_at_the_ends_of_the_calendar_are_stored_raw_and_marked(quiet_client, dialed, when):
    dialed("u-1")
    payload = {"call_id": "u-1", "sip_code": 486, "answered": False, "started_at": when, "duration": 5}
    response = post_sip(quiet_client, payload)
    assert response.status_code == 400 and response.json()["field"] == "started_at"
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.REJECTED and "started_at" in event.error and when in event.body


@pytest.mark.parametrize("day", ["9999-12-31 23:59:59", "0001-01-01 00:00:00"])
def test_ozonetel_times_at_the_ends_of_the_calendar_are_stored_raw_and_marked(quiet_client, dialed, day):
    dialed("u-2")
    payload = {"monitorUCID": "u-2", "CustomerStatus": "Busy", "Duration": "00:00:05", "StartTime": day, "EndTime": day}
    response = post_ozonetel(quiet_client, payload)
    assert response.status_code == 400
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.REJECTED and day in event.body


@pytest.mark.parametrize("stamp", ["Fri, 31 Dec 9999 23:59:59 -1200", "Mon, 01 Jan 0001 00:00:00 +1400"])
def test_twilio_timestamps_at_the_ends_of_the_calendar_are_stored_raw_and_marked(quiet_client, dialed, stamp):
    dialed("CA2")
    params = {**twilio_params("CA2", "busy"), "Timestamp": stamp}
    response = post_twilio(quiet_client, params)
    assert response.status_code == 400 and response.json()["field"] == "Timestamp"
    assert WebhookEvent.objects.get().status == WebhookEvent.REJECTED


# --- CSV imports ------------------------------------------------------------------------------------------


def test_a_nul_byte_past_the_first_8_kb_of_a_csv_names_its_row(client, campaign_manager, campaign):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaigns.imports.tasks import run_import

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "phone"])
    for i in range(2000):
        writer.writerow([f"Person {i}" + ("\x00" if i == 500 else ""), f"+4479110{i:05d}"])
    data = out.getvalue().encode()
    assert data.index(b"\x00") > 8192
    client.force_login(campaign_manager)
    response = client.post(
        reverse("campaigns:import_upload", args=[campaign.pk]),
        {"file": SimpleUploadedFile("c.csv", data, content_type="text/csv"), "mode": "skip_bad_rows"},
    )
    assert response.status_code == 302
    job = ImportJob.objects.latest("pk")
    ImportJob.objects.filter(pk=job.pk).update(confirmed_at="2026-01-01T00:00Z")
    run_import.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportJob.DONE, job.message
    assert job.imported_rows == 1999 and job.error_count == 1
    (error,) = job.errors
    assert error["row"] == 502 and error["field"] == "name", error
    assert json.dumps(error)  # stored as JSON without the NUL itself


# --- the admin's query string (found by the endpoint fuzz test) ------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/strategies/providermapping/add/?outcome=:",
        "/admin/campaigns/contact/add/?campaign=%0D",
        "/admin/campaigns/campaign/add/?dial_plan=99999999999999999999",
    ],
)
def test_a_bad_initial_value_in_an_admin_add_form_is_left_out(quiet_client, admin_user, path):
    quiet_client.force_login(admin_user)
    assert quiet_client.get(path).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "campaign=9223372036854775808",
        "campaign__id__exact=-9223372036854775809",
        "id__in=1,x",
        "number=1e999",
        # Found by the endpoint fuzz: Django's own error flag beside a bad filter must not skip the check.
        "e=&campaign=9223372036854775808",
        "e=1&number=1e999",
    ],
)
def test_an_admin_filter_past_its_column_is_django_own_error_notice(quiet_client, admin_user, query):
    quiet_client.force_login(admin_user)
    response = quiet_client.get(f"/admin/campaigns/attempt/?{query}")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    assert quiet_client.get(response["Location"]).status_code == 200


def test_a_bad_autocomplete_value_posted_to_an_admin_form_is_a_form_error(quiet_client, admin_user):
    from strategies.models import AutoClassification

    row = AutoClassification.objects.order_by("pk").first()
    quiet_client.force_login(admin_user)
    response = quiet_client.post(
        f"/admin/strategies/autoclassification/{row.pk}/change/", {"_save": "", "outcome": "\r\n"}
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors


@pytest.mark.parametrize("target", ["-1", "callbacks", "javascript:alert(1)", "//evil.example/"])
def test_a_callback_action_ignores_a_next_that_is_not_a_path_of_this_site(quiet_client, supervisor, target):
    from campaigns.models import RedialRequest
    from tests.security.url_world import build_world

    redial = RedialRequest.objects.get(pk=build_world().values["redial"])
    quiet_client.force_login(supervisor)
    response = quiet_client.post(reverse("campaigns:callback_cancel", args=[redial.pk]), {"next": target})
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:callbacks")
