"""A real beat and a real Celery worker (subprocesses, Redis broker) dispatch through crashes and outages.

The worker dials with tests.dispatch.recording_dialer, which writes one row per delivery with its dial key
(dials run with no transaction open, so a worker killed after the dialer accepted and before the answer was
recorded hands the request off again with the same key). After each scenario every request must be
`dialing`, accepted (dialed_at set), and have exactly one dial key: one call, however many deliveries.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from campaigns.models import Campaign, RedialRequest
from tests.dispatch import recording_dialer
from tests.factories import ALL_DAY, CampaignFactory, RedialRequestFactory

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")
LEASE = 4


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class System:
    """Beat and worker processes sharing one broker URL and a queue of their own."""

    def __init__(self, tmp_path, broker_url, dial_sleep="0.02", **extra_env):
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.dispatch.worker_settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": broker_url,
            "DISPATCH_TEST_QUEUE": f"dispatch-test-{uuid.uuid4().hex[:8]}",
            "DISPATCH_TEST_DIAL_SLEEP": dial_sleep,
            "DISPATCH_LEASE_SECONDS": str(LEASE),
            "DISPATCH_INTERVAL_SECONDS": "1",
            "DISPATCH_SWEEP_INTERVAL_SECONDS": "1",
            "HEARTBEAT_INTERVAL_SECONDS": "3600",
            "HEARTBEAT_MARKER": str(tmp_path / "heartbeat"),
            **extra_env,
        }
        self.worker = self.beat = None
        self.others = []

    def start_worker(self):
        log = open(self.tmp_path / f"worker-{time.monotonic_ns()}.log", "w")  # noqa: SIM115
        if self.worker is not None and self.worker.poll() is None:
            self.others.append(self.worker)
        self.worker = subprocess.Popen(
            [CELERY, "-A", "retryadmin", "worker", "--pool=solo", "-Q", self.env["DISPATCH_TEST_QUEUE"]]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def start_beat(self):
        log = open(self.tmp_path / "beat.log", "w")  # noqa: SIM115
        self.beat = subprocess.Popen(
            [CELERY, "-A", "retryadmin", "beat", "--loglevel=INFO", "-s", str(self.tmp_path / "beat-schedule")],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop(self):
        for process in (self.worker, self.beat, *self.others):
            if process and process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _dialed() -> dict[int, int]:
    return recording_dialer.dial_counts()


def _wait_until(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _assert_each_dialed_once(requests):
    """Every request dialled exactly once per dial key (one key each), none lost, none left in flight."""
    ids = {r.id for r in requests}
    counts = _dialed()
    assert {i: n for i, n in counts.items() if n != 1} == {}, "dialed twice (two dial keys)"
    assert set(counts) == ids, f"lost: {sorted(ids - set(counts))[:10]}"
    rows = RedialRequest.objects.filter(id__in=ids)
    assert set(rows.values_list("status", flat=True)) == {RedialRequest.DIALING}
    assert not rows.filter(dialed_at__isnull=True).exists(), "left dialing with no answer recorded"
    assert not rows.filter(lease_expires_at__isnull=False).exists(), "left with a lease"


def _all_dialed(requests):
    ids = [r.id for r in requests]
    return lambda: (
        len(_dialed()) >= len(requests)
        and not RedialRequest.objects.filter(id__in=ids)
        .exclude(status=RedialRequest.DIALING, dialed_at__isnull=False)
        .exists()
    )


@pytest.fixture
def dial_table(transactional_db):
    recording_dialer.create_table()
    yield
    recording_dialer.drop_table()


def _requests(count):
    campaign = CampaignFactory(
        name="Worker test", hours=ALL_DAY, dialing_mode=Campaign.AUTO_DIAL, dialer_backend="record"
    )
    return RedialRequestFactory.create_bulk_with_contacts(count, campaign=campaign, due=True)


@pytest.mark.redis
@pytest.mark.timeout(240)
def test_worker_killed_mid_batch_every_request_dialed_once(dial_table, tmp_path):
    system = System(tmp_path, os.environ["REDIS_URL"], dial_sleep="0.05")
    requests = _requests(300)
    try:
        system.start_worker()
        system.start_beat()
        _wait_until(lambda: len(_dialed()) >= 40, 90, "the first dials")
        system.worker.send_signal(signal.SIGKILL)
        system.worker.wait()
        killed_at = len(_dialed())
        assert killed_at < len(requests), "the worker finished before it could be killed"
        system.start_worker()
        _wait_until(_all_dialed(requests), 150, "every request dialed after the kill")
    finally:
        system.stop()
    _assert_each_dialed_once(requests)


@pytest.mark.redis
@pytest.mark.timeout(240)
def test_worker_stopped_past_the_lease_then_continued_dials_each_once(dial_table, tmp_path):
    system = System(tmp_path, os.environ["REDIS_URL"], dial_sleep="0.05")
    requests = _requests(200)
    try:
        system.start_worker()
        system.start_beat()
        _wait_until(lambda: len(_dialed()) >= 30, 90, "the first dials")
        stopped = system.worker
        stopped.send_signal(signal.SIGSTOP)
        # A second worker runs the beat's sweep and dispatch tasks while the first is stopped: past the
        # lease it returns the stopped worker's claims and claims them again with new tokens.
        system.start_worker()
        _wait_until(
            lambda: RedialRequest.objects.filter(dispatch_attempts__gte=2).exists(), 90, "a sweep and a re-claim"
        )
        time.sleep(LEASE)
        stopped.send_signal(signal.SIGCONT)
        _wait_until(_all_dialed(requests), 150, "every request dialed after SIGCONT")
    finally:
        system.stop()
    _assert_each_dialed_once(requests)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(port, tmp_path):
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port, socket_connect_timeout=1)
    _wait_until(lambda: _pings(client), 20, "redis-server to start")
    return process


def _pings(client) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.mark.redis
@pytest.mark.timeout(300)
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server on PATH")
def test_broker_down_for_30_seconds_loses_nothing_and_drains_the_backlog(dial_table, tmp_path):
    # Our own redis-server, so stopping it disturbs nobody else's Redis.
    port = _free_port()
    redis_process = _start_redis(port, tmp_path)
    system = System(tmp_path, f"redis://127.0.0.1:{port}/0", dial_sleep="0.01")
    first = _requests(100)
    try:
        system.start_worker()
        system.start_beat()
        _wait_until(lambda: len(_dialed()) >= 100, 90, "the first requests dialed")
        redis_process.terminate()
        redis_process.wait(timeout=20)
        # While the broker is down, more requests fall due.
        later = RedialRequestFactory.create_bulk_with_contacts(150, campaign=first[0].campaign, due=True)
        time.sleep(30)
        assert len(_dialed()) == 100, "a dial happened without a broker"
        redis_process = _start_redis(port, tmp_path)
        _wait_until(_all_dialed(first + later), 180, "the backlog drained after the broker came back")
    finally:
        system.stop()
        redis_process.terminate()
        redis_process.wait(timeout=20)
    _assert_each_dialed_once(first + later)
