"""A call the dialer accepted with no telephony result in time: an attempt, and the engine's retry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.dispatch import claim, sweep
from campaigns.dispatch import dial as dialing
from campaigns.models import Attempt, Campaign, Contact, RedialRequest

from .due import make_campaign, make_requests

pytestmark = pytest.mark.django_db


def _accepted(count=2):
    campaign = make_campaign(dialing_mode=Campaign.AUTO_DIAL, max_attempts=3)
    requests = make_requests(campaign, count)
    claim.claim_due()
    for request in RedialRequest.objects.filter(id__in=[r.id for r in requests]):
        assert dialing.dial_claimed(request.id, str(request.claim_token)) == "dialing"
    return list(RedialRequest.objects.filter(id__in=[r.id for r in requests]).order_by("id"))


def test_no_result_after_the_timeout_records_an_attempt_and_the_engine_decides(settings):
    settings.DIALER_RESULT_TIMEOUT_SECONDS = 600
    first, second = _accepted()
    assert sweep.expire_dial_results(timezone.now() + timedelta(seconds=590)) == 0
    later = timezone.now() + timedelta(seconds=610)
    assert sweep.expire_dial_results(later) == 2
    attempt = Attempt.objects.get(redial_request=first)
    assert attempt.outcome.code == "platform.no_dialer_result" and attempt.number == 1
    assert attempt.decision_reason  # the engine decided (a retry, or the contact closed)
    first.refresh_from_db()
    assert first.status == RedialRequest.DONE
    # Nothing is left waiting past its deadline, and a second run records nothing more.
    assert not RedialRequest.objects.filter(status=RedialRequest.DIALING).exists()
    assert sweep.expire_dial_results(later + timedelta(seconds=610)) == 0
    assert Attempt.objects.count() == 2
    contact = Contact.objects.get(pk=first.contact_id)
    assert contact.status in (Contact.SCHEDULED, Contact.EXHAUSTED, Contact.PENDING)


def test_a_result_that_came_first_wins(settings):
    settings.DIALER_RESULT_TIMEOUT_SECONDS = 600
    (request,) = _accepted(1)
    RedialRequest.objects.filter(pk=request.pk).update(status=RedialRequest.DONE)
    assert sweep.expire_dial_results(timezone.now() + timedelta(hours=1)) == 0
    assert not Attempt.objects.exists()
