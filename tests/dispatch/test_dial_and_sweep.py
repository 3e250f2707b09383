"""The dial task's token check, the log backend, and the lease sweeper."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.dispatch import claim, sweep
from campaigns.dispatch import dial as dialing
from campaigns.dispatch import tasks as dispatch_tasks
from campaigns.models import Campaign, RedialRequest
from tests.factories import ALL_DAY, CampaignFactory, RedialRequestFactory

pytestmark = pytest.mark.django_db


def _claimed(count=1, **campaign_fields):
    campaign = CampaignFactory(hours=ALL_DAY, dialing_mode=Campaign.AUTO_DIAL, **campaign_fields)
    requests = RedialRequestFactory.create_bulk_with_contacts(count, campaign=campaign, due=True)
    claim.claim_due()
    return list(RedialRequest.objects.filter(id__in=[r.id for r in requests]).order_by("id"))


def test_dial_moves_claimed_to_dialing_and_clears_the_lease():
    (request,) = _claimed()
    assert dispatch_tasks.dial(request.id, str(request.claim_token)) == "dialing"
    request.refresh_from_db()
    assert request.status == RedialRequest.DIALING and request.lease_expires_at is None


def test_a_duplicate_message_does_nothing():
    (request,) = _claimed()
    assert dialing.dial_claimed(request.id, str(request.claim_token)) == "dialing"
    assert dialing.dial_claimed(request.id, str(request.claim_token)) == "stale"


def test_a_stale_token_does_nothing():
    (request,) = _claimed()
    assert dialing.dial_claimed(request.id, str(uuid.uuid4())) == "stale"
    assert dialing.dial_claimed(request.id, "not-a-uuid") == "stale"
    request.refresh_from_db()
    assert request.status == RedialRequest.CLAIMED


def test_dial_batch_skips_malformed_pairs():
    a, b = _claimed(2)
    counts = dispatch_tasks.dial_batch(
        [[a.id, str(a.claim_token)], ["x"], None, [b.id, str(b.claim_token)], [b.id, "y"]]
    )
    assert counts == {"dialing": 2, "malformed": 2, "stale": 1}


def test_a_campaign_paused_after_the_claim_is_not_dialed():
    (request,) = _claimed()
    Campaign.objects.update(status=Campaign.PAUSED)
    assert dialing.dial_claimed(request.id, str(request.claim_token)) == "paused"
    request.refresh_from_db()
    assert request.status == RedialRequest.SCHEDULED and request.dispatch_attempts == 0


def test_unknown_backend_is_recorded_and_released():
    (request,) = _claimed(dialer_backend="nope")
    assert dialing.dial_claimed(request.id, str(request.claim_token)) == "released"
    request.refresh_from_db()
    assert request.status == RedialRequest.SCHEDULED and "unknown dialer backend" in request.last_error
    assert request.claim_token is None and request.due_at > timezone.now()


def test_sweeper_returns_expired_leases_and_fails_after_max_attempts(settings):
    settings.DISPATCH_MAX_ATTEMPTS = 2
    a, b, c = _claimed(3)
    RedialRequest.objects.filter(id=b.id).update(dispatch_attempts=2)
    RedialRequest.objects.filter(id=c.id).update(status=RedialRequest.DIALING)
    later = timezone.now() + timedelta(seconds=dialing.lease_seconds() + 1)

    result = sweep.sweep_leases(now=later)

    assert (result.released, result.failed) == (2, 1)
    a.refresh_from_db()
    b.refresh_from_db()
    c.refresh_from_db()
    assert a.status == c.status == RedialRequest.SCHEDULED
    assert a.claim_token is None and "lease expired" in a.last_error
    assert b.status == RedialRequest.FAILED and "lease expired" in b.last_error
    assert b.close_reason == "not dialed after 2 dispatch attempts"
    # The old message arrives late: nothing happens.
    assert dialing.dial_claimed(a.id, str(a.claim_token)) == "stale"


def test_sweeper_leaves_live_leases_and_ready_requests():
    (request,) = _claimed()
    assert sweep.sweep_leases().released == 0
    request.refresh_from_db()
    assert request.status == RedialRequest.CLAIMED


def test_swept_request_is_claimed_again_with_a_new_token():
    (request,) = _claimed()
    old = str(request.claim_token)
    sweep.sweep_leases(now=timezone.now() + timedelta(seconds=dialing.lease_seconds() + 1))
    claim.claim_due()
    request.refresh_from_db()
    assert request.status == RedialRequest.CLAIMED and str(request.claim_token) != old
    assert request.dispatch_attempts == 2
    assert dialing.dial_claimed(request.id, old) == "stale"
    assert dialing.dial_claimed(request.id, str(request.claim_token)) == "dialing"
