"""Leads posted at the same moment on PostgreSQL: one key sent twenty times is one lead (one 201,
nineteen 200s); twenty keys for one new phone are twenty leads of one contact."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from campaigns.models import BusinessHourWindow, Campaign, Contact, LeadSubmission

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KEY = "lead-key-concurrency-0123456789"
POSTS = 20


@pytest.fixture
def lead_campaign(settings):
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 100_000
    campaign = Campaign.objects.create(name="Concurrent leads", zone="UTC", lead_api_key=KEY)
    BusinessHourWindow.objects.bulk_create(
        BusinessHourWindow(campaign=campaign, weekday=day, start_minute=0, end_minute=1440) for day in range(7)
    )
    return campaign


def post_at_once(bodies_and_keys) -> list[tuple[int, bytes]]:
    """POST every (body, idempotency key) from its own thread, all released together."""
    start = threading.Barrier(len(bodies_and_keys))
    answers = []

    def post(body, key):
        client = Client(raise_request_exception=False)
        try:
            start.wait()
            response = client.post(
                "/api/leads/", body, content_type="application/json", HTTP_X_API_KEY=KEY, HTTP_IDEMPOTENCY_KEY=key
            )
            answers.append((response.status_code, response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=pair) for pair in bodies_and_keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_one_key_twenty_times_at_once_is_one_lead(lead_campaign):
    body = json.dumps({"name": "Ada", "phone": "+442079460961"})
    answers = post_at_once([(body, "same-key")] * POSTS)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (POSTS - 1) + [201], answers
    assert len({json.loads(content)["contact_id"] for _, content in answers}) == 1
    assert LeadSubmission.objects.count() == 1 and Contact.objects.count() == 1


def test_twenty_keys_for_one_new_phone_are_twenty_leads_of_one_contact(lead_campaign):
    body = json.dumps({"name": "Ada", "phone": "+442079460961"})
    answers = post_at_once([(body, f"key-{index}") for index in range(POSTS)])
    assert sorted(status for status, _ in answers) == [201] * POSTS, answers
    contact = Contact.objects.get()
    assert LeadSubmission.objects.filter(contact=contact).count() == POSTS
