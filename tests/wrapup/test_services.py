"""The workspace services: presence, calls, wrap-up, the ACW timeout and next-call allocation."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from campaigns.services.contacts import RedialRefused
from strategies.models import AutoClassification
from wrapup.models import AgentSession
from wrapup.services import allocation, presence, sessions, wrap_up

from .helpers import ANSWERED, BUSY, NOW, call_result, minutes, outcome


def session_of(agent) -> AgentSession:
    return AgentSession.objects.get(agent=agent)


def in_wrap_up(agent, campaign, contact, now=NOW, duration=90):
    """Join, take `contact` (the only one due) `duration` seconds before `now`, and end the call connected
    at `now`."""
    assert presence.join_campaign(agent, campaign, now=now - timedelta(seconds=duration)) == contact
    ended = wrap_up.simulate_call_end(session_of(agent), outcome=outcome(ANSWERED), duration_seconds=duration, now=now)
    assert ended.in_wrap_up
    return ended.attempt


# --- presence -------------------------------------------------------------------------------------


def test_join_makes_agent_ready_and_allocates_a_fresh_contact(agent, campaign, make_contact):
    contact = make_contact(campaign)
    assert presence.join_campaign(agent, campaign, now=NOW) == contact
    session = session_of(agent)
    assert (session.state, session.campaign, session.current_contact) == (AgentSession.IN_CALL, campaign, contact)
    contact.refresh_from_db()
    assert contact.status == Contact.IN_CALL


def test_join_with_nothing_due_leaves_agent_ready(agent, campaign):
    assert presence.join_campaign(agent, campaign, now=NOW) is None
    assert session_of(agent).state == AgentSession.READY


def test_join_refuses_a_paused_campaign(agent, make_campaign):
    paused = make_campaign(status=Campaign.PAUSED)
    with pytest.raises(sessions.ActionRefused, match="paused"):
        presence.join_campaign(agent, paused, now=NOW)


def test_pause_resume_and_leave(agent, campaign, make_contact):
    presence.join_campaign(agent, campaign, now=NOW)
    presence.pause(agent, now=NOW)
    assert session_of(agent).state == AgentSession.PAUSED
    contact = make_contact(campaign)
    assert presence.resume(agent, now=NOW) == contact
    assert session_of(agent).state == AgentSession.IN_CALL
    wrap_up.simulate_call_end(session_of(agent), outcome=outcome(BUSY), duration_seconds=0, now=NOW)
    presence.leave_campaign(agent, now=NOW)
    session = session_of(agent)
    assert (session.state, session.campaign) == (AgentSession.OFFLINE, None)


def test_pause_and_leave_are_refused_in_wrap_up(agent, campaign, make_contact):
    in_wrap_up(agent, campaign, make_contact(campaign))
    with pytest.raises(sessions.ActionRefused, match="during wrap-up"):
        presence.pause(agent, now=NOW)
    with pytest.raises(sessions.ActionRefused, match="during wrap-up"):
        presence.leave_campaign(agent, now=NOW)
    assert session_of(agent).state == AgentSession.WRAP_UP


def test_pause_is_refused_during_a_call_and_resume_when_not_paused(agent, campaign, make_contact):
    make_contact(campaign)
    presence.join_campaign(agent, campaign, now=NOW)
    with pytest.raises(sessions.ActionRefused, match="during a call"):
        presence.pause(agent, now=NOW)
    with pytest.raises(sessions.ActionRefused, match="not paused"):
        presence.resume(agent, now=NOW)


# --- the call -------------------------------------------------------------------------------------


def test_connected_call_enters_wrap_up_with_the_acw_deadline(agent, campaign, make_contact):
    contact = make_contact(campaign)
    attempt = in_wrap_up(agent, campaign, contact)
    session = session_of(agent)
    assert session.current_attempt == attempt
    assert session.wrap_up_deadline_at == NOW + timedelta(seconds=120)
    assert attempt.agent == agent and attempt.source == Attempt.SOURCE_AUTO
    contact.refresh_from_db()
    assert contact.status == Contact.WRAP_UP
    assert not RedialRequest.objects.filter(contact=contact).exists()


def test_not_connected_call_is_classified_scheduled_and_the_next_call_follows(agent, campaign, make_contact):
    first, second = make_contact(campaign), make_contact(campaign)
    presence.join_campaign(agent, campaign, now=NOW)
    ended = wrap_up.simulate_call_end(session_of(agent), outcome=outcome(BUSY), duration_seconds=0, now=NOW)
    assert not ended.in_wrap_up
    assert ended.auto_result == call_result("busy")
    assert ended.attempt.call_result == call_result("busy")
    assert ended.attempt.wrap_up_ended_at == NOW
    assert ended.redial.due_at == NOW + timedelta(hours=1)
    assert ended.next_contact == second
    first.refresh_from_db()
    assert first.status == Contact.SCHEDULED
    assert session_of(agent).current_contact == second


def test_call_from_a_redial_request_is_a_callback_and_closes_the_request(agent, campaign, make_contact, make_redial):
    contact = make_contact(campaign)
    request = make_redial(contact, NOW - minutes(5), status=RedialRequest.READY, source=RedialRequest.SOURCE_AGENT)
    presence.join_campaign(agent, campaign, now=NOW)
    request.refresh_from_db()
    assert request.status == RedialRequest.DIALING
    ended = wrap_up.simulate_call_end(session_of(agent), outcome=outcome(ANSWERED), duration_seconds=60, now=NOW)
    assert ended.attempt.source == Attempt.SOURCE_CALLBACK and ended.attempt.redial_request == request
    request.refresh_from_db()
    assert request.status == RedialRequest.DONE


@pytest.mark.parametrize(
    ("request_source", "attempt_source"),
    [(RedialRequest.SOURCE_LEAD, Attempt.SOURCE_LEAD), (RedialRequest.SOURCE_AUTO, Attempt.SOURCE_AUTO)],
)
def test_a_lead_call_is_a_lead_and_an_automatic_retry_is_auto(
    agent, campaign, make_contact, make_redial, request_source, attempt_source
):
    contact = make_contact(campaign)
    make_redial(contact, NOW - minutes(5), status=RedialRequest.READY, source=request_source)
    presence.join_campaign(agent, campaign, now=NOW)
    ended = wrap_up.simulate_call_end(session_of(agent), outcome=outcome(ANSWERED), duration_seconds=60, now=NOW)
    assert ended.attempt.source == attempt_source


def test_a_call_starts_when_offered_and_ends_its_duration_later(agent, campaign, make_contact):
    make_contact(campaign)
    offered = NOW - minutes(1)
    presence.join_campaign(agent, campaign, now=offered)
    ended = wrap_up.simulate_call_end(session_of(agent), outcome=outcome(ANSWERED), duration_seconds=200, now=NOW)
    assert ended.attempt.started_at == offered
    assert ended.attempt.ended_at == offered + timedelta(seconds=200)


def test_simulate_call_end_refuses_without_a_call_and_bad_duration(agent, campaign):
    presence.join_campaign(agent, campaign, now=NOW)
    with pytest.raises(sessions.ActionRefused, match="no call"):
        wrap_up.simulate_call_end(session_of(agent), outcome=outcome(BUSY), duration_seconds=5, now=NOW)
    with pytest.raises(ValidationError) as caught:
        wrap_up.simulate_call_end(session_of(agent), outcome=outcome(BUSY), duration_seconds=-1, now=NOW)
    assert "duration_seconds" in caught.value.message_dict


# --- wrap-up --------------------------------------------------------------------------------------


def test_final_result_ends_wrap_up_closes_contact_and_allocates_next(agent, campaign, make_contact):
    contact = make_contact(campaign)
    attempt = in_wrap_up(agent, campaign, contact)
    following = make_contact(campaign)
    ended = wrap_up.choose_call_result(agent, attempt, call_result("successful"), now=NOW + minutes(1))
    attempt.refresh_from_db()
    contact.refresh_from_db()
    assert attempt.call_result == call_result("successful")
    assert attempt.wrap_up_ended_at == NOW + minutes(1)
    assert contact.status == Contact.DONE
    assert ended.next_contact == following
    assert session_of(agent).state == AgentSession.IN_CALL


def test_retry_result_schedules_the_business_strategy_delay(agent, campaign, make_contact):
    contact = make_contact(campaign)
    attempt = in_wrap_up(agent, campaign, contact)
    ended = wrap_up.choose_call_result(agent, attempt, call_result("busy"), now=NOW)
    # The engine counts from the attempt's start (rule 4: t + delay), 90 s before it ended.
    assert ended.redial.due_at == attempt.started_at + timedelta(hours=2)
    assert ended.redial.owner is None


def test_redial_result_makes_a_personal_request_after_the_campaign_delay(agent, campaign, make_contact):
    attempt = in_wrap_up(agent, campaign, make_contact(campaign))
    ended = wrap_up.choose_call_result(agent, attempt, call_result("redial"), now=NOW)
    assert ended.redial.owner == agent
    assert ended.redial.due_at == NOW + minutes(30)
    assert ended.redial.source == RedialRequest.SOURCE_AGENT
    assert ended.next_contact is None
    assert session_of(agent).state == AgentSession.READY


def test_instant_retry_makes_a_common_request_due_now_that_is_allocated_at_once(agent, campaign, make_contact):
    contact = make_contact(campaign)
    attempt = in_wrap_up(agent, campaign, contact)
    ended = wrap_up.choose_call_result(agent, attempt, call_result("instant_retry"), now=NOW)
    assert ended.redial.owner is None and ended.redial.source == RedialRequest.SOURCE_INSTANT
    assert ended.next_contact == contact
    assert session_of(agent).current_redial == ended.redial


def test_pause_after_wrap_up_pauses_instead_of_allocating(agent, campaign, make_contact):
    attempt = in_wrap_up(agent, campaign, make_contact(campaign))
    make_contact(campaign)
    ended = wrap_up.choose_call_result(agent, attempt, call_result("refusal"), pause_after=True, now=NOW)
    assert ended.next_contact is None
    assert session_of(agent).state == AgentSession.PAUSED


def test_requires_end_wrap_up_keeps_the_choice_until_end(agent, make_campaign, make_contact):
    campaign = make_campaign(requires_end_wrap_up=True)
    attempt = in_wrap_up(agent, campaign, make_contact(campaign))
    assert wrap_up.choose_call_result(agent, attempt, call_result("refusal"), now=NOW) is None
    assert session_of(agent).state == AgentSession.WRAP_UP
    ended = wrap_up.end_wrap_up(session_of(agent), now=NOW)
    assert ended.call_result == call_result("refusal")
    assert session_of(agent).state == AgentSession.READY


def test_agent_cannot_end_wrap_up_without_a_result(agent, make_campaign, make_contact):
    campaign = make_campaign(requires_end_wrap_up=True)
    in_wrap_up(agent, campaign, make_contact(campaign))
    with pytest.raises(ValidationError) as caught:
        wrap_up.end_wrap_up(session_of(agent), now=NOW)
    assert "call_result" in caught.value.message_dict
    assert session_of(agent).state == AgentSession.WRAP_UP


def test_a_finished_wrap_up_cannot_be_chosen_again(agent, campaign, make_contact):
    attempt = in_wrap_up(agent, campaign, make_contact(campaign))
    wrap_up.choose_call_result(agent, attempt, call_result("refusal"), now=NOW)
    with pytest.raises(sessions.ActionRefused, match="over"):
        wrap_up.choose_call_result(agent, attempt, call_result("successful"), now=NOW)


def test_manual_redial_in_wrap_up_stands_over_the_automatic_retry(agent, campaign, make_contact):
    contact = make_contact(campaign)
    attempt = in_wrap_up(agent, campaign, contact)
    due = NOW + timedelta(days=1)
    manual = wrap_up.add_wrap_up_redial(agent, attempt, due_at=due, personal=False, remarks="after lunch", now=NOW)
    ended = wrap_up.choose_call_result(agent, attempt, call_result("busy"), now=NOW)
    assert ended.redial == manual
    manual.refresh_from_db()
    assert manual.status == RedialRequest.SCHEDULED and manual.owner is None and manual.remarks == "after lunch"
    attempt.refresh_from_db()
    assert attempt.next_attempt_at == due
    contact.refresh_from_db()
    assert contact.status == Contact.SCHEDULED


def test_a_final_result_cancels_a_redial_added_in_wrap_up_and_closes_the_contact(agent, campaign, make_contact):
    contact = make_contact(campaign)
    attempt = in_wrap_up(agent, campaign, contact)
    manual = wrap_up.add_wrap_up_redial(agent, attempt, due_at=NOW + timedelta(days=1), personal=False, now=NOW)
    ended = wrap_up.choose_call_result(agent, attempt, call_result("refusal"), now=NOW)
    assert ended.redial is None
    manual.refresh_from_db()
    assert manual.status == RedialRequest.CANCELLED
    contact.refresh_from_db()
    assert contact.status == Contact.DONE
    attempt.refresh_from_db()
    assert attempt.decision_reason == "final_outcome" and attempt.next_attempt_at is None


def test_add_redial_personal_and_refused_with_the_next_allowed_time(agent, make_campaign, make_contact):
    campaign = make_campaign(open_minutes=(9 * 60, 17 * 60))
    attempt = in_wrap_up(agent, campaign, make_contact(campaign))
    personal = wrap_up.add_wrap_up_redial(agent, attempt, due_at=NOW + timedelta(hours=3), personal=True, now=NOW)
    assert personal.owner == agent and personal.created_by == agent
    with pytest.raises(RedialRefused) as caught:
        wrap_up.add_wrap_up_redial(agent, attempt, due_at=NOW + timedelta(hours=10), personal=True, now=NOW)
    assert "next allowed time is Tue 26 Nov 09:00" in caught.value.messages[0]
    assert caught.value.next_allowed_at == NOW + timedelta(hours=23)


def test_add_redial_is_refused_outside_wrap_up(agent, campaign, make_contact):
    attempt = in_wrap_up(agent, campaign, make_contact(campaign))
    wrap_up.choose_call_result(agent, attempt, call_result("refusal"), now=NOW)
    with pytest.raises(sessions.ActionRefused):
        wrap_up.add_wrap_up_redial(agent, attempt, due_at=NOW + timedelta(hours=1), personal=True, now=NOW)


def test_notes_only_for_the_current_customer(agent, campaign, make_contact):
    contact, other = make_contact(campaign), make_contact(campaign)
    presence.join_campaign(agent, campaign, now=NOW)
    wrap_up.update_contact_notes(agent, contact, "  prefers evenings ")
    contact.refresh_from_db()
    assert contact.notes == "prefers evenings"
    with pytest.raises(sessions.ActionRefused):
        wrap_up.update_contact_notes(agent, other, "x")


# --- after-call-work timeout ----------------------------------------------------------------------


def test_acw_timeout_ends_a_forgotten_wrap_up_and_schedules_as_usual(agent, campaign, make_contact):
    contact = make_contact(campaign)
    attempt = in_wrap_up(agent, campaign, contact)
    assert wrap_up.end_expired_wrap_ups(now=NOW + timedelta(seconds=119)) == 0
    assert session_of(agent).state == AgentSession.WRAP_UP
    assert wrap_up.end_expired_wrap_ups(now=NOW + timedelta(seconds=120)) == 1
    attempt.refresh_from_db()
    contact.refresh_from_db()
    assert attempt.call_result is None and attempt.decision_reason == "no_rule"
    assert attempt.wrap_up_ended_at == NOW + timedelta(seconds=120)
    assert contact.status == Contact.EXHAUSTED
    assert session_of(agent).state == AgentSession.READY


def test_acw_timeout_uses_the_automatic_classification(agent, campaign, make_contact):
    AutoClassification.objects.create(outcome=outcome(ANSWERED), call_result=call_result("busy"))
    attempt = in_wrap_up(agent, campaign, make_contact(campaign))
    assert wrap_up.end_expired_wrap_ups(now=NOW + timedelta(minutes=5)) == 1
    attempt.refresh_from_db()
    assert attempt.call_result == call_result("busy")
    assert attempt.next_attempt_at == attempt.started_at + timedelta(hours=2)


def test_acw_timeout_keeps_the_result_the_agent_chose(agent, make_campaign, make_contact):
    campaign = make_campaign(requires_end_wrap_up=True)
    attempt = in_wrap_up(agent, campaign, make_contact(campaign))
    wrap_up.choose_call_result(agent, attempt, call_result("redial"), now=NOW)
    wrap_up.end_expired_wrap_ups(now=NOW + timedelta(minutes=3))
    request = RedialRequest.objects.get(contact=attempt.contact, status=RedialRequest.SCHEDULED)
    assert request.owner == agent


def test_the_celery_task_ends_expired_wrap_ups(agent, make_campaign, make_contact):
    from wrapup.tasks import end_expired_wrap_ups

    campaign = make_campaign(acw_timeout_seconds=1)
    # The task reads the clock: the wrap-up started 10 s ago, with a 1 s timeout.
    in_wrap_up(agent, campaign, make_contact(campaign), now=timezone.now() - timedelta(seconds=10))
    assert end_expired_wrap_ups.apply().get() == 1
    assert session_of(agent).state == AgentSession.READY


def test_system_end_is_refused_before_the_deadline(agent, campaign, make_contact):
    in_wrap_up(agent, campaign, make_contact(campaign))
    with pytest.raises(sessions.ActionRefused):
        wrap_up.end_wrap_up(session_of(agent), by_system=True, now=NOW + timedelta(seconds=10))


# --- allocation -----------------------------------------------------------------------------------


def test_allocation_order_personal_then_common_then_fresh(agent, agent2, campaign, make_contact, make_redial):
    fresh = make_contact(campaign)
    common = make_contact(campaign)
    mine = make_contact(campaign)
    theirs = make_contact(campaign)
    make_redial(common, NOW - minutes(20))
    make_redial(mine, NOW - minutes(1), owner=agent)
    make_redial(theirs, NOW - minutes(30), owner=agent2)
    presence.join_campaign(agent, campaign, now=NOW)
    given = [session_of(agent).current_contact]
    for _ in range(2):
        ended = wrap_up.simulate_call_end(session_of(agent), outcome=outcome(BUSY), duration_seconds=0, now=NOW)
        given.append(ended.next_contact)
    assert given == [mine, common, fresh]
    ended = wrap_up.simulate_call_end(session_of(agent), outcome=outcome(BUSY), duration_seconds=0, now=NOW)
    assert ended.next_contact is None  # agent2's personal redial is within its grace


def test_oldest_due_first_and_future_requests_wait(agent, campaign, make_contact, make_redial):
    late, early, future = make_contact(campaign), make_contact(campaign), make_contact(campaign)
    make_redial(late, NOW - minutes(1))
    make_redial(early, NOW - minutes(10))
    make_redial(future, NOW + minutes(10))
    assert presence.join_campaign(agent, campaign, now=NOW) == early
    ended = wrap_up.simulate_call_end(session_of(agent), outcome=outcome(BUSY), duration_seconds=0, now=NOW)
    assert ended.next_contact == late
    ended = wrap_up.simulate_call_end(session_of(agent), outcome=outcome(BUSY), duration_seconds=0, now=NOW)
    assert ended.next_contact is None


def test_overdue_personal_redial_past_grace_goes_to_another_agent(agent, agent2, campaign, make_contact, make_redial):
    contact = make_contact(campaign)
    request = make_redial(contact, NOW - minutes(31), owner=agent2)
    assert presence.join_campaign(agent, campaign, now=NOW) == contact
    request.refresh_from_db()
    assert request.owner is None and request.status == RedialRequest.DIALING


def test_zero_grace_keeps_personal_redials_personal(agent, agent2, make_campaign, make_contact, make_redial):
    campaign = make_campaign(personal_redial_grace_minutes=0)
    make_redial(make_contact(campaign), NOW - timedelta(days=1), owner=agent2)
    assert presence.join_campaign(agent, campaign, now=NOW) is None


def test_never_outside_business_hours(agent, make_campaign, make_contact):
    campaign = make_campaign(open_minutes=(9 * 60, 17 * 60))
    make_contact(campaign)
    assert presence.join_campaign(agent, campaign, now=NOW.replace(hour=20)) is None
    assert allocation.allocate_next_call(agent, now=NOW) is not None


def test_contact_window_is_read_in_the_contacts_zone(agent, make_campaign, make_contact):
    campaign = make_campaign(contact_window_start=8 * 60, contact_window_end=21 * 60)
    make_contact(campaign, name="Asleep in New Zealand", zone="Pacific/Auckland")  # 23:00 there
    awake = make_contact(campaign, name="In London")
    assert presence.join_campaign(agent, campaign, now=NOW) == awake


def test_daily_limit_skips_a_contact_called_enough_today(agent, make_campaign, make_contact, make_redial):
    campaign = make_campaign(daily_attempts=1)
    called = make_contact(campaign)
    Attempt.objects.create(
        contact=called, campaign=campaign, number=1, started_at=NOW - minutes(60), outcome=outcome(BUSY)
    )
    make_redial(called, NOW - minutes(5))
    fresh = make_contact(campaign)
    assert presence.join_campaign(agent, campaign, now=NOW) == fresh


def test_a_contact_held_by_another_agent_is_never_given(agent, agent2, campaign, make_contact):
    contact = make_contact(campaign)
    assert presence.join_campaign(agent2, campaign, now=NOW) == contact
    assert presence.join_campaign(agent, campaign, now=NOW) is None
    # Even when its status was changed under the holder's feet, the holder's session still guards it.
    Contact.objects.filter(pk=contact.pk).update(status=Contact.PENDING)
    assert allocation.allocate_next_call(agent, now=NOW) is None


def test_auto_dial_campaigns_are_not_allocated_by_the_workspace(agent, make_campaign, make_contact):
    campaign = make_campaign(dialing_mode=Campaign.AUTO_DIAL)
    make_contact(campaign)
    assert presence.join_campaign(agent, campaign, now=NOW) is None


# --- one campaign's bad data ----------------------------------------------------------------------


def test_a_huge_personal_grace_elsewhere_does_not_stop_allocation(
    agent, agent2, make_campaign, make_contact, make_redial
):
    other = make_campaign(personal_redial_grace_minutes=30)
    Campaign.objects.filter(pk=other.pk).update(personal_redial_grace_minutes=2_147_483_647)
    make_redial(make_contact(other), NOW - timedelta(days=1), owner=agent2)
    campaign = make_campaign()
    contact = make_contact(campaign)
    assert presence.join_campaign(agent, campaign, now=NOW) == contact
    assert RedialRequest.objects.get(campaign=other).owner == agent2  # the grace never runs out


def test_a_campaign_the_engine_refuses_is_blocked_and_its_agent_stays_ready(agent, agent2, make_campaign, make_contact):
    bad = make_campaign()
    make_contact(bad)
    Campaign.objects.filter(pk=bad.pk).update(redial_delay_amount=999_999, redial_delay_unit="d")
    good = make_campaign()
    good_contact = make_contact(good)
    assert presence.join_campaign(agent, bad, now=NOW) is None
    assert session_of(agent).state == AgentSession.READY
    bad.refresh_from_db()
    assert bad.dispatch_blocked_reason.startswith("allocation: ValueError")
    assert presence.join_campaign(agent2, good, now=NOW) == good_contact


def test_wrap_up_ends_and_the_contact_is_held_when_the_engine_refuses_the_campaign(agent, campaign, make_contact):
    contact = make_contact(campaign)
    in_wrap_up(agent, campaign, contact)
    Campaign.objects.filter(pk=campaign.pk).update(redial_delay_amount=999_999, redial_delay_unit="d")
    ended = wrap_up.end_wrap_up(session_of(agent), call_result=call_result("redial"), now=NOW)
    assert session_of(agent).state == AgentSession.READY
    assert ended.redial is not None and ended.redial.explanation.startswith("Not scheduled: wrap-up failed")
    contact.refresh_from_db()
    assert contact.status == Contact.SCHEDULED
    campaign.refresh_from_db()
    assert "too long" in campaign.dispatch_blocked_reason
