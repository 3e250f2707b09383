"""CSV import: bad files are form errors, bad rows are reported by row and field, all-or-nothing
imports nothing when one row is bad, skip-bad-rows imports the good ones."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.imports import jobs, reading, writer
from campaigns.imports.tasks import run_import
from campaigns.models import Contact, ImportJob

pytestmark = pytest.mark.django_db


def csv_bytes(rows, header=("name", "phone", "plan")):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def good_rows(n, start=0):
    return [(f"Person {i}", f"+4479110{i:05d}", "Gold") for i in range(start, start + n)]


def upload(client, campaign, data, name="contacts.csv", mode="all_or_nothing"):
    return client.post(
        reverse("campaigns:import_upload", args=[campaign.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "mode": mode},
    )


@pytest.fixture
def manager_client(client, campaign_manager):
    client.force_login(campaign_manager)
    return client


def run_job(client, campaign, data, mode="all_or_nothing"):
    """Upload, confirm and run the task synchronously (no worker runs under pytest)."""
    response = upload(client, campaign, data, mode=mode)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    job = ImportJob.objects.latest("pk")
    ImportJob.objects.filter(pk=job.pk).update(confirmed_at="2026-01-01T00:00Z")
    run_import.apply(args=[job.pk])
    job.refresh_from_db()
    return job


# --- Bad files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("contacts.xlsx", b"PK\x03\x04rest", "not a CSV file"),
        ("contacts.csv", b"PK\x03\x04\x00\x00binary", "not a CSV file"),
        ("contacts.csv", b"name,phone\n\x00\x01\x02", "not a CSV file"),
        ("contacts.csv", "name,phone\nJosé,+441632960961\n".encode("latin-1"), "not UTF-8"),
        ("contacts.csv", b"", "empty"),
        ("contacts.csv", b"\n\n  \n", "empty"),
        ("contacts.csv", b"name,phone\n", "no contacts"),
        ("contacts.csv", b"name,email\nAnn,ann@example.com\n", "No phone column"),
        ("contacts.csv", b'name,phone\n"Ann,+441632960961\n', "not valid CSV"),
        ("contacts.csv", b"name,phone,city,city\nAnn,+441632960961,a,b\n", "appears twice"),
    ],
)
def test_bad_files_are_form_errors(manager_client, campaign, name, data, message):
    response = upload(manager_client, campaign, data, name=name)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert message in errors, errors
    assert not ImportJob.objects.exists()


def test_too_large_file_is_a_form_error(manager_client, campaign, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(manager_client, campaign, csv_bytes(good_rows(10)))
    assert "too large" in " ".join(response.context["form"].errors["file"])


def test_too_many_rows_is_a_form_error(manager_client, campaign, settings):
    settings.IMPORT_MAX_ROWS = 5
    response = upload(manager_client, campaign, csv_bytes(good_rows(6)))
    assert "at most 5" in " ".join(response.context["form"].errors["file"])


def test_missing_file_or_mode_is_a_form_error(manager_client, campaign):
    response = manager_client.post(reverse("campaigns:import_upload", args=[campaign.pk]), {"mode": "sideways"})
    form = response.context["form"]
    assert "file" in form.errors and "mode" in form.errors


# --- Preview and confirmation --------------------------------------------------------------------


def test_upload_shows_a_preview_and_imports_nothing_until_confirmed(manager_client, campaign):
    data = csv_bytes(good_rows(15), header=("Full Name", "Mobile", "Plan"))
    response = upload(manager_client, campaign, data)
    job = ImportJob.objects.get()
    assert response.url == reverse("campaigns:import_detail", args=[campaign.pk, job.pk])
    assert job.total_rows == 15 and job.confirmed_at is None and job.original_name == "contacts.csv"
    page = manager_client.get(response.url)
    assert len(page.context["preview"]) == reading.PREVIEW_ROWS
    roles = [(c["header"], c["role"]) for c in page.context["columns"]]
    assert roles == [("Full Name", "Name"), ("Mobile", "Phone"), ("Plan", "Custom field")]
    assert "Import 15 rows" in page.content.decode()
    assert not Contact.objects.exists()


def test_a_one_row_file_says_1_row(manager_client, campaign):
    response = upload(manager_client, campaign, csv_bytes(good_rows(1)))
    html = manager_client.get(response.url).content.decode()
    assert "Import 1 row<" in html and "1 row ·" in html and "1 rows" not in html


def test_confirm_queues_the_task_once_on_commit(manager_client, campaign, django_capture_on_commit_callbacks):
    upload(manager_client, campaign, csv_bytes(good_rows(3)))
    job = ImportJob.objects.get()
    url = reverse("campaigns:import_confirm", args=[campaign.pk, job.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        manager_client.post(url)
        manager_client.post(url)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.confirmed_at is not None
    run_import.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.imported_rows == 3, (job.status, job.message, job.errors[:3])
    assert run_import.apply(args=[job.pk]).get() is None  # a duplicate message does nothing
    assert Contact.objects.count() == 3


def test_an_unconfirmed_job_is_not_run(campaign, manager_client):
    upload(manager_client, campaign, csv_bytes(good_rows(3)))
    job = ImportJob.objects.get()
    assert jobs.run_import_job(job.pk) is None
    assert not Contact.objects.exists()


# --- Rows ----------------------------------------------------------------------------------------


def test_good_file_imports_contacts_with_custom_fields_and_zones(manager_client, campaign):
    data = csv_bytes(
        [
            ("Ann", "+44 7911 000001", "Gold", ""),
            ("Raj", "+919876543210", "Silver", ""),
            ("Bob", "0012025550143", "", "America/Chicago"),
        ],
        header=("name", "phone", "plan", "zone"),
    )
    job = run_job(manager_client, campaign, data)
    assert job.status == ImportJob.DONE and job.imported_rows == 3 and job.error_count == 0
    ann = Contact.objects.get(name="Ann")
    assert ann.phone == "+447911000001" and ann.custom_fields == {"plan": "Gold"} and ann.zone == "Europe/London"
    assert Contact.objects.get(name="Raj").zone in ("Asia/Kolkata", "Asia/Calcutta")
    bob = Contact.objects.get(name="Bob")
    assert bob.phone == "+12025550143" and bob.zone == "America/Chicago" and bob.custom_fields == {}


BAD_ROWS = [
    ("Good One", "+447911000001", "Gold"),
    ("No Country", "07911000002", "Gold"),
    ("Not A Number", "+44abc", "Gold"),
    ("Too Short", "+44770", "Gold"),
    ("Good Two", "+447911000005", "Gold"),
    ("Twice", "+447911000001", "Gold"),
    ("", "", "Gold"),
    ("x" * 201, "+447911000008", "Gold"),
]


def test_all_or_nothing_imports_nothing_and_reports_each_bad_row(manager_client, campaign):
    job = run_job(manager_client, campaign, csv_bytes(BAD_ROWS))
    assert job.status == ImportJob.FAILED and job.imported_rows == 0
    assert not Contact.objects.exists()
    assert [(e["row"], e["field"]) for e in job.errors] == [
        (3, "phone"),
        (4, "phone"),
        (5, "phone"),
        (7, "phone"),
        (8, "phone"),
        (9, "name"),
    ]
    assert job.error_count == 6 and job.processed_rows == 8
    assert "row 2" in job.errors[3]["message"]
    assert "Nothing was imported" in job.message


def test_skip_bad_rows_imports_the_good_ones(manager_client, campaign):
    job = run_job(manager_client, campaign, csv_bytes(BAD_ROWS), mode="skip_bad_rows")
    assert job.status == ImportJob.DONE and job.imported_rows == 2 and job.error_count == 6
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Good One", "Good Two"]


def test_a_number_already_in_the_campaign_is_a_bad_row(manager_client, campaign):
    Contact.objects.create(campaign=campaign, phone="+447911000003")
    job = run_job(manager_client, campaign, csv_bytes(good_rows(5)), mode="skip_bad_rows")
    assert job.imported_rows == 4
    assert job.errors == [
        {"row": 5, "field": "phone", "message": "+447911000003 is already a contact in this campaign."}
    ]


def test_bad_zone_and_extra_cells_are_reported_by_field(manager_client, campaign):
    data = b"name,phone,zone\nAnn,+447911000001,Mars/Base\nBob,+447911000002,,surplus\nCy,+447911000003\n"
    job = run_job(manager_client, campaign, data, mode="skip_bad_rows")
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "zone"), (3, "row")]
    assert list(Contact.objects.values_list("name", flat=True)) == ["Cy"]


def test_semicolons_and_a_byte_order_mark_are_understood(manager_client, campaign):
    data = "\ufeffname;phone;city\nAnn;+447911000001;Leeds\n".encode()
    job = run_job(manager_client, campaign, data)
    assert job.imported_rows == 1 and Contact.objects.get().custom_fields == {"city": "Leeds"}


def test_chunks_move_the_progress_counters(manager_client, campaign, monkeypatch):
    monkeypatch.setattr(jobs, "CHUNK_ROWS", 7)
    seen = []
    original = writer._Run.save_progress

    def spy(self, **extra):
        seen.append((self.processed, self.imported))
        original(self, **extra)

    monkeypatch.setattr(writer._Run, "save_progress", spy)
    job = run_job(manager_client, campaign, csv_bytes(good_rows(30)), mode="skip_bad_rows")
    assert job.imported_rows == 30 and Contact.objects.count() == 30
    assert seen[:5] == [(7, 7), (14, 14), (21, 21), (28, 28), (30, 30)]


def test_all_or_nothing_over_several_chunks(manager_client, campaign, monkeypatch):
    monkeypatch.setattr(jobs, "CHUNK_ROWS", 7)
    job = run_job(manager_client, campaign, csv_bytes(good_rows(30)))
    assert job.status == ImportJob.DONE and job.imported_rows == 30 and Contact.objects.count() == 30
    rows = good_rows(30)
    rows[25] = ("Bad", "nope", "")
    Contact.objects.all().delete()
    job = run_job(manager_client, campaign, csv_bytes(rows))
    assert job.status == ImportJob.FAILED and not Contact.objects.exists()
    assert job.errors[0]["row"] == 27


def test_an_unexpected_error_fails_the_job_and_keeps_nothing(manager_client, campaign, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs, "_check_chunk", boom)
    job = run_job(manager_client, campaign, csv_bytes(good_rows(3)))
    assert job.status == ImportJob.FAILED and "unexpected error" in job.message
    assert not Contact.objects.exists()


# --- Progress and report -------------------------------------------------------------------------


def test_status_json_and_error_report_csv(manager_client, campaign):
    job = run_job(manager_client, campaign, csv_bytes(BAD_ROWS), mode="skip_bad_rows")
    status = manager_client.get(reverse("campaigns:import_status", args=[campaign.pk, job.pk])).json()
    assert status["finished"] and status["percent"] == 100 and status["error_count"] == 6
    assert status["imported_rows"] == 2 and status["status"] == "done"
    response = manager_client.get(reverse("campaigns:import_errors", args=[campaign.pk, job.pk]))
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["row", "field", "message"] and len(rows) == 7 and rows[1][:2] == ["3", "phone"]
    page = manager_client.get(reverse("campaigns:import_detail", args=[campaign.pk, job.pk])).content.decode()
    assert "Rows with errors" in page and "Download the error report" in page


def test_progress_page_polls_while_running(manager_client, campaign):
    upload(manager_client, campaign, csv_bytes(good_rows(10)))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        confirmed_at="2026-01-01T00:00Z", status=ImportJob.RUNNING, processed_rows=4
    )
    page = manager_client.get(reverse("campaigns:import_detail", args=[campaign.pk, job.pk])).content.decode()
    assert "import_progress.js" in page and 'aria-valuenow="40"' in page
    status = manager_client.get(reverse("campaigns:import_status", args=[campaign.pk, job.pk])).json()
    assert status["percent"] == 40 and not status["finished"]


def test_job_of_another_campaign_is_404(manager_client, campaign):
    from campaigns.models import Campaign

    other = Campaign.objects.create(name="Other", zone="UTC")
    job = ImportJob.objects.create(campaign=other, file="imports/x.csv")
    assert manager_client.get(reverse("campaigns:import_detail", args=[campaign.pk, job.pk])).status_code == 404
