from datetime import datetime

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Contact, RedialRequest
from campaigns.services.attempts import record_attempt
from campaigns.services.contacts import RedialRefused, create_contact, set_do_not_call
from campaigns.services.redials import (
    add_redial,
    cancel_redial,
    check_redial,
    expire_personal_redials,
    reassign_redial,
    reschedule_redial,
)
from campaigns.services.retries import redial_from_call_result

from .helpers import ANSWERED, LONDON, NO_ANSWER, call_result, local, outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def kolkata_campaign(make_campaign):
    return make_campaign(zone="Asia/Kolkata")


@pytest.fixture
def contact(campaign):
    return create_contact(campaign=campaign, phone="+442071234567")


def test_add_redial_makes_a_personal_request_and_schedules_the_contact(campaign, contact, agent, supervisor):
    request = add_redial(
        campaign=campaign,
        contact=contact,
        due_at=local(1, 14, 30),
        owner=agent,
        remarks="after lunch",
        created_by=supervisor,
        now=local(0, 10),
    )
    assert request.is_personal and request.owner == agent
    assert request.source == RedialRequest.SOURCE_AGENT and request.created_by == supervisor
    assert request.remarks == "after lunch"
    assert Contact.objects.get(pk=contact.pk).status == Contact.SCHEDULED


def test_add_redial_replaces_the_open_request(campaign, contact):
    first = add_redial(campaign=campaign, contact=contact, due_at=local(1, 10), now=local(0, 10))
    second = add_redial(campaign=campaign, contact=contact, due_at=local(1, 11), now=local(0, 10))
    first.refresh_from_db()
    assert first.status == RedialRequest.CANCELLED and "replaced" in first.close_reason
    assert second.is_open


def test_add_redial_in_the_past_is_refused(campaign, contact):
    with pytest.raises(RedialRefused, match="not in the future") as error:
        add_redial(campaign=campaign, contact=contact, due_at=local(0, 9), now=local(0, 10))
    assert error.value.next_allowed_at == local(0, 10)
    assert not RedialRequest.objects.exists()


def test_add_redial_outside_hours_names_the_next_allowed_time_in_the_campaign_zone(kolkata_campaign):
    from zoneinfo import ZoneInfo

    kolkata = ZoneInfo("Asia/Kolkata")
    contact = create_contact(campaign=kolkata_campaign, phone="+919876543210")
    with pytest.raises(RedialRefused) as error:
        add_redial(
            campaign=kolkata_campaign,
            contact=contact,
            due_at=local(0, 20, 30, zone=kolkata),
            now=local(0, 10, zone=kolkata),
        )
    assert error.value.messages == [
        "20:30 is outside business hours; the next allowed time is Tue 26 Nov 09:00 (Asia/Kolkata)."
    ]
    assert error.value.next_allowed_at == local(1, 9, zone=kolkata)
    assert isinstance(error.value, ValidationError)


def test_add_redial_on_a_full_day_names_the_daily_limit(campaign, contact):
    record_attempt(campaign=campaign, contact=contact, outcome=outcome(NO_ANSWER), started_at=local(0, 9))
    record_attempt(campaign=campaign, contact=contact, outcome=outcome(NO_ANSWER), started_at=local(0, 10))
    with pytest.raises(RedialRefused, match="daily limit of 2 attempts") as error:
        add_redial(campaign=campaign, contact=contact, due_at=local(0, 15), now=local(0, 10, 5))
    assert error.value.next_allowed_at == local(1, 9)


def test_add_redial_without_attempts_left_is_refused(make_campaign):
    campaign = make_campaign(max_attempts=1)
    contact = create_contact(campaign=campaign, phone="+442071234567")
    record_attempt(
        campaign=campaign, contact=contact, outcome=outcome(ANSWERED), started_at=local(0, 10), duration_seconds=60
    )
    with pytest.raises(RedialRefused, match="no attempts are left"):
        add_redial(campaign=campaign, contact=contact, due_at=local(0, 15), now=local(0, 10, 5))


@pytest.mark.parametrize("closed", [Contact.DONE, Contact.EXHAUSTED, Contact.DO_NOT_CALL])
def test_add_redial_for_a_closed_contact_is_refused(campaign, contact, closed):
    Contact.objects.filter(pk=contact.pk).update(status=closed)
    contact.refresh_from_db()
    with pytest.raises(RedialRefused, match="closed"):
        add_redial(campaign=campaign, contact=contact, due_at=local(1, 10), now=local(0, 10))


