"""RSS of a Celery worker running dispatch cycles with 10,000 and with 1,000,000 future scheduled rows.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/x REDIS_URL=redis://127.0.0.1:6379/5 \
     .venv/bin/python bench/worker_memory.py

Uses the scratch database `bench_worker_memory` (dropped and created). A real worker (solo pool, its own
queue on REDIS_URL) runs `dispatch_due` and the dial tasks (log dialer) for a few cycles, each making
1,000 rows due; its RSS is read from /proc after the cycles at 10,000 future rows and again after the
table grew to 1,000,000. The claim only ever reads due rows, so the two must be about equal.
Last line JSON: {"rss_kb_10k": A, "rss_kb_1m": B, "growth": B/A}.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dispatch import seed, setup_django, use_scratch_database  # noqa: E402

CYCLES = 5
PER_CYCLE = 1000


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def run_cycles(queue: str) -> None:
    from django.db import connection

    from campaigns.dispatch import tasks as dispatch_tasks
    from campaigns.models import RedialRequest

    for _ in range(CYCLES):
        with connection.cursor() as cur:
            cur.execute(
                """UPDATE campaigns_redialrequest SET due_at = now() - interval '1 second'
                   WHERE id IN (SELECT id FROM campaigns_redialrequest WHERE status = 'scheduled'
                                ORDER BY due_at LIMIT %s)""",
                [PER_CYCLE],
            )
        dispatch_tasks.dispatch_due.apply_async(queue=queue)
        deadline = time.monotonic() + 120
        while (
            RedialRequest.objects.filter(status__in=["scheduled", "claimed"], due_at__lte=time_now()).exists()
            or RedialRequest.objects.filter(status="claimed").exists()
        ):
            if time.monotonic() > deadline:
                sys.exit("the worker did not drain a cycle within 120 s")
            time.sleep(0.2)


def time_now():
    from django.utils import timezone

    return timezone.now()


def main():
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL must point at a Redis database for the broker (e.g. redis://127.0.0.1:6379/5)")
    url = use_scratch_database("bench_worker_memory")
    setup_django()
    seed(due=0, future=10_000)
    # The worker publishes its dial tasks to the default queue, so it consumes that one: REDIS_URL should
    # name a Redis database of your own (the default queue there is purged first).
    queue = "celery"
    from retryadmin.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "retryadmin.settings.local"}
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "retryadmin", "worker", "--pool=solo", "-Q", queue]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        run_cycles(queue)
        small = rss_kb(worker.pid)
        print(f"worker RSS after {CYCLES} dispatch cycles with 10,000 future rows: {small} kB")
        seed(due=0, future=990_000)
        run_cycles(queue)
        big = rss_kb(worker.pid)
        print(f"worker RSS after {CYCLES} dispatch cycles with 1,000,000 future rows: {big} kB")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print(json.dumps({"rss_kb_10k": small, "rss_kb_1m": big, "growth": round(big / small, 3)}))


if __name__ == "__main__":
    main()
