"""The preview flags bad rows among those it shows, the result message appears once, and a job whose
worker died is failed by the stall sweep with a message that says what was imported."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from campaigns.imports import checks, jobs, reading, writer
from campaigns.imports.tasks import fail_stalled_imports
from campaigns.models import Contact, ImportJob
from tests.factories import ImportJobFactory

from .test_imports import BAD_ROWS, csv_bytes, good_rows, run_job, upload

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def manager_client(client, campaign_manager):
    client.force_login(campaign_manager)
    return client


def preview_page(client, campaign, data, mode="all_or_nothing"):
    response = upload(client, campaign, data, mode=mode)
    assert response.status_code == 302
    return client.get(response.url)


# --- Preview -------------------------------------------------------------------------------------


def test_preview_marks_each_bad_row_with_its_field_and_message(manager_client, campaign):
    page = preview_page(manager_client, campaign, csv_bytes(BAD_ROWS))
    marks = {row: [(e.field, e.message) for e in errors] for row, _cells, errors in page.context["preview"] if errors}
    assert sorted(marks) == [3, 4, 5, 7, 8, 9]
    assert marks[3] == [("phone", marks[3][0][1])] and "no country code" in marks[3][0][1]
    assert marks[7] == [("phone", "+447911000001 is already on row 2 of this file.")]
    assert marks[9][0][0] == "name"
    html = page.content.decode()
    assert html.count("data-bad-row=") == 6
    assert "6 of the 8 rows have errors" in html
    assert "will be refused" in html and "Import 8 rows" not in html
    assert "is already on row 2 of this file." in html


def test_preview_in_skip_mode_says_bad_rows_are_skipped(manager_client, campaign):
    html = preview_page(manager_client, campaign, csv_bytes(BAD_ROWS), mode="skip_bad_rows").content.decode()
    assert "6 of the 8 rows have errors" in html and "will be skipped" in html and "will be refused" not in html
    assert "Import 2 rows, skipping 6 bad ones" in html and "Import 8 rows" not in html
    # The two good rows are named: their row numbers as in a spreadsheet, and the contact.
    assert "Will be imported: row 2 (Good One), row 6 (Good Two)." in html


def test_preview_flags_a_number_already_in_the_campaign(manager_client, campaign):
    Contact.objects.create(campaign=campaign, phone="+447911000002")
    page = preview_page(manager_client, campaign, csv_bytes(good_rows(5)))
    bad = [(row, [e.message for e in errors]) for row, _cells, errors in page.context["preview"] if errors]
    assert bad == [(4, ["+447911000002 is already a contact in this campaign."])]
    assert "1 of the 5 rows has errors" in page.content.decode()


def test_preview_checks_only_the_rows_it_shows(manager_client, campaign, monkeypatch):
    rows = good_rows(40)
    rows[2] = ("Bad", "nope", "")
    rows[30] = ("Also bad", "nope", "")  # beyond the preview: found by the import, not now
    calls = []
    original = checks.RowChecker.check
    monkeypatch.setattr(checks.RowChecker, "check", lambda self, *a: calls.append(a[0]) or original(self, *a))
    page = preview_page(manager_client, campaign, csv_bytes(rows))
    assert len(calls) == reading.PREVIEW_ROWS
    assert page.context["preview_check"].bad_rows == 1
    html = page.content.decode()
    assert f"1 of the first {reading.PREVIEW_ROWS} rows has errors" in html


def test_a_clean_preview_shows_no_error_box(manager_client, campaign):
    html = preview_page(manager_client, campaign, csv_bytes(good_rows(12))).content.decode()
    assert 'id="preview-errors"' not in html and "data-bad-row" not in html and "Import 12 rows<" in html


def test_the_result_message_appears_once(manager_client, campaign):
    job = run_job(manager_client, campaign, csv_bytes(BAD_ROWS), mode="skip_bad_rows")
    html = manager_client.get(reverse("campaigns:import_detail", args=[campaign.pk, job.pk])).content.decode()
    assert html.count(job.message) == 1 and 'id="import-result"' in html


# --- Stalled jobs --------------------------------------------------------------------------------


def running_job(campaign, *, mode=ImportJob.ALL_OR_NOTHING, quiet_for=400, **fields):
    values = {
        "processed_rows": 12_000,
        "total_rows": 100_000,
        "started_at": NOW - timedelta(seconds=quiet_for + 60),
        "progress_at": NOW - timedelta(seconds=quiet_for),
        "confirmed_at": NOW - timedelta(hours=1),
    }
    values.update(fields)
    return ImportJobFactory(
        campaign=campaign, file="imports/x.csv", original_name="", mode=mode, status=ImportJob.Status.RUNNING, **values
    )


def test_sweep_fails_a_stalled_all_or_nothing_job(campaign, settings):
    settings.IMPORT_STALL_SECONDS = 300
    job = running_job(campaign)
    assert jobs.fail_stalled_imports(now=NOW) == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportJob.FAILED and job.finished_at == NOW
    assert job.message == (
        "The import stopped (the worker was restarted) after 12,000 of 100,000 rows; nothing was imported. "
        "Import the file again."
    )


def test_sweep_message_in_skip_mode_counts_the_imported_rows(campaign):
    job = running_job(campaign, mode=ImportJob.SKIP_BAD_ROWS, imported_rows=11_500)
    jobs.fail_stalled_imports(now=NOW)
    job.refresh_from_db()
    assert job.message == (
        "The import stopped (the worker was restarted) after 12,000 of 100,000 rows; 11,500 rows were imported, "
        "run the file again with skip-bad-rows to add the rest (rows already imported are reported as duplicates)."
    )


def test_sweep_leaves_a_progressing_job_alone(campaign, settings):
    settings.IMPORT_STALL_SECONDS = 300
    job = running_job(campaign, quiet_for=299)
    assert jobs.fail_stalled_imports(now=NOW) == []
    job.refresh_from_db()
    assert job.status == ImportJob.RUNNING and job.finished_at is None


def test_sweep_uses_the_start_of_a_job_without_progress_at(campaign):
    job = running_job(campaign, progress_at=None)
    assert jobs.fail_stalled_imports(now=NOW) == [job.pk]


def test_sweep_is_idempotent(campaign):
    job = running_job(campaign)
    assert jobs.fail_stalled_imports(now=NOW) == [job.pk]
    job.refresh_from_db()
    later = NOW + timedelta(hours=1)
    assert jobs.fail_stalled_imports(now=later) == []
    again = ImportJob.objects.get(pk=job.pk)
    assert (again.status, again.message, again.finished_at) == (ImportJob.FAILED, job.message, NOW)


def test_the_progress_page_shows_the_sweep_failure(manager_client, campaign):
    job = running_job(campaign)
    jobs.fail_stalled_imports(now=NOW)
    status = manager_client.get(reverse("campaigns:import_status", args=[campaign.pk, job.pk])).json()
    assert status["finished"] and status["status"] == "failed" and "worker was restarted" in status["message"]
    html = manager_client.get(reverse("campaigns:import_detail", args=[campaign.pk, job.pk])).content.decode()
    assert "alert-danger" in html and html.count("The import stopped (the worker was restarted)") == 1


def test_a_worker_that_outlives_the_sweep_stops_and_its_chunk_rolls_back(manager_client, campaign, monkeypatch):
    # Skip mode: the sweep's count is what was committed; the late worker adds nothing behind it.
    monkeypatch.setattr(jobs, "CHUNK_ROWS", 7)
    original = checks._check_chunk
    chunks = []

    def check_then_sweep(checker, campaign_, chunk):
        chunks.append(chunk)
        if len(chunks) == 2:
            jobs.fail_stalled_imports(now=timezone.now() + timedelta(hours=1))
        return original(checker, campaign_, chunk)

    monkeypatch.setattr(jobs, "_check_chunk", check_then_sweep)
    job = run_job(manager_client, campaign, csv_bytes(good_rows(30)), mode="skip_bad_rows")
    assert job.status == ImportJob.FAILED and job.imported_rows == 7 and "7 rows were imported" in job.message
    assert Contact.objects.count() == 7 and len(chunks) == 2


def test_an_all_or_nothing_worker_swept_while_saving_imports_nothing(manager_client, campaign, monkeypatch):
    # The sweep runs on another connection: here its effect, the job no longer "running" when the worker
    # writes "done", stands in for it. The contacts must roll back with that refused write.
    original = writer._Run._update
    refused = []

    def update(self, **extra):
        if extra.get("status") == ImportJob.DONE:
            refused.append(Contact.objects.count())
            return False
        return original(self, **extra)

    monkeypatch.setattr(writer._Run, "_update", update)
    job = run_job(manager_client, campaign, csv_bytes(good_rows(5)))
    assert refused == [5]  # written, then rolled back
    assert job.status == ImportJob.RUNNING and not Contact.objects.exists()


def test_beat_runs_the_sweep_every_minute():
    entry = django_settings.CELERY_BEAT_SCHEDULE["fail-stalled-imports"]
    assert entry["task"] == "campaigns.tasks.fail_stalled_imports" and entry["schedule"] == 60.0
    assert entry["options"]["expires"] == 60.0


def test_the_beat_task_returns_how_many_jobs_it_failed(campaign):
    running_job(campaign, quiet_for=10 * 60 * 60)
    assert fail_stalled_imports.apply().get() == 1
    assert fail_stalled_imports.apply().get() == 0