def test_a_personal_redial_needs_an_agent_as_owner(campaign, contact, supervisor):
    with pytest.raises(ValidationError) as error:
        add_redial(campaign=campaign, contact=contact, due_at=local(1, 10), owner=supervisor, now=local(0, 10))
    assert "owner" in error.value.message_dict


def test_check_redial_accepts_an_allowed_future_time(campaign, contact):
    check_redial(campaign=campaign, contact=contact, due_at=local(0, 16, 59), now=local(0, 10))


def test_redial_call_result_makes_a_personal_request_after_the_redial_delay(campaign, contact, agent):
    attempt, _ = record_attempt(
        campaign=campaign, contact=contact, outcome=outcome(ANSWERED), started_at=local(0, 10), duration_seconds=60
    )
    attempt.call_result = call_result("redial")
    attempt.save(update_fields=["call_result"])
    request = redial_from_call_result(attempt, agent=agent, now=local(0, 10, 5))
    assert request.due_at == local(0, 10, 35)
    assert request.owner == agent and request.source == RedialRequest.SOURCE_AGENT
    attempt.refresh_from_db()
    assert attempt.next_attempt_at == local(0, 10, 35)


def test_redial_call_result_near_closing_moves_to_the_next_opening(campaign, contact, agent):
    attempt, _ = record_attempt(
        campaign=campaign,
        contact=contact,
        outcome=outcome(ANSWERED),
        started_at=local(0, 16, 40),
        duration_seconds=60,
        call_result=call_result("redial"),
    )
    request = redial_from_call_result(attempt, agent=agent, now=local(0, 16, 45))
    assert request.due_at == local(1, 9)
    assert "outside business hours" in request.explanation


def test_instant_retry_is_due_now_and_common(campaign, contact, agent):
    attempt, _ = record_attempt(
        campaign=campaign,
        contact=contact,
        outcome=outcome(ANSWERED),
        started_at=local(0, 10),
        duration_seconds=60,
        call_result=call_result("instant_retry"),
    )
    request = redial_from_call_result(attempt, agent=agent, now=local(0, 10, 2))
    assert request.due_at == local(0, 10, 2)
    assert request.owner is None and request.source == RedialRequest.SOURCE_INSTANT


def test_other_call_results_make_no_redial(campaign, contact, agent):
    attempt, _ = record_attempt(
        campaign=campaign,
        contact=contact,
        outcome=outcome(ANSWERED),
        started_at=local(0, 10),
        duration_seconds=60,
        call_result=call_result("wrong_person"),
    )
    assert redial_from_call_result(attempt, agent=agent, now=local(0, 10, 2)) is None
    assert not RedialRequest.objects.exists()


def test_redial_call_result_on_the_last_attempt_closes_the_contact(make_campaign, agent):
    campaign = make_campaign(max_attempts=1)
    contact = create_contact(campaign=campaign, phone="+442071234567")
    attempt, _ = record_attempt(
        campaign=campaign,
        contact=contact,
        outcome=outcome(ANSWERED),
        started_at=local(0, 10),
        duration_seconds=60,
        call_result=call_result("redial"),
    )
    assert redial_from_call_result(attempt, agent=agent, now=local(0, 10, 2)) is None
    contact.refresh_from_db()
    assert (contact.status, contact.status_reason) == (Contact.EXHAUSTED, "max_attempts_reached")


def test_cancel_redial_closes_it_and_returns_the_contact_to_pending(campaign, contact, supervisor):
    request = add_redial(campaign=campaign, contact=contact, due_at=local(1, 10), now=local(0, 10))
    cancelled = cancel_redial(request, by=supervisor, reason="customer asked")
    assert cancelled.status == RedialRequest.CANCELLED
    assert cancelled.close_reason == "cancelled by super: customer asked"
    assert Contact.objects.get(pk=contact.pk).status == Contact.PENDING


def test_cancelling_the_only_retry_of_a_called_contact_leaves_it_not_scheduled(campaign, contact, supervisor):
    attempt, _ = record_attempt(
        campaign=campaign, contact=contact, outcome=outcome(NO_ANSWER), started_at=local(0, 10), now=local(0, 10)
    )
    retry = RedialRequest.objects.get(contact=contact, status=RedialRequest.SCHEDULED)
    cancel_redial(retry, by=supervisor)
    contact.refresh_from_db()
    assert contact.status == Contact.IDLE and contact.get_status_display() == "Not scheduled"


