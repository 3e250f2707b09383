from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from campaigns.models import Attempt, Contact, RedialRequest
from campaigns.services.attempts import record_attempt
from campaigns.services.contacts import create_contact
from campaigns.services.retries import schedule_retry

from .helpers import ANSWERED, CALL_FAILED, FINAL_OUTCOME, NO_ANSWER, local, outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(campaign):
    return create_contact(campaign=campaign, phone="+442071234567", name="Ann")


def call(campaign, contact, code, at, **kwargs):
    return record_attempt(campaign=campaign, contact=contact, outcome=outcome(code), started_at=at, **kwargs)


def open_requests(contact):
    return list(RedialRequest.objects.filter(contact=contact, status__in=RedialRequest.OPEN_STATUSES))


def test_no_answer_at_ten_with_one_hour_is_retried_at_eleven(campaign, contact):
    attempt, created = call(campaign, contact, NO_ANSWER, local(0, 10), duration_seconds=0)
    assert created and attempt.number == 1
    [request] = open_requests(contact)
    assert request.due_at == local(0, 11)
    assert request.source == RedialRequest.SOURCE_AUTO and request.owner is None
    assert request.explanation == attempt.decision_explanation
    attempt.refresh_from_db()
    assert attempt.decision_reason == "retry" and attempt.next_attempt_at == local(0, 11)
    contact.refresh_from_db()
    assert contact.status == Contact.SCHEDULED


def test_call_failed_at_eleven_after_two_daily_attempts_moves_to_next_day_nine(campaign, contact):
    call(campaign, contact, NO_ANSWER, local(0, 10))
    attempt, _ = call(campaign, contact, CALL_FAILED, local(0, 11))
    assert attempt.number == 2
    [request] = open_requests(contact)
    assert request.due_at == local(1, 9)
    assert "daily limit of 2 attempts" in request.explanation
    assert RedialRequest.objects.filter(contact=contact, status=RedialRequest.CANCELLED).count() == 1


def test_no_answer_at_half_past_five_in_a_campaign_open_till_six_goes_to_the_next_opening(make_campaign):
    campaign = make_campaign(open_minutes=(9 * 60, 18 * 60))
    contact = create_contact(campaign=campaign, phone="+442071234567")
    call(campaign, contact, NO_ANSWER, local(0, 17, 30))
    [request] = open_requests(contact)
    assert request.due_at == local(1, 9)
    assert request.queue_opening_at == local(1, 9)
    assert "18:30" in request.explanation and "next opening" in request.explanation


def test_the_same_provider_call_id_twice_gives_one_attempt_and_one_request(campaign, contact):
    first, created = call(campaign, contact, NO_ANSWER, local(0, 10), provider="twilio", provider_call_id="CA1")
    again, created_again = call(campaign, contact, NO_ANSWER, local(0, 10), provider="twilio", provider_call_id="CA1")
    assert created and not created_again
    assert again.pk == first.pk
    assert Attempt.objects.count() == 1
    assert RedialRequest.objects.count() == 1


def test_the_same_call_id_from_another_provider_is_another_attempt(campaign, contact):
    call(campaign, contact, NO_ANSWER, local(0, 10), provider="twilio", provider_call_id="X1")
    _, created = call(campaign, contact, NO_ANSWER, local(0, 11), provider="ozonetel", provider_call_id="X1")
    assert created
    assert Attempt.objects.count() == 2


def test_the_provider_call_id_constraint_really_fires(campaign, contact):
    call(campaign, contact, NO_ANSWER, local(0, 10), provider="twilio", provider_call_id="CA9")
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(
            contact=contact,
            campaign=campaign,
            number=7,
            started_at=local(0, 10),
            outcome=outcome(NO_ANSWER),
            provider="twilio",
            provider_call_id="CA9",
        )


def test_attempts_without_a_call_id_are_never_deduplicated(campaign, contact):
    call(campaign, contact, NO_ANSWER, local(0, 10))
    _, created = call(campaign, contact, NO_ANSWER, local(0, 10))
    assert created and Attempt.objects.count() == 2


