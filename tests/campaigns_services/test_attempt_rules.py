"""Attempt rules (rule 9) and the repeat band (rule 10) at every door a call goes through: retries, manual
redials, lead intake, the out-of-hours queue; and the rules' service with its change log."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Attempt, AttemptRule, AttemptRuleChange, RedialRequest
from campaigns.services import attempt_rules as rule_services
from campaigns.services import rule_histories, scheduling
from campaigns.services.attempt_rules import RuleChange
from campaigns.services.attempts import record_attempt
from campaigns.services.contacts import create_contact
from campaigns.services.queue import queue_lead
from campaigns.services.redials import RedialRefused, add_redial, check_redial

from .helpers import NO_ANSWER, local, outcome

pytestmark = pytest.mark.django_db

PHONE = "+442071234567"
FLORIDA = "Florida: 3 calls in 24 hours"


def call(campaign, contact, code, at, **kwargs):
    attempt, _ = record_attempt(campaign=campaign, contact=contact, outcome=outcome(code), started_at=at, **kwargs)
    return attempt


@pytest.fixture
def florida_campaign(make_campaign):
    """Open 09:00-17:00 on weekdays, no daily limit, with the Florida preset (per number)."""
    campaign = make_campaign(name="florida")
    rule_services.add_preset(campaign, "florida_3_in_24h", by=None)
    return campaign


@pytest.fixture
def other_campaign(make_campaign):
    return make_campaign(name="other")


def called_elsewhere(other_campaign, *times):
    """Calls to PHONE in another campaign, at `times`."""
    contact = create_contact(campaign=other_campaign, phone=PHONE)
    for at in times:
        call(other_campaign, contact, NO_ANSWER, at)
    return contact


def test_an_attempt_records_the_number_dialled(campaign):
    contact = create_contact(campaign=campaign, phone=PHONE)
    attempt = call(campaign, contact, NO_ANSWER, local(0, 10))
    assert Attempt.objects.get(pk=attempt.pk).phone == PHONE


def test_a_retry_waits_for_a_number_rule_counting_calls_in_other_campaigns(florida_campaign, other_campaign):
    called_elsewhere(other_campaign, local(0, 9), local(0, 9, 30))
    contact = create_contact(campaign=florida_campaign, phone=PHONE)
    attempt = call(florida_campaign, contact, NO_ANSWER, local(0, 10))
    [request] = RedialRequest.objects.filter(contact=contact, status=RedialRequest.SCHEDULED)
    # Three calls to the number since 09:00: the next may be 24 hours after the first, Tue 09:00.
    assert request.due_at == local(1, 9)
    assert f"{FLORIDA} reached" in request.explanation
    attempt.refresh_from_db()
    assert f"{FLORIDA} reached" in attempt.decision_explanation


def test_without_calls_elsewhere_the_same_retry_is_not_deferred(florida_campaign, other_campaign):
    contact = create_contact(campaign=florida_campaign, phone=PHONE)
    call(florida_campaign, contact, NO_ANSWER, local(0, 10))
    [request] = RedialRequest.objects.filter(contact=contact, status=RedialRequest.SCHEDULED)
    assert request.due_at == local(0, 11)


def test_an_organisation_wide_required_rule_applies_to_every_campaign(campaign):
    rule_services.apply_rule_changes(
        None,
        [RuleChange(None, {"name": "Two a week", "max_attempts": 2, "within_amount": 7, "within_unit": "d"})],
        by=None,
    )
    contact = create_contact(campaign=campaign, phone=PHONE)
    call(campaign, contact, NO_ANSWER, local(0, 10))
    call(campaign, contact, NO_ANSWER, local(0, 11))
    [request] = RedialRequest.objects.filter(contact=contact, status=RedialRequest.SCHEDULED)
    assert request.due_at == local(7, 10)
    assert "Two a week reached" in request.explanation


def test_the_repeat_band_moves_the_retry_away_from_the_time_of_day(make_campaign):
    campaign = make_campaign(avoid_repeat_hours=2, open_minutes=(8 * 60, 18 * 60))
    contact = create_contact(campaign=campaign, phone=PHONE)
    call(campaign, contact, NO_ANSWER, local(0, 10))
    [request] = RedialRequest.objects.filter(contact=contact, status=RedialRequest.SCHEDULED)
    # No answer at 10:00 with 1 hour gives 11:00, inside 08:00-12:00: the band ends at 12:00.
    assert request.due_at == local(0, 12)
    assert "repeat band" in request.explanation


def test_a_manual_redial_breaking_a_rule_is_refused_naming_it_and_the_next_allowed_time(
    florida_campaign, other_campaign, agent
):
    called_elsewhere(other_campaign, local(0, 9), local(0, 9, 30))
    contact = create_contact(campaign=florida_campaign, phone=PHONE)
    call(florida_campaign, contact, NO_ANSWER, local(0, 10))
    with pytest.raises(RedialRefused) as refused:
        add_redial(campaign=florida_campaign, contact=contact, due_at=local(0, 15), owner=agent, now=local(0, 10, 5))
    [message] = refused.value.messages
    assert message.startswith(f"15:00 is {FLORIDA} reached; the next allowed time is ")
    assert "09:00" in message
    assert refused.value.next_allowed_at == local(1, 9)
    # The time it names is accepted.
    check_redial(campaign=florida_campaign, contact=contact, due_at=local(1, 9), now=local(0, 10, 5))


def test_a_lead_whose_number_was_called_elsewhere_waits_for_the_rule(florida_campaign, other_campaign):
    called_elsewhere(other_campaign, local(0, 9), local(0, 9, 30), local(0, 10))
    contact = create_contact(campaign=florida_campaign, phone=PHONE)
    request = queue_lead(campaign=florida_campaign, contact=contact, now=local(0, 11))
    assert request.due_at == local(1, 9)
    assert f"{FLORIDA} reached" in request.explanation
    assert "call now" not in request.explanation


def test_the_out_of_hours_queue_skips_a_slot_a_number_rule_forbids(make_campaign, other_campaign):
    campaign = make_campaign(name="queued", queue_spacing_seconds=30)
    rule_services.add_preset(campaign, "florida_3_in_24h", by=None)
    # Three calls to the number at 9:00 on Tuesday morning: the lead queued for Tue 09:00 cannot be
    # called before Wed 09:00.
    called_elsewhere(other_campaign, local(1, 9) - timedelta(hours=20), local(1, 8, 59), local(1, 8, 59, 30))
    first = create_contact(campaign=campaign, phone="+442071234560")
    queue_lead(campaign=campaign, contact=first, now=local(0, 22))
    contact = create_contact(campaign=campaign, phone=PHONE)
    request = queue_lead(campaign=campaign, contact=contact, now=local(0, 22, 1))
    # The Monday 13:00 call leaves the 24 hours at Tuesday 13:00.
    assert request.due_at == local(1, 13)


def test_number_history_for_reads_a_batch_of_numbers_in_one_query(
    florida_campaign, other_campaign, django_assert_num_queries
):
    called_elsewhere(other_campaign, local(0, 9), local(0, 10))
    mine = create_contact(campaign=florida_campaign, phone=PHONE)
    call(florida_campaign, mine, NO_ANSWER, local(0, 11))
    with django_assert_num_queries(1):
        history = rule_histories.number_history_for([PHONE, "+442071234568", ""], local(0, 9, 30))
    assert [(cid, r.at) for cid, r in history[PHONE]] == [
        (other_campaign.pk, local(0, 10)),
        (florida_campaign.pk, local(0, 11)),
    ]
    assert rule_histories.other_campaigns(history[PHONE], florida_campaign.pk)[0].at == local(0, 10)


def test_every_rule_change_is_recorded_with_who_when_before_and_after(campaign, campaign_manager):
    rule = rule_services.add_preset(campaign, "us_reg_f_7_in_7", by=campaign_manager)
    rule_services.apply_rule_changes(
        campaign,
        [RuleChange(rule, {**rule.snapshot(), "max_attempts": 6, "within_amount": 7, "within_unit": "d"})],
        by=campaign_manager,
    )
    rule_services.apply_rule_changes(campaign, [RuleChange(rule, None)], by=campaign_manager)
    changes = list(AttemptRuleChange.objects.filter(campaign=campaign).order_by("id"))
    assert [c.action for c in changes] == ["added", "changed", "removed"]
    assert all(c.changed_by == campaign_manager and c.changed_at is not None for c in changes)
    assert changes[0].before is None and changes[0].after["max_attempts"] == 7
    assert changes[1].before["max_attempts"] == 7 and changes[1].after["max_attempts"] == 6
    assert changes[2].before["max_attempts"] == 6 and changes[2].after is None
    assert not AttemptRule.objects.filter(campaign=campaign).exists()


def test_an_invalid_rule_changes_nothing(campaign, campaign_manager):
    good = {"name": "ok", "max_attempts": 2, "within_amount": 1, "within_unit": "d"}
    bad = {"name": "bad", "max_attempts": 2, "within_amount": 1, "within_unit": "d", "count": "outcomes"}
    with pytest.raises(ValidationError, match="outcome"):
        rule_services.apply_rule_changes(campaign, [RuleChange(None, good), RuleChange(None, bad)], by=campaign_manager)
    assert not AttemptRule.objects.exists() and not AttemptRuleChange.objects.exists()


def test_an_unknown_preset_is_refused_by_name(campaign):
    with pytest.raises(ValidationError, match="Unknown preset 'nope'"):
        rule_services.add_preset(campaign, "nope", by=None)


def test_a_rule_change_reaches_a_process_that_cached_the_calendar(campaign):
    token = scheduling.config_token()
    assert scheduling.cached_calendar(campaign, token).attempt_rules == ()
    rule_services.add_preset(campaign, "florida_3_in_24h", by=None)
    new_token = scheduling.config_token()
    assert new_token != token
    [rule] = scheduling.cached_calendar(campaign, new_token).attempt_rules
    assert rule.name == FLORIDA
