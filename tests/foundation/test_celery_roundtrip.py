"""A real Celery worker and beat run the heartbeat task through the configured broker.

Without REDIS_URL that is kombu's filesystem transport (the embedded default of `make run`);
with it, the real Redis.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")


def _env(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "retryadmin.settings.test"}
    env["CELERY_BROKER_DIR"] = str(tmp_path / "broker")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    return env


def _wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return True
        time.sleep(0.2)
    return False


def _stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_worker_runs_a_task_published_by_another_process(tmp_path):
    env = _env(tmp_path)
    marker = tmp_path / "heartbeat-from-web"
    worker = subprocess.Popen(
        [
            CELERY,
            "-A",
            "retryadmin",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        publish = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from retryadmin.tasks import heartbeat; "
                f"heartbeat.delay({str(marker)!r})",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert publish.returncode == 0, publish.stderr
        assert _wait_for(marker, 60), "the worker did not run the heartbeat task"
    finally:
        _stop(worker)


@pytest.mark.slow
def test_beat_and_worker_run_the_heartbeat_on_schedule(tmp_path):
    env = _env(tmp_path)
    env["HEARTBEAT_MARKER"] = str(tmp_path / "heartbeat-from-beat")
    env["HEARTBEAT_INTERVAL_SECONDS"] = "1"
    worker_and_beat = subprocess.Popen(
        [
            CELERY,
            "-A",
            "retryadmin",
            "worker",
            "-B",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-s",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_for(Path(env["HEARTBEAT_MARKER"]), 60), "beat and worker did not run the heartbeat"
    finally:
        _stop(worker_and_beat)
