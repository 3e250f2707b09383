"""An import confirmed while the broker is down: the confirm page answers, the beat sends it again."""

from datetime import timedelta

import pytest
from celery import current_app
from django.urls import reverse
from django.utils import timezone

from campaigns.imports import jobs
from campaigns.models import ImportJob

from .test_imports import csv_bytes, good_rows, manager_client, upload  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreachable_broker():
    """The Celery app publishing to a Redis port nothing listens on."""
    conf = current_app.conf
    saved = {key: conf.get(key) for key in ("broker_url", "broker_transport", "broker_transport_options")}
    conf.broker_url, conf.broker_transport, conf.broker_transport_options = "redis://127.0.0.1:9/0", None, {}
    _drop_connections()
    yield
    for key, value in saved.items():
        conf[key] = value
    _drop_connections()


def _drop_connections():
    """New connections from the next publish on, with the broker settings of the moment."""
    current_app._pool = None
    current_app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)  # so the publish runs on commit, inside the request, as in production
def test_confirming_while_the_broker_is_down_never_answers_500(manager_client, campaign, unreachable_broker):  # noqa: F811
    upload(manager_client, campaign, csv_bytes(good_rows(3)))
    job = ImportJob.objects.get()
    url = reverse("campaigns:import_confirm", args=[campaign.pk, job.pk])
    response = manager_client.post(url)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.confirmed_at is not None and job.status == ImportJob.PENDING
    assert manager_client.get(response["Location"]).status_code == 200


def test_a_confirmed_import_not_started_within_a_minute_is_sent_again_then_failed(campaign, manager_client):  # noqa: F811
    upload(manager_client, campaign, csv_bytes(good_rows(3)))
    job = ImportJob.objects.get()
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(confirmed_at=now - timedelta(seconds=30))
    assert jobs.restart_unstarted_imports(now) == ([], [])
    ImportJob.objects.filter(pk=job.pk).update(confirmed_at=now - timedelta(seconds=90))
    assert jobs.restart_unstarted_imports(now) == ([job.pk], [])
    ImportJob.objects.filter(pk=job.pk).update(confirmed_at=now - timedelta(hours=2))
    assert jobs.restart_unstarted_imports(now) == ([], [job.pk])
    job.refresh_from_db()
    assert job.status == ImportJob.FAILED and "never started" in job.message


def test_while_the_broker_is_down_the_job_waits_for_the_next_run(campaign, manager_client, unreachable_broker):  # noqa: F811
    upload(manager_client, campaign, csv_bytes(good_rows(3)))
    job = ImportJob.objects.get()
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(confirmed_at=now - timedelta(seconds=90))
    assert jobs.restart_unstarted_imports(now) == ([], [])
    job.refresh_from_db()
    assert job.status == ImportJob.PENDING
