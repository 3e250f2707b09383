"""Faults on real PostgreSQL, Redis, beat and a Celery worker: one campaign's bad data, a dialer that never
sends a result. After each: every request dialled exactly once per dial key, none lost, none left claimed or
dialing past its deadline."""

import os
import time
from datetime import timedelta

import pytest

from campaigns.models import Attempt, Campaign, RedialRequest
from tests.dispatch.due import make_campaign, make_requests
from tests.integration.test_dispatch_worker import (
    System,
    _all_dialed,
    _assert_each_dialed_once,
    _dialed,
    _wait_until,
    dial_table,  # noqa: F401
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.mark.redis
@pytest.mark.timeout(240)
def test_a_campaign_the_engine_refuses_stops_nothing_else(dial_table, tmp_path):  # noqa: F811
    bad = make_campaign("Bad data", dialing_mode=Campaign.AUTO_DIAL, dialer_backend="record")
    Campaign.objects.filter(pk=bad.pk).update(redial_delay_amount=999_999, redial_delay_unit="d")
    good = make_campaign("Healthy", dialing_mode=Campaign.AUTO_DIAL, dialer_backend="record")
    stuck = make_requests(bad, 50, due_in=timedelta(minutes=-30))  # due first: they fill the first batches
    healthy = make_requests(good, 150)
    system = System(tmp_path, os.environ["REDIS_URL"], dial_sleep="0")
    try:
        system.start_worker()
        system.start_beat()
        _wait_until(_all_dialed(healthy), 120, "every request of the healthy campaign dialed")
        time.sleep(3)  # a few more beat runs: the bad campaign stays put, and is not logged again
    finally:
        system.stop()
    _assert_each_dialed_once(healthy)
    assert not set(_dialed()) & {r.id for r in stuck}
    rows = RedialRequest.objects.filter(campaign=bad)
    assert set(rows.values_list("status", flat=True)) == {RedialRequest.SCHEDULED}
    assert set(rows.values_list("dispatch_attempts", flat=True)) == {0}
    bad.refresh_from_db()
    assert bad.dispatch_blocked_reason.startswith("dispatch: ValueError")
    beat_and_worker_logs = "".join(p.read_text() for p in tmp_path.glob("*.log"))
    assert beat_and_worker_logs.count(f"campaign {bad.pk} blocked") == 1


@pytest.mark.redis
@pytest.mark.timeout(240)
def test_calls_with_no_telephony_result_are_recorded_after_the_deadline(dial_table, tmp_path):  # noqa: F811
    campaign = make_campaign("Silent dialer", dialing_mode=Campaign.AUTO_DIAL, dialer_backend="record")
    requests = make_requests(campaign, 60)
    ids = [r.id for r in requests]
    system = System(tmp_path, os.environ["REDIS_URL"], dial_sleep="0", DIALER_RESULT_TIMEOUT="3")
    try:
        system.start_worker()
        system.start_beat()
        _wait_until(lambda: len(_dialed()) >= len(ids), 90, "every request dialed")
        _wait_until(
            lambda: not RedialRequest.objects.filter(id__in=ids, status=RedialRequest.DIALING).exists(),
            90,
            "every silent call past its deadline recorded",
        )
    finally:
        system.stop()
    assert {i: n for i, n in _dialed().items() if n != 1} == {}
    assert set(_dialed()) == set(ids)
    attempts = Attempt.objects.filter(redial_request_id__in=ids)
    assert attempts.count() == len(ids)
    assert set(attempts.values_list("outcome__code", flat=True)) == {"platform.no_dialer_result"}
    assert all(a.decision_reason for a in attempts)  # the engine decided each one
    assert not RedialRequest.objects.filter(status__in=[RedialRequest.CLAIMED, RedialRequest.DIALING]).exists()
