"""claim_due: what is claimed, what the re-checks of rules 5 and 7 do, and the hand-off."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.dispatch import claim
from campaigns.dispatch import dial as dialing
from campaigns.models import Attempt, Campaign, Contact, Holiday, RedialRequest
from strategies.models import Outcome
from tests.factories import ALL_DAY, CampaignFactory, RedialRequestFactory

pytestmark = pytest.mark.django_db


def _statuses(requests):
    return {r.status for r in RedialRequest.objects.filter(id__in=[x.id for x in requests])}


def test_agent_first_due_requests_become_ready_with_a_token_and_one_attempt():
    campaign = CampaignFactory(hours=ALL_DAY)
    due = RedialRequestFactory.create_bulk_with_contacts(7, campaign=campaign, due=True)
    future = RedialRequestFactory.create_bulk_with_contacts(
        3, campaign=campaign, due_at=timezone.now() + timedelta(hours=1)
    )

    result = claim.claim_due(batch_size=3)

    assert sorted(result.ready) == sorted(r.id for r in due)
    assert result.claimed == 7 and result.batches == 3
    for row in RedialRequest.objects.filter(id__in=[r.id for r in due]):
        assert row.status == RedialRequest.READY
        assert row.claim_token is not None and row.claimed_at is not None
        assert row.lease_expires_at is None
        assert row.dispatch_attempts == 1
    assert _statuses(future) == {RedialRequest.SCHEDULED}


def test_a_second_claim_finds_nothing():
    campaign = CampaignFactory(hours=ALL_DAY)
    RedialRequestFactory.create_bulk_with_contacts(4, campaign=campaign, due=True)
    assert claim.claim_due().claimed == 4
    again = claim.claim_due()
    assert again.claimed == 0 and again.ready == []


def test_every_claim_gets_its_own_token():
    campaign = CampaignFactory(hours=ALL_DAY)
    RedialRequestFactory.create_bulk_with_contacts(20, campaign=campaign, due=True)
    claim.claim_due(batch_size=7)
    tokens = list(RedialRequest.objects.values_list("claim_token", flat=True))
    assert len(set(tokens)) == 20 and None not in tokens


def test_paused_campaign_stays_scheduled_and_ended_campaign_closes_expired():
    paused = CampaignFactory(name="Paused", hours=ALL_DAY, status=Campaign.PAUSED)
    ended = CampaignFactory(name="Ended", hours=ALL_DAY, status=Campaign.ENDED)
    waiting = RedialRequestFactory.create_bulk_with_contacts(2, campaign=paused, due=True)
    closing = RedialRequestFactory.create_bulk_with_contacts(2, campaign=ended, due=True)

    result = claim.run_dispatch()

    assert result.claimed == 0
    assert _statuses(waiting) == {RedialRequest.SCHEDULED}
    for row in RedialRequest.objects.filter(id__in=[r.id for r in closing]):
        assert row.status == RedialRequest.EXPIRED and row.close_reason == "campaign_ended"
        assert row.closed_at is not None


def test_do_not_call_and_closed_contacts_are_cancelled_with_the_reason():
    campaign = CampaignFactory(hours=ALL_DAY)
    dnc, done, fine = RedialRequestFactory.create_bulk_with_contacts(3, campaign=campaign, due=True)
    Contact.objects.filter(id=dnc.contact_id).update(status=Contact.DO_NOT_CALL)
    Contact.objects.filter(id=done.contact_id).update(status=Contact.DONE)

    result = claim.claim_due()

    assert result.ready == [fine.id] and result.cancelled == 2
    dnc.refresh_from_db()
    done.refresh_from_db()
    assert dnc.status == RedialRequest.CANCELLED and dnc.close_reason == "contact is do_not_call"
    assert done.status == RedialRequest.CANCELLED and done.close_reason == "contact is done"
    assert dnc.claim_token is None and dnc.dispatch_attempts == 0


def _closed_hours_now():
    """A one-hour window that is certainly not open now (UTC campaign)."""
    now = timezone.now()
    start = ((now.hour + 3) % 24) * 60
    return ((start, start + 60),)


def test_outside_business_hours_is_replanned_to_the_next_opening_with_the_explanation():
    campaign = CampaignFactory(hours=_closed_hours_now())
    (request,) = RedialRequestFactory.create_bulk_with_contacts(
        1, campaign=campaign, due=True, explanation="No answer +1h"
    )

    result = claim.claim_due()

    assert result.replanned == 1 and result.ready == []
    request.refresh_from_db()
    assert request.status == RedialRequest.SCHEDULED
    assert request.claim_token is None and request.dispatch_attempts == 0
    assert request.due_at > timezone.now()
    assert request.due_at.minute == 0 and request.due_at.hour == (timezone.now().hour + 3) % 24
    assert request.explanation.startswith("No answer +1h\nDispatch ")
    assert "outside business hours" in request.explanation


def test_holiday_today_moves_to_tomorrow():
    campaign = CampaignFactory(hours=ALL_DAY)
    Holiday.objects.create(campaign=campaign, date=timezone.now().date())
    (request,) = RedialRequestFactory.create_bulk_with_contacts(1, campaign=campaign, due=True)
    assert claim.claim_due().replanned == 1
    request.refresh_from_db()
    assert request.due_at.date() == timezone.now().date() + timedelta(days=1)


def test_daily_limit_reached_moves_to_the_next_day():
    campaign = CampaignFactory(hours=ALL_DAY, daily_attempts=1, max_attempts=5)
    limited, free = RedialRequestFactory.create_bulk_with_contacts(2, campaign=campaign, due=True)
    Attempt.objects.create(
        contact_id=limited.contact_id,
        campaign=campaign,
        number=1,
        started_at=timezone.now() - timedelta(seconds=30),
        outcome=Outcome.objects.first(),
    )

    result = claim.claim_due()

    assert result.ready == [free.id] and result.replanned == 1
    limited.refresh_from_db()
    assert limited.status == RedialRequest.SCHEDULED
    assert limited.due_at.date() == timezone.now().date() + timedelta(days=1)


def test_no_allowed_time_closes_the_request_with_the_reason():
    campaign = CampaignFactory()  # never open
    (request,) = RedialRequestFactory.create_bulk_with_contacts(1, campaign=campaign, due=True)
    assert claim.claim_due().closed == 1
    request.refresh_from_db()
    assert request.status == RedialRequest.EXPIRED and request.close_reason == "no_calling_window"


def test_auto_dial_requests_stay_claimed_and_are_published_after_commit(django_capture_on_commit_callbacks):
    campaign = CampaignFactory(hours=ALL_DAY, dialing_mode=Campaign.AUTO_DIAL)
    requests = RedialRequestFactory.create_bulk_with_contacts(5, campaign=campaign, due=True)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = claim.claim_due()

    assert len(callbacks) == 1
    assert sorted(i for i, _ in result.dialing) == sorted(r.id for r in requests)
    for row in RedialRequest.objects.filter(id__in=[r.id for r in requests]):
        assert row.status == RedialRequest.CLAIMED and row.lease_expires_at > timezone.now()
        assert (row.id, str(row.claim_token)) in result.dialing


def test_release_claims_only_touches_matching_tokens():
    campaign = CampaignFactory(hours=ALL_DAY, dialing_mode=Campaign.AUTO_DIAL)
    a, b = RedialRequestFactory.create_bulk_with_contacts(2, campaign=campaign, due=True)
    claim.claim_due()
    a.refresh_from_db()
    moved = dialing.release_claims([(a.id, str(a.claim_token)), (b.id, str(uuid.uuid4()))], "broker down")
    assert moved == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == RedialRequest.SCHEDULED and a.last_error == "broker down" and a.dispatch_attempts == 0
    assert b.status == RedialRequest.CLAIMED