def test_reschedule_redial_validates_and_moves_it(campaign, contact, supervisor):
    request = add_redial(campaign=campaign, contact=contact, due_at=local(1, 10), now=local(0, 10))
    with pytest.raises(RedialRefused, match="outside business hours"):
        reschedule_redial(request, due_at=local(1, 18), by=supervisor, now=local(0, 10))
    moved = reschedule_redial(request, due_at=local(1, 15), by=supervisor, now=local(0, 10))
    assert moved.due_at == local(1, 15) and moved.status == RedialRequest.SCHEDULED
    assert "Rescheduled by super" in moved.explanation
    assert RedialRequest.objects.get(pk=request.pk).due_at == local(1, 15)


def test_reassign_redial_to_an_agent_and_back_to_common(campaign, contact, supervisor, agent):
    request = add_redial(campaign=campaign, contact=contact, due_at=local(1, 10), now=local(0, 10))
    assert reassign_redial(request, owner=agent, by=supervisor).owner == agent
    assert reassign_redial(request, owner=None, by=supervisor).owner is None
    assert RedialRequest.objects.get(pk=request.pk).owner is None
    with pytest.raises(ValidationError) as error:
        reassign_redial(request, owner=supervisor, by=supervisor)
    assert "owner" in error.value.message_dict


def test_closed_requests_cannot_be_changed(campaign, contact, supervisor, agent):
    request = add_redial(campaign=campaign, contact=contact, due_at=local(1, 10), now=local(0, 10))
    cancel_redial(request, by=supervisor)
    for change in (
        lambda: cancel_redial(request, by=supervisor),
        lambda: reschedule_redial(request, due_at=local(1, 11), by=supervisor, now=local(0, 10)),
        lambda: reassign_redial(request, owner=agent, by=supervisor),
    ):
        with pytest.raises(ValidationError, match="already cancelled; only open requests can be changed"):
            change()


def test_a_request_being_dialed_cannot_be_rescheduled(campaign, contact, supervisor):
    request = add_redial(campaign=campaign, contact=contact, due_at=local(1, 10), now=local(0, 10))
    RedialRequest.objects.filter(pk=request.pk).update(status=RedialRequest.DIALING)
    with pytest.raises(ValidationError, match="dialing right now"):
        reschedule_redial(request, due_at=local(1, 11), by=supervisor, now=local(0, 10))


def test_expire_personal_redials_makes_stale_ones_common(campaign, contact, agent, make_campaign):
    request = add_redial(campaign=campaign, contact=contact, due_at=local(1, 10), owner=agent, now=local(0, 10))
    keep_personal = make_campaign(personal_redial_grace_minutes=0)
    other = create_contact(campaign=keep_personal, phone="+442071234568")
    kept = add_redial(campaign=keep_personal, contact=other, due_at=local(1, 10), owner=agent, now=local(0, 10))
    assert expire_personal_redials(now=local(1, 10, 29)) == 0
    assert expire_personal_redials(now=local(1, 10, 31)) == 1
    request.refresh_from_db()
    kept.refresh_from_db()
    assert request.owner is None and "now common" in request.explanation
    assert kept.owner == agent
    assert expire_personal_redials(now=local(1, 12)) == 0


def test_do_not_call_blocks_new_redials(campaign, contact, supervisor):
    set_do_not_call(contact, by=supervisor)
    with pytest.raises(RedialRefused, match="Do not call"):
        check_redial(campaign=campaign, contact=contact, due_at=local(1, 10), now=local(0, 10))


def test_a_redial_more_than_a_year_ahead_is_refused(campaign):
    contact = create_contact(campaign=campaign, phone="+442079460301")
    with pytest.raises(RedialRefused, match="more than 366 days ahead"):
        add_redial(campaign=campaign, contact=contact, due_at=local(800, 10), now=local(0, 8))


def test_a_past_date_of_another_year_names_its_year(campaign):
    contact = create_contact(campaign=campaign, phone="+442079460302")
    with pytest.raises(RedialRefused, match="Wed 1 Jan 2020 10:00 is not in the future"):
        add_redial(
            campaign=campaign, contact=contact, due_at=datetime(2020, 1, 1, 10, 0, tzinfo=LONDON), now=local(0, 8)
        )
