"""One campaign's bad data (written straight into the database) stops only that campaign's dispatch."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.dispatch import claim, recheck
from campaigns.models import Campaign, RedialRequest

from .due import make_campaign, make_requests

pytestmark = pytest.mark.django_db


def _bad_and_good(dialing_mode=Campaign.AGENT_FIRST):
    bad = make_campaign("Bad data", dialing_mode=dialing_mode)
    good = make_campaign("Healthy", dialing_mode=dialing_mode)
    # A value the form refuses, as an old row or a hand edit leaves it: the engine refuses it too.
    Campaign.objects.filter(id=bad.id).update(redial_delay_amount=999_999, redial_delay_unit="d")
    # The bad campaign's requests are due first, so they fill the first batches.
    bad_requests = make_requests(bad, 30, due_in=timedelta(minutes=-10))
    good_requests = make_requests(good, 30)
    return bad, good, bad_requests, good_requests


def test_a_campaign_the_engine_refuses_does_not_stop_the_others_in_the_same_run(caplog):
    bad, good, bad_requests, good_requests = _bad_and_good()
    with caplog.at_level(logging.ERROR, logger="campaigns.blocking"):
        result = claim.claim_due(batch_size=10)
    assert RedialRequest.objects.filter(campaign=good, status=RedialRequest.READY).count() == 30
    stay = RedialRequest.objects.filter(campaign=bad)
    assert set(stay.values_list("status", flat=True)) == {RedialRequest.SCHEDULED}
    assert set(stay.values_list("dispatch_attempts", flat=True)) == {0}
    assert not stay.filter(claim_token__isnull=False).exists()
    assert {r.due_at for r in stay} == {r.due_at for r in bad_requests}
    bad.refresh_from_db()
    assert "too long" in bad.dispatch_blocked_reason and bad.dispatch_blocked_at is not None
    assert list(result.blocked) == [bad.id]
    assert len([r for r in caplog.records if "blocked" in r.getMessage()]) == 1


def test_the_error_is_logged_once_per_change_and_cleared_when_the_data_is_fixed(caplog):
    bad, good, _, _ = _bad_and_good()
    now = timezone.now()
    with caplog.at_level(logging.WARNING, logger="campaigns.blocking"):
        claim.claim_due(now=now)
        # Within the retry pace the blocked campaign is not even claimed.
        assert claim.claim_due(now=now + timedelta(seconds=5)).claimed == 0
        # Past it, it is tried again: still bad, so still blocked, but not logged again.
        again = claim.claim_due(now=now + timedelta(minutes=2))
        assert again.claimed == 30 and list(again.blocked) == [bad.id]
    assert len([r for r in caplog.records if "blocked" in r.getMessage()]) == 1

    bad.refresh_from_db()
    bad.redial_delay_amount, bad.redial_delay_unit = 30, "m"
    bad.save()
    with caplog.at_level(logging.WARNING, logger="campaigns.blocking"):
        fixed = claim.claim_due(now=now + timedelta(minutes=4))
    assert fixed.claimed == 30 and fixed.blocked == {}
    bad.refresh_from_db()
    assert bad.dispatch_blocked_reason == "" and bad.dispatch_blocked_at is None
    assert any("unblocked" in r.getMessage() for r in caplog.records)


def test_auto_dial_campaigns_are_isolated_too(django_capture_on_commit_callbacks):
    bad, good, _, _ = _bad_and_good(dialing_mode=Campaign.AUTO_DIAL)
    with django_capture_on_commit_callbacks(execute=True):
        result = claim.claim_due()
    assert len(result.dialing) == 30
    assert {RedialRequest.objects.get(id=i).campaign_id for i, _ in result.dialing} == {good.id}
    assert not RedialRequest.objects.filter(campaign=bad).exclude(status=RedialRequest.SCHEDULED).exists()


def test_a_campaign_edited_after_it_was_blocked_is_tried_again_at_once():
    bad, _, _, _ = _bad_and_good()
    claim.claim_due()
    assert claim.claim_due().claimed == 0
    bad.refresh_from_db()
    bad.redial_delay_amount, bad.redial_delay_unit = 30, "m"
    bad.save()
    assert claim.claim_due().claimed == 30


def test_the_block_is_shown_on_the_dashboard_the_floor_and_the_callbacks_screen(admin_client):
    bad, good, _, _ = _bad_and_good()
    claim.claim_due()
    expected = "dispatch blocked: dispatch: ValueError: 999999d is too long"
    for url in (f"/campaigns/{bad.pk}/", "/agent/floor/live/", "/campaigns/callbacks/"):
        page = admin_client.get(url).content.decode()
        assert expected in page, url
    assert "dispatch blocked" not in admin_client.get(f"/campaigns/{good.pk}/").content.decode()


def test_an_engine_fault_in_a_later_batch_stays_with_its_campaign(monkeypatch):
    # From its second batch on, the campaign's re-check runs without a savepoint (nothing to read): an
    # engine fault there must still put its rows back and leave the batch's transaction usable.
    flaky = make_campaign("Flaky", dialing_mode=Campaign.AGENT_FIRST)
    good = make_campaign("Healthy", dialing_mode=Campaign.AGENT_FIRST)
    make_requests(flaky, 30, due_in=timedelta(minutes=-10))
    make_requests(good, 30)
    real_get, real_is_allowed_at = recheck.CampaignCache.get, recheck.engine.is_allowed_at
    flaky_calendar, calls = [], []

    def get(cache, campaign_id):
        campaign, calendar = real_get(cache, campaign_id)
        if campaign_id == flaky.id:
            flaky_calendar[:] = [calendar]
        return campaign, calendar

    def is_allowed_at(calendar, *args, **kwargs):
        if flaky_calendar and calendar is flaky_calendar[0]:
            calls.append(calendar)
            if len(calls) > 1:  # the flaky campaign's second batch
                raise OverflowError("date value out of range")
        return real_is_allowed_at(calendar, *args, **kwargs)

    monkeypatch.setattr(recheck.CampaignCache, "get", get)
    monkeypatch.setattr(recheck.engine, "is_allowed_at", is_allowed_at)
    result = claim.claim_due(batch_size=10)
    assert list(result.blocked) == [flaky.id]
    assert RedialRequest.objects.filter(campaign=good, status=RedialRequest.READY).count() == 30
    # The first batch went; the second was put back as it was, and the campaign was skipped after it.
    flaky_rows = RedialRequest.objects.filter(campaign=flaky)
    assert flaky_rows.filter(status=RedialRequest.READY).count() == 10
    rest = flaky_rows.exclude(status=RedialRequest.READY)
    assert set(rest.values_list("status", flat=True)) == {RedialRequest.SCHEDULED}
    assert set(rest.values_list("dispatch_attempts", flat=True)) == {0}
