"""The CSV import in a real browser: upload, preview, confirm, progress bar at 100%, error report.

No Celery worker runs under pytest. This test sets `task_always_eager` on the Celery app for its own
duration only (restored afterwards), so `campaigns.tasks.run_import`, queued on commit by the confirm
view, runs for real inside the live server's request: the real task, the real service, the real
database. The page the browser lands on is then the finished progress page.
"""

import csv
import io

import pytest

from campaigns.models import Campaign, Contact, ImportJob
from retryadmin.celery import app as celery_app

# serialized_rollback: the flush after this test would otherwise drop the persona groups other tests need.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROWS = 3000
BAD_ROWS = {10: "0791100010", 500: "+44abc", 2999: ""}  # data row index -> bad phone


@pytest.fixture
def eager_celery():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "contacts.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "phone", "plan"])
        for i in range(ROWS):
            writer.writerow([f"Person {i}", BAD_ROWS.get(i, f"+447911{i:06d}"), "Gold"])
    return path


def test_import_shows_preview_progress_and_error_report(
    live_server, page, make_user, eager_celery, csv_file, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_user("Campaign Manager", username="cm-e2e", password="pw-e2e-123")
    campaign = Campaign.objects.create(name="Browser import", zone="Europe/London")

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "cm-e2e")
    page.fill("#id_password", "pw-e2e-123")
    page.click("button[type=submit]")

    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/imports/")
    page.set_input_files("#id_file", str(csv_file))
    page.check("input[name=mode][value=skip_bad_rows]")
    page.click("text=Upload and preview")

    preview = page.locator("#import-preview")
    preview.wait_for()
    assert "Phone" in preview.inner_text() and "Custom field: plan" in preview.inner_text()
    assert preview.locator("tbody tr").count() == 10
    assert not Contact.objects.exists()

    page.click(f"text=Import {ROWS:,} rows")
    bar = page.locator("#import-progress .progress-bar")
    bar.wait_for()
    page.wait_for_function("document.querySelector('#import-progress .progress-bar').textContent.trim() === '100%'")
    assert page.locator("#import-progress .progress").get_attribute("aria-valuenow") == "100"

    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 3
    assert [errors.nth(i).locator("td").first.inner_text() for i in range(3)] == ["12", "502", "3001"]
    assert "Imported 2,997 contacts" in page.locator("#import-result").inner_text()
    with page.expect_download() as download:
        page.click("text=Download the error report (CSV)")
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert rows[0] == ["row", "field", "message"] and len(rows) == 4

    job = ImportJob.objects.get()
    assert job.status == ImportJob.DONE and job.imported_rows == ROWS - 3
    assert Contact.objects.filter(campaign=campaign).count() == ROWS - 3
    page.screenshot(path=str(tmp_path / "import-done.png"), full_page=True)
