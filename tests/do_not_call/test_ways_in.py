"""Ways onto a list and what the contact import does with listed numbers: CSV imports, the API, the screens."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from campaigns.imports.tasks import run_dnc_import, run_import
from campaigns.models import Contact, DoNotCallEntry, DoNotCallImport, DoNotCallRemoval, ImportJob, RedialRequest
from campaigns.services import do_not_call
from wrapup.services import presence

pytestmark = pytest.mark.django_db

Source = DoNotCallEntry.Source


def csv_file(rows, header=("phone",), name="list.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


# --- The contact import ---------------------------------------------------------------------------


@pytest.mark.parametrize("handling", [ImportJob.LISTED_SKIP, ImportJob.LISTED_MARK])
def test_the_contact_import_skips_or_marks_listed_numbers_and_counts_them(client, campaign_manager, campaign, handling):
    do_not_call.add_number(do_not_call.organisation_list(), "+442079460101", source=Source.SUPERVISOR)
    do_not_call.add_number(do_not_call.campaign_list(campaign), "+442079460102", source=Source.SUPERVISOR)
    client.force_login(campaign_manager)
    rows = [("Ann", "+442079460101"), ("Bob", "+442079460102"), ("Cy", "+442079460103")]
    response = client.post(
        reverse("campaigns:import_upload", args=[campaign.pk]),
        {"file": csv_file(rows, header=("name", "phone")), "mode": "skip_bad_rows", "listed_handling": handling},
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.listed_handling == handling
    ImportJob.objects.filter(pk=job.pk).update(confirmed_at=timezone.now())
    run_import.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportJob.DONE and job.listed_rows == 2
    assert "2" in job.message and "do-not-call list" in job.message
    statuses = dict(Contact.objects.filter(campaign=campaign).values_list("phone", "status"))
    if handling == ImportJob.LISTED_SKIP:
        assert statuses == {"+442079460103": Contact.PENDING}
        assert job.imported_rows == 1
    else:
        assert statuses == {
            "+442079460101": Contact.DO_NOT_CALL,
            "+442079460102": Contact.DO_NOT_CALL,
            "+442079460103": Contact.PENDING,
        }
        assert job.imported_rows == 3
    page = client.get(reverse("campaigns:import_detail", args=[campaign.pk, job.pk]))
    assert 'data-field="listed_rows">2<' in page.content.decode()


# --- The do-not-call CSV import ---------------------------------------------------------------------


def test_a_list_import_previews_then_lists_good_rows_and_reports_bad_ones(
    client, supervisor, campaign, make_contact, make_redial
):
    contact = Contact.objects.create(campaign=campaign, phone="+442079460203", status=Contact.SCHEDULED)
    callback = make_redial(contact, timezone.now() + timedelta(hours=3))
    do_not_call.add_number(do_not_call.organisation_list(), "+442079460201", source=Source.API)
    listing = do_not_call.organisation_list()
    client.force_login(supervisor)
    rows = [("+442079460201",), ("+44 20 7946 0202",), ("+442079460203",), ("12345",), ("+442079460202",), ("",)]
    response = client.post(
        reverse("campaigns:dnc_import_upload", args=[listing.pk]),
        {"file": csv_file(rows, header=("Mobile", "note")), "reason": "TPS download", "expires_on": ""},
    )
    assert response.status_code == 302, response.content
    job = DoNotCallImport.objects.get()
    preview = client.get(response.url)
    html = preview.content.decode()
    assert "+442079460202" in html and "no country code" in html and "List 5 numbers" in html
    assert not DoNotCallEntry.objects.filter(phone="+442079460202").exists()
    confirm = client.post(reverse("campaigns:dnc_import_confirm", args=[listing.pk, job.pk]))
    assert confirm.status_code == 302
    run_dnc_import.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == DoNotCallImport.DONE
    assert (job.processed_rows, job.imported_rows, job.already_listed, job.error_count) == (5, 2, 1, 2)
    assert [(e["row"], e["field"]) for e in job.errors] == [(5, "phone"), (6, "phone")]
    assert "already on row 3" in job.errors[1]["message"]
    added = DoNotCallEntry.objects.get(phone="+442079460202")
    assert added.source == Source.IMPORT and added.reason == "TPS download" and added.added_by == supervisor
    assert DoNotCallEntry.objects.get(phone="+442079460201").source == Source.API  # left as it was
    callback.refresh_from_db()
    assert callback.status == RedialRequest.CANCELLED and callback.close_reason == "do_not_call"
    status = client.get(reverse("campaigns:dnc_import_status", args=[listing.pk, job.pk])).json()
    assert status["finished"] and status["already_listed"] == 1 and status["imported_rows"] == 2
    report = client.get(reverse("campaigns:dnc_import_errors", args=[listing.pk, job.pk])).content.decode()
    assert report.splitlines()[0] == "row,field,message" and "5,phone" in report


def test_a_file_without_a_phone_column_is_a_form_error(client, supervisor):
    listing = do_not_call.organisation_list()
    client.force_login(supervisor)
    response = client.post(
        reverse("campaigns:dnc_import_upload", args=[listing.pk]), {"file": csv_file([("x",)], header=("email",))}
    )
    assert response.status_code == 200
    assert "No phone column" in " ".join(response.context["form"].errors["file"])
    assert not DoNotCallImport.objects.exists()


# --- The API --------------------------------------------------------------------------------------


def post_dnc(client, payload, key="dnc-api-key-0123"):
    headers = {"HTTP_X_API_KEY": key} if key else {}
    return client.post("/api/dnc/", json.dumps(payload), content_type="application/json", **headers)


def test_the_api_lists_a_number_on_the_keys_campaign_list(client, make_campaign, make_contact, make_redial):
    campaign = make_campaign(lead_api_key="dnc-api-key-0123")
    contact = Contact.objects.create(campaign=campaign, phone="+442079460301", status=Contact.SCHEDULED)
    callback = make_redial(contact, timezone.now() + timedelta(hours=1))
    expiry = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = post_dnc(client, {"phone": "+44 20 7946 0301", "reason": "opt-out form", "expires_on": expiry})
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+442079460301" and response.json()["expires_on"] == expiry
    entry = DoNotCallEntry.objects.get()
    assert entry.list.campaign == campaign and entry.source == Source.API and entry.reason == "opt-out form"
    assert post_dnc(client, {"phone": "+442079460301"}).status_code == 200
    callback.refresh_from_db()
    assert callback.status == RedialRequest.CANCELLED and callback.close_reason == "do_not_call"


@pytest.mark.parametrize(
    "payload, status, field",
    [
        ({"reason": "x"}, 400, "phone"),
        ({"phone": "020 7946 0301"}, 400, "phone"),
        ({"phone": "+442079460301", "expires_on": "next week"}, 400, "expires_on"),
        ({"phone": "+442079460301", "list": "organisation"}, 400, "list"),
        ({"phone": "+442079460301", "reason": "x" * 201}, 400, "reason"),
    ],
)
def test_the_api_names_the_bad_field(client, make_campaign, payload, status, field):
    make_campaign(lead_api_key="dnc-api-key-0123")
    response = post_dnc(client, payload)
    assert response.status_code == status
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not DoNotCallEntry.objects.exists()


def test_the_api_needs_the_campaigns_key(client, make_campaign):
    make_campaign(lead_api_key="dnc-api-key-0123")
    for key in ("", "wrong-key"):
        response = post_dnc(client, {"phone": "+442079460301"}, key=key)
        assert response.status_code == 401 and response.json()["field"] == "X-Api-Key"
    assert client.get("/api/dnc/").status_code == 405
    assert not DoNotCallEntry.objects.exists()


# --- The screens ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, view, add",
    [("campaign_manager", 200, 302), ("supervisor", 200, 302), ("sales_manager", 200, 403), ("agent", 403, 403)],
)
def test_who_sees_and_who_changes_the_lists(client, request, persona, view, add):
    listing = do_not_call.organisation_list()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("campaigns:dnc_list", args=[listing.pk])).status_code == view
    assert client.get(reverse("campaigns:dnc_index")).status_code == view
    response = client.post(reverse("campaigns:dnc_add", args=[listing.pk]), {"phone": "+442079460401"})
    assert response.status_code == add
    assert DoNotCallEntry.objects.filter(phone="+442079460401").exists() == (add == 302)


def test_a_supervisor_finds_adds_removes_and_exports_numbers(client, supervisor, campaign):
    listing = do_not_call.campaign_list(campaign)
    do_not_call.add_number(listing, "+442079460501", source=Source.AGENT, reason="said so")
    do_not_call.add_number(listing, "+12125550143", source=Source.API)
    client.force_login(supervisor)
    url = reverse("campaigns:dnc_list", args=[listing.pk])
    bad = client.post(reverse("campaigns:dnc_add", args=[listing.pk]), {"phone": "12"})
    assert bad.status_code == 400 and "phone" in bad.context["add_form"].errors
    added = client.post(
        reverse("campaigns:dnc_add", args=[listing.pk]), {"phone": "+44 20 7946 0502", "reason": "call"}
    )
    assert added.status_code == 302
    found = client.get(url, {"q": "+44 20 7946 0502"})
    assert [e.phone for e in found.context["entries"]] == ["+442079460502"]
    by_prefix = client.get(url, {"q": "+4420"})
    assert {e.phone for e in by_prefix.context["entries"]} == {"+442079460501", "+442079460502"}
    counts = dict(client.get(url).context["counts"])
    assert counts == {"Import": 0, "Agent call result": 1, "API": 1, "Supervisor": 1}
    entry = DoNotCallEntry.objects.get(phone="+442079460502")
    refused = client.post(reverse("campaigns:dnc_remove", args=[listing.pk, entry.pk]), {"why": ""})
    assert refused.status_code == 400 and DoNotCallEntry.objects.filter(pk=entry.pk).exists()
    assert "Why it comes off" in refused.content.decode()
    client.post(reverse("campaigns:dnc_remove", args=[listing.pk, entry.pk]), {"why": "typed by mistake"})
    assert not DoNotCallEntry.objects.filter(pk=entry.pk).exists()
    removal = DoNotCallRemoval.objects.get()
    assert removal.removed_by == supervisor and removal.why == "typed by mistake"
    assert "typed by mistake" in client.get(url).content.decode()
    export = client.get(reverse("campaigns:dnc_export", args=[listing.pk]))
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0] == "phone,source,reason,added_by,added_at,expires_on"
    assert [line.split(",")[0] for line in lines[1:]] == ["+12125550143", "+442079460501"]


def test_the_contact_page_and_the_call_screen_show_the_listing(client, supervisor, agent, campaign, make_contact):
    contact = make_contact(campaign)
    client.force_login(supervisor)
    page = reverse("campaigns:contact_detail", args=[campaign.pk, contact.pk])
    assert "is on no do-not-call list" in client.get(page).content.decode()
    do_not_call.add_number(
        do_not_call.organisation_list(), contact.phone, source=Source.SUPERVISOR, reason="TPS", stored_phone=True
    )
    html = client.get(page).content.decode()
    assert "Listed: never dialled" in html and "Organisation do-not-call list" in html and "TPS" in html


def test_the_call_screen_shows_a_number_listed_during_the_call(client, agent, campaign, make_contact):
    contact = make_contact(campaign)
    assert presence.join_campaign(agent, campaign) == contact
    client.force_login(agent)
    assert "Not listed" in client.get(reverse("wrapup:workspace")).content.decode()
    do_not_call.add_number(
        do_not_call.campaign_list(campaign), contact.phone, source=Source.SUPERVISOR, reason="asked", stored_phone=True
    )
    html = client.get(reverse("wrapup:workspace")).content.decode()
    assert "On the campaign's list: asked" in html


def test_a_list_import_whose_worker_died_is_failed_by_the_sweep_keeping_what_it_listed(supervisor, settings):
    from campaigns.imports.tasks import fail_stalled_imports

    settings.IMPORT_STALL_SECONDS = 60
    listing = do_not_call.organisation_list()
    long_ago = timezone.now() - timedelta(minutes=5)
    job = DoNotCallImport.objects.create(
        list=listing,
        created_by=supervisor,
        file="dnc-imports/x.csv",
        status=DoNotCallImport.RUNNING,
        total_rows=100,
        processed_rows=40,
        imported_rows=40,
        started_at=long_ago,
        progress_at=long_ago,
    )
    fresh = DoNotCallImport.objects.create(
        list=listing, file="dnc-imports/y.csv", status=DoNotCallImport.RUNNING, progress_at=timezone.now()
    )
    assert fail_stalled_imports.apply().get() == 1
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == DoNotCallImport.FAILED and "after 40 of 100 rows; 40 numbers were listed" in job.message
    assert fresh.status == DoNotCallImport.RUNNING


def test_a_list_import_stopped_by_the_sweep_mid_file_writes_nothing_more(supervisor, settings, monkeypatch):
    from campaigns.imports import do_not_call as dnc_import

    monkeypatch.setattr(dnc_import, "CHUNK_ROWS", 10)
    listing = do_not_call.organisation_list()
    upload = csv_file([(f"+4420794{i:05d}",) for i in range(95)])
    inspection = dnc_import.inspect_dnc_csv(upload, name="list.csv")
    job = dnc_import.create_dnc_import(do_not_call_list=listing, upload=upload, by=supervisor, inspection=inspection)
    DoNotCallImport.objects.filter(pk=job.pk).update(confirmed_at=timezone.now())
    saves = {"n": 0}
    real_save = dnc_import._Counters.save

    def save_then_sweep(self, **extra):
        saves["n"] += 1
        saved = real_save(self, **extra)
        if saves["n"] == 2:  # the stall sweep fails the job once its second chunk is written
            DoNotCallImport.objects.filter(pk=self.job.pk).update(status=DoNotCallImport.FAILED, message="swept")
        return saved

    monkeypatch.setattr(dnc_import._Counters, "save", save_then_sweep)
    finished = dnc_import.run_dnc_import(job.pk)
    assert finished.status == DoNotCallImport.FAILED and finished.message == "swept"
    assert finished.imported_rows == 20 and DoNotCallEntry.objects.count() == 20


def test_a_list_import_of_broken_csv_stops_with_the_line(supervisor):
    from campaigns.imports import do_not_call as dnc_import

    listing = do_not_call.organisation_list()
    good = csv_file([("+442079460601",)])
    inspection = dnc_import.inspect_dnc_csv(good, name="list.csv")
    job = dnc_import.create_dnc_import(do_not_call_list=listing, upload=good, by=supervisor, inspection=inspection)
    job.file.save("broken.csv", SimpleUploadedFile("broken.csv", b'phone\n+442079460601\n"+44207946\n'), save=True)
    DoNotCallImport.objects.filter(pk=job.pk).update(confirmed_at=timezone.now())
    finished = dnc_import.run_dnc_import(job.pk)
    assert finished.status == DoNotCallImport.FAILED and "not valid CSV" in finished.message