def test_the_one_open_redial_constraint_really_fires(campaign, contact):
    call(campaign, contact, NO_ANSWER, local(0, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        RedialRequest.objects.create(contact=contact, campaign=campaign, due_at=local(0, 12))


def test_a_new_retry_replaces_the_open_request(make_campaign):
    campaign = make_campaign()
    contact = create_contact(campaign=campaign, phone="+442071234567")
    call(campaign, contact, NO_ANSWER, local(0, 10))
    [old] = open_requests(contact)
    call(campaign, contact, NO_ANSWER, local(0, 11), redial_request=old)
    old.refresh_from_db()
    assert old.status == RedialRequest.DONE and "attempt 2" in old.close_reason
    [new] = open_requests(contact)
    assert new.due_at == local(0, 12)


def test_a_connected_call_waits_for_wrap_up(campaign, contact):
    call(campaign, contact, NO_ANSWER, local(0, 10))
    attempt, _ = call(campaign, contact, ANSWERED, local(0, 11), duration_seconds=120)
    contact.refresh_from_db()
    assert contact.status == Contact.WRAP_UP
    assert open_requests(contact) == []
    attempt.refresh_from_db()
    assert attempt.decision_reason == "" and attempt.next_attempt_at is None


def test_wrap_up_then_schedule_retry_uses_the_business_strategy(campaign, contact):
    from .helpers import call_result

    attempt, _ = call(campaign, contact, ANSWERED, local(0, 11), duration_seconds=120)
    attempt.call_result = call_result("wrong_person")
    attempt.save(update_fields=["call_result"])
    request = schedule_retry(attempt, now=local(0, 11, 5))
    assert request.due_at == local(1, 11)


def test_a_short_connected_call_counts_as_not_connected(make_campaign):
    campaign = make_campaign(short_call_seconds=10, telephony_rules={"platform.short_call": (30, "m")})
    contact = create_contact(campaign=campaign, phone="+442071234567")
    attempt, _ = call(campaign, contact, ANSWERED, local(0, 10), duration_seconds=4)
    [request] = open_requests(contact)
    assert request.due_at == local(0, 10, 30)
    assert "Short Call" in attempt.decision_explanation


def test_duration_is_derived_from_the_end_of_the_call(make_campaign):
    campaign = make_campaign(short_call_seconds=10, telephony_rules={"platform.short_call": (30, "m")})
    contact = create_contact(campaign=campaign, phone="+442071234567")
    attempt, _ = call(campaign, contact, ANSWERED, local(0, 10), ended_at=local(0, 10) + timedelta(seconds=3))
    assert attempt.duration_seconds == 3
    assert Contact.objects.get(pk=contact.pk).status == Contact.SCHEDULED


def test_a_final_outcome_closes_the_contact_as_done(campaign, contact):
    call(campaign, contact, NO_ANSWER, local(0, 10))
    call(campaign, contact, FINAL_OUTCOME, local(0, 11))
    contact.refresh_from_db()
    assert (contact.status, contact.status_reason) == (Contact.DONE, "final_outcome")
    assert open_requests(contact) == []


def test_the_last_allowed_attempt_closes_the_contact_as_exhausted(make_campaign):
    campaign = make_campaign(max_attempts=2)
    contact = create_contact(campaign=campaign, phone="+442071234567")
    call(campaign, contact, NO_ANSWER, local(0, 10))
    assert call(campaign, contact, NO_ANSWER, local(0, 11))[0].decision_reason == "max_attempts_reached"
    contact.refresh_from_db()
    assert (contact.status, contact.status_reason) == (Contact.EXHAUSTED, "max_attempts_reached")


def test_an_outcome_without_a_rule_closes_the_contact(campaign, contact):
    call(campaign, contact, "platform.call_abandoned", local(0, 10))
    contact.refresh_from_db()
    assert (contact.status, contact.status_reason) == (Contact.EXHAUSTED, "no_rule")


def test_a_campaign_without_business_hours_closes_with_no_calling_window(make_campaign):
    campaign = make_campaign(weekdays=[])
    contact = create_contact(campaign=campaign, phone="+442071234567")
    call(campaign, contact, NO_ANSWER, local(0, 10))
    contact.refresh_from_db()
    assert (contact.status, contact.status_reason) == (Contact.EXHAUSTED, "no_calling_window")


def test_a_retry_after_the_campaign_end_closes_with_campaign_ended(make_campaign):
    campaign = make_campaign(ends_at=local(0, 10, 30))
    contact = create_contact(campaign=campaign, phone="+442071234567")
    call(campaign, contact, NO_ANSWER, local(0, 10))
    contact.refresh_from_db()
    assert (contact.status, contact.status_reason) == (Contact.EXHAUSTED, "campaign_ended")


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("started_at", {"started_at": local(0, 10).replace(tzinfo=None)}),
        ("ended_at", {"ended_at": local(0, 9)}),
        ("duration_seconds", {"duration_seconds": -5}),
        ("provider", {"provider_call_id": "CA1"}),
        ("outcome", {"outcome": None}),
        ("source", {"source": "carrier pigeon"}),
    ],
)
def test_bad_attempt_input_names_the_field_and_writes_nothing(campaign, contact, field, kwargs):
    values = {"started_at": local(0, 10), "outcome": outcome(NO_ANSWER), **kwargs}
    with pytest.raises(ValidationError) as error:
        record_attempt(campaign=campaign, contact=contact, **values)
    assert field in error.value.message_dict
    assert not Attempt.objects.exists()


def test_a_contact_of_another_campaign_is_refused(campaign, make_campaign, contact):
    other = make_campaign()
    with pytest.raises(ValidationError) as error:
        call(other, contact, NO_ANSWER, local(0, 10))
    assert "contact" in error.value.message_dict


def test_a_late_webhook_for_a_do_not_call_contact_schedules_nothing(campaign, contact, supervisor):
    from campaigns.services.contacts import set_do_not_call

    set_do_not_call(contact, by=supervisor)
    call(campaign, contact, NO_ANSWER, local(0, 10))
    call(campaign, contact, ANSWERED, local(0, 11), duration_seconds=60)
    contact.refresh_from_db()
    assert contact.status == Contact.DO_NOT_CALL
    assert open_requests(contact) == []
    assert Attempt.objects.filter(contact=contact).count() == 2
