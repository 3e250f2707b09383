"""Concurrent callers on a real PostgreSQL: duplicates stay single, queue slots stay distinct."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from campaigns.models import Attempt, RedialRequest
from campaigns.services.attempts import record_attempt
from campaigns.services.contacts import create_contact
from campaigns.services.queue import queue_lead

from .helpers import NO_ANSWER, local, outcome

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THREADS = 8


def run_together(work, count=THREADS):
    """Run work(i) in `count` threads released at once; returns their results, re-raising any error."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def runner(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - handed back to the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def test_concurrent_duplicate_webhooks_record_one_attempt_and_one_request(make_campaign):
    campaign = make_campaign()
    contact = create_contact(campaign=campaign, phone="+442071234567")
    no_answer = outcome(NO_ANSWER)

    def deliver(_):
        attempt, created = record_attempt(
            campaign=campaign,
            contact=contact,
            outcome=no_answer,
            started_at=local(0, 10),
            provider="twilio",
            provider_call_id="CA-dup",
        )
        return attempt.pk, created

    results = run_together(deliver)
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Attempt.objects.count() == 1
    assert RedialRequest.objects.filter(status=RedialRequest.SCHEDULED).count() == 1


def test_a_duplicate_call_id_racing_on_different_contacts_still_gives_one_attempt(make_campaign):
    campaign = make_campaign()
    contacts = [create_contact(campaign=campaign, phone=f"+4420712{n:05d}") for n in range(THREADS)]
    no_answer = outcome(NO_ANSWER)

    def deliver(i):
        return record_attempt(
            campaign=campaign,
            contact=contacts[i],
            outcome=no_answer,
            started_at=local(0, 10),
            provider="twilio",
            provider_call_id="CA-race",
        )[1]

    assert sum(run_together(deliver)) == 1
    assert Attempt.objects.count() == 1
    assert RedialRequest.objects.count() == 1


def test_concurrent_leads_for_the_same_opening_get_distinct_slots(make_campaign):
    campaign = make_campaign(opening_delay_minutes=10, queue_spacing_seconds=30)
    contacts = [create_contact(campaign=campaign, phone=f"+4420712{n:05d}") for n in range(THREADS)]

    def arrive(i):
        return queue_lead(campaign=campaign, contact=contacts[i], now=local(0, 22)).due_at

    slots = run_together(arrive)
    assert sorted(slots) == [local(1, 9, 10) + timedelta(seconds=30 * n) for n in range(THREADS)]


def test_concurrent_retries_and_leads_for_the_same_opening_get_distinct_slots(make_campaign):
    campaign = make_campaign(opening_delay_minutes=10, queue_spacing_seconds=30)
    contacts = [create_contact(campaign=campaign, phone=f"+4420712{n:05d}") for n in range(THREADS)]
    no_answer = outcome(NO_ANSWER)

    def arrive(i):
        if i % 2:
            return queue_lead(campaign=campaign, contact=contacts[i], now=local(0, 22)).due_at
        attempt, _ = record_attempt(
            campaign=campaign, contact=contacts[i], outcome=no_answer, started_at=local(0, 16, 30)
        )
        return RedialRequest.objects.get(contact=contacts[i], status=RedialRequest.SCHEDULED).due_at

    slots = run_together(arrive)
    assert len(set(slots)) == THREADS
