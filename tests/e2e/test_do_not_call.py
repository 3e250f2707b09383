"""Do-not-call lists in a real browser: a supervisor imports a list, finds a number on it, and sees a
contact's callback cancelled with the reason.

As in test_import_progress, Celery runs eagerly for this test only, so the confirm view's queued
`campaigns.tasks.run_dnc_import` runs for real inside the live server's request.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign, Contact, DoNotCallEntry, RedialRequest
from retryadmin.celery import app as celery_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def eager_celery():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_supervisor_imports_a_list_finds_a_number_and_sees_the_callback_cancelled(
    live_server, page, make_user, eager_celery, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_user("Supervisor", username="super-e2e", password="pw-e2e-123")
    campaign = Campaign.objects.create(name="Browser DNC", zone="Europe/London")
    contact = Contact.objects.create(
        campaign=campaign, name="Grace", phone="+442079460777", status=Contact.SCHEDULED, zone="Europe/London"
    )
    callback = RedialRequest.objects.create(
        contact=contact, campaign=campaign, due_at=timezone.now() + timedelta(hours=4)
    )
    listing = tmp_path / "tps.csv"
    listing.write_text(
        "phone\n" + "".join(f"+4420794{i:05d}\n" for i in range(200)) + "+44 20 7946 0777\nnot a number\n",
        encoding="utf-8",
    )

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "super-e2e")
    page.fill("#id_password", "pw-e2e-123")
    page.click("button[type=submit]")

    page.click("text=Do not call")
    page.click("#dnc-lists >> text=Organisation")
    page.click("text=Import a CSV list")
    page.set_input_files("#id_file", str(listing))
    page.fill("#id_reason", "TPS November")
    page.click("text=Upload and preview")
    preview = page.locator("#dnc-import-preview")
    preview.wait_for()
    assert preview.locator("tbody tr").count() == 10
    assert not DoNotCallEntry.objects.exists()

    page.click("text=List 202 numbers")
    page.wait_for_function("document.querySelector('#import-progress .progress-bar').textContent.trim() === '100%'")
    result = page.locator("#import-result").inner_text()
    assert "Listed 201 numbers" in result and "skipped 1 bad rows" in result
    assert page.locator("#import-errors tbody tr").count() == 1

    page.click("text=Back to the list")
    page.fill("#dnc-q", "+44 20 7946 0777")
    page.click("button:has-text('Find')")
    found = page.locator("#dnc-entries tbody tr")
    assert found.count() == 1
    assert "+442079460777" in found.inner_text() and "TPS November" in found.inner_text()

    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/contacts/{contact.pk}/")
    assert "Listed: never dialled" in page.locator("#dnc-status").inner_text()
    last = page.locator("#last-closed-callback").inner_text()
    assert "Cancelled" in last and "do_not_call" in last
    callback.refresh_from_db()
    assert callback.status == RedialRequest.CANCELLED and callback.close_reason == "do_not_call"
