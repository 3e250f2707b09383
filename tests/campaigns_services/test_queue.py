from datetime import timedelta

import pytest

from campaigns.models import Contact, RedialRequest
from campaigns.services.attempts import record_attempt
from campaigns.services.contacts import RedialRefused, create_contact
from campaigns.services.queue import queue_lead
from tests.factories import ContactFactory

from .helpers import NO_ANSWER, local, outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def overnight_campaign(make_campaign):
    """Open 09:00-17:00 on weekdays, 10 minutes' opening delay, queued calls 30 s apart."""
    return make_campaign(opening_delay_minutes=10, queue_spacing_seconds=30)


def test_a_lead_inside_business_hours_is_due_at_once(overnight_campaign):
    [contact] = ContactFactory.create_bulk(1, campaign=overnight_campaign, zone="Europe/London")
    request = queue_lead(campaign=overnight_campaign, contact=contact, now=local(0, 11, 15), remarks="web form")
    assert request.due_at == local(0, 11, 15)
    assert request.queue_opening_at is None
    assert request.source == RedialRequest.SOURCE_LEAD and request.remarks == "web form"
    assert "inside allowed time" in request.explanation
    assert Contact.objects.get(pk=contact.pk).status == Contact.SCHEDULED


def test_500_overnight_leads_are_due_thirty_seconds_apart_after_the_opening_delay(overnight_campaign):
    contacts = ContactFactory.create_bulk(500, campaign=overnight_campaign, zone="Europe/London")
    for n, contact in enumerate(contacts):
        queue_lead(campaign=overnight_campaign, contact=contact, now=local(0, 22) + timedelta(seconds=n))
    requests = list(RedialRequest.objects.filter(campaign=overnight_campaign).order_by("contact_id"))
    assert [r.due_at for r in requests] == [local(1, 9, 10) + timedelta(seconds=30 * n) for n in range(500)]
    assert {r.queue_opening_at for r in requests} == {local(1, 9)}
    assert "queue position 500" in requests[-1].explanation


def test_a_queue_longer_than_the_window_spills_into_the_next_day(make_campaign):
    campaign = make_campaign(open_minutes=(9 * 60, 10 * 60), opening_delay_minutes=10, queue_spacing_seconds=600)
    contacts = ContactFactory.create_bulk(7, campaign=campaign, zone="Europe/London")
    for n, contact in enumerate(contacts):
        queue_lead(campaign=campaign, contact=contact, now=local(0, 20) + timedelta(minutes=n))
    due = [r.due_at for r in RedialRequest.objects.filter(campaign=campaign).order_by("contact_id")]
    expected_monday_slots = [local(1, 9, minute) for minute in (10, 20, 30, 40, 50)]
    assert due == [*expected_monday_slots, local(2, 9, 10), local(2, 9, 20)]


def test_retries_moved_to_an_opening_join_the_same_queue_as_leads(make_campaign):
    campaign = make_campaign(opening_delay_minutes=10, queue_spacing_seconds=30)
    lead, retried = ContactFactory.create_bulk(2, campaign=campaign, zone="Europe/London")
    queue_lead(campaign=campaign, contact=lead, now=local(0, 20))
    record_attempt(campaign=campaign, contact=retried, outcome=outcome(NO_ANSWER), started_at=local(0, 16, 30))
    request = RedialRequest.objects.get(contact=retried, status=RedialRequest.SCHEDULED)
    assert request.queue_opening_at == local(1, 9)
    assert request.due_at == local(1, 9, 10, 30)
    assert "queue position 2" in request.explanation
    assert request.explanation.startswith("Customer No Answer at 16:30 +1h")


def test_different_openings_have_separate_queues(overnight_campaign):
    monday_night, tuesday_night = ContactFactory.create_bulk(2, campaign=overnight_campaign, zone="Europe/London")
    first = queue_lead(campaign=overnight_campaign, contact=monday_night, now=local(0, 22))
    second = queue_lead(campaign=overnight_campaign, contact=tuesday_night, now=local(1, 22))
    assert first.due_at == local(1, 9, 10)
    assert second.due_at == local(2, 9, 10)


def test_a_lead_for_a_closed_contact_is_refused(overnight_campaign, supervisor):
    from campaigns.services.contacts import set_do_not_call

    [contact] = ContactFactory.create_bulk(1, campaign=overnight_campaign, zone="Europe/London")
    set_do_not_call(contact, by=supervisor)
    with pytest.raises(RedialRefused, match="closed"):
        queue_lead(campaign=overnight_campaign, contact=contact, now=local(0, 22))
    assert not RedialRequest.objects.filter(status=RedialRequest.SCHEDULED).exists()


def test_a_lead_after_the_campaign_end_is_refused(make_campaign):
    campaign = make_campaign(ends_at=local(0, 12))
    [contact] = ContactFactory.create_bulk(1, campaign=campaign, zone="Europe/London")
    with pytest.raises(RedialRefused, match="no allowed calling time"):
        queue_lead(campaign=campaign, contact=contact, now=local(0, 13))
    assert not RedialRequest.objects.exists()


def test_a_lead_before_the_campaign_starts_waits_for_the_start(make_campaign):
    campaign = make_campaign(starts_at=local(2, 12), opening_delay_minutes=0, queue_spacing_seconds=30)
    first = queue_lead(
        campaign=campaign, contact=create_contact(campaign=campaign, phone="+442079460101"), now=local(0, 10)
    )
    second = queue_lead(
        campaign=campaign, contact=create_contact(campaign=campaign, phone="+442079460102"), now=local(0, 11)
    )
    assert first.due_at == local(2, 12)
    assert second.due_at == local(2, 12, 0, 30)
    assert "before the campaign starts" in first.explanation


def test_a_retry_never_lands_before_the_campaign_starts(make_campaign):
    campaign = make_campaign(starts_at=local(1, 15))
    contact = create_contact(campaign=campaign, phone="+442079460103")
    attempt, _ = record_attempt(
        campaign=campaign, contact=contact, outcome=outcome(NO_ANSWER), started_at=local(1, 9), now=local(1, 9)
    )
    attempt.refresh_from_db()
    assert attempt.next_attempt_at == local(1, 15)
