"""End-to-end dials per second: due requests claimed, published, dialled by real Celery workers with the
`log` backend and recorded, next to a raw psycopg loop doing the same token-checked work, on PostgreSQL.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/6 \
     .venv/bin/python bench/dispatch_e2e.py --due 20000 --workers 1,2

Creates (drops first) the scratch database `bench_dispatch_e2e`, migrates it, seeds DUE requests due now
for one auto-dial campaign (log backend) open around the clock, then for each worker count:

1. the project: that many `celery worker --pool=solo` processes on a queue of their own; this process
   plays beat, calling `run_dispatch` in a loop until nothing is due; the clock stops when every request is
   `dialing` with its answer recorded (dialed_at set);
2. the raw loop, one process, psycopg, no Django: per batch the claim (MATERIALIZED CTE, FOR UPDATE SKIP
   LOCKED, UPDATE ... RETURNING), then per chunk of the same size as the project's messages: one UPDATE
   claimed -> dialing conditional on the tokens (RETURNING), one SELECT of what the dialer needs, one UPDATE
   recording the answers conditional on the tokens; each statement committed as the project does.

Rows are reset between measurements. Last line JSON:
{"due": N, "raw_per_second": R, "figures": [{"workers": W, "per_second": X, "ratio": X/R}, ...]}.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dispatch import seed, setup_django, vacuum, warm_cache  # noqa: E402
from bench.scratch import use_scratch_database  # noqa: E402

SCRATCH_DB = "bench_dispatch_e2e"
CELERY = str(Path(sys.executable).parent / "celery")


def reset():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """UPDATE campaigns_redialrequest SET status = 'scheduled', claim_token = NULL, claimed_at = NULL,
               lease_expires_at = NULL, dispatch_attempts = 0, dial_key = NULL, dialed_at = NULL,
               provider_call_id = '' WHERE status <> 'scheduled' AND due_at <= now()"""
        )
    vacuum()
    warm_cache()


def done_count() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM campaigns_redialrequest WHERE status = 'dialing' AND dialed_at IS NOT NULL")
        return cur.fetchone()[0]


QUEUE = f"bench-e2e-{uuid.uuid4().hex[:8]}"


def project(due: int, workers: int, batch: int) -> float:
    from campaigns.dispatch import claim

    queue = QUEUE
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "retryadmin.settings.local",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    processes = [
        subprocess.Popen(
            [CELERY, "-A", "retryadmin", "worker", "--pool=solo", "-Q", queue, "-n", f"w{i}-{queue}@bench"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(workers)
    ]
    time.sleep(4)  # the workers connect
    try:
        t0 = time.perf_counter()
        while True:
            result = claim.run_dispatch(batch_size=batch)
            if result is not None and result.claimed == 0 and done_count() >= due:
                break
            if result is not None and result.claimed == 0:
                time.sleep(0.02)
        return time.perf_counter() - t0
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


RAW_CLAIM = """
WITH due AS MATERIALIZED (
    SELECT id FROM campaigns_redialrequest
    WHERE status = 'scheduled' AND due_at <= %(now)s
    ORDER BY due_at LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE campaigns_redialrequest r
SET status = 'claimed', claim_token = gen_random_uuid(), claimed_at = %(now)s,
    lease_expires_at = %(lease)s, dispatch_attempts = r.dispatch_attempts + 1
WHERE r.id = ANY(ARRAY(SELECT id FROM due))
RETURNING r.id, r.claim_token
"""
RAW_TO_DIALING = """
UPDATE campaigns_redialrequest SET status = 'dialing', lease_expires_at = %(lease)s, updated_at = %(now)s,
    dial_key = COALESCE(dial_key, claim_token)
WHERE id = ANY(%(ids)s) AND claim_token = ANY(%(tokens)s) AND status = 'claimed'
RETURNING id, claim_token, dial_key
"""
RAW_READ = """
SELECT r.id, r.due_at, r.owner_id, r.dispatch_attempts, c.id, c.name, c.phone, k.id, k.name, k.status,
       k.dialer_backend, k.dialer_url, k.dialer_secret
FROM campaigns_redialrequest r JOIN campaigns_contact c ON c.id = r.contact_id
JOIN campaigns_campaign k ON k.id = r.campaign_id WHERE r.id = ANY(%(ids)s)
"""
RAW_ANSWERED = """
UPDATE campaigns_redialrequest SET lease_expires_at = NULL, dialed_at = %(now)s, provider_call_id = '',
    last_error = '', updated_at = %(now)s
WHERE id = ANY(%(ids)s) AND claim_token = ANY(%(tokens)s) AND status = 'dialing'
"""


def raw_loop(url: str, batch: int, chunk: int) -> tuple[int, float]:
    from datetime import UTC, datetime, timedelta

    import psycopg

    dialed = 0
    with psycopg.connect(url, autocommit=True) as conn:
        t0 = time.perf_counter()
        while True:
            now = datetime.now(UTC)
            with conn.transaction():
                rows = conn.execute(
                    RAW_CLAIM, {"now": now, "limit": batch, "lease": now + timedelta(minutes=5)}
                ).fetchall()
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                ids, tokens = [r[0] for r in part], [r[1] for r in part]
                lease = now + timedelta(minutes=5)
                moved = conn.execute(
                    RAW_TO_DIALING, {"ids": ids, "tokens": tokens, "lease": lease, "now": now}
                ).fetchall()
                conn.execute(RAW_READ, {"ids": [m[0] for m in moved]}).fetchall()
                # The "dial": what the log backend does, nothing the database sees.
                conn.execute(RAW_ANSWERED, {"ids": [m[0] for m in moved], "tokens": tokens, "now": now})
                dialed += len(moved)
            if len(rows) < batch:
                return dialed, time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--due", type=int, default=20_000)
    parser.add_argument("--future", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL must point at a Redis database for the broker (e.g. redis://127.0.0.1:6379/6)")
    url = use_scratch_database(SCRATCH_DB)
    # Debug off here and in the workers: Django would otherwise keep every query in memory.
    os.environ["DJANGO_DEBUG"] = "false"
    setup_django()
    from retryadmin.celery import app

    app.conf.task_default_queue = QUEUE
    seed(args.due, args.future, daily_attempts=None)
    from campaigns.dispatch.handoff import dial_chunk_size

    chunk = dial_chunk_size()
    figures = []
    for workers in [int(w) for w in args.workers.split(",")]:
        reset()
        elapsed = project(args.due, workers, args.batch)
        per_second = args.due / elapsed
        print(f"project, {workers} worker(s): {args.due} dialled and recorded in {elapsed:.2f}s -> {per_second:,.0f}/s")
        figures.append({"workers": workers, "per_second": round(per_second)})
    reset()
    dialed, raw_elapsed = raw_loop(url, args.batch, chunk)
    raw_per_second = dialed / raw_elapsed
    print(f"raw psycopg loop: {dialed} dialled and recorded in {raw_elapsed:.2f}s -> {raw_per_second:,.0f}/s")
    for figure in figures:
        figure["ratio"] = round(figure["per_second"] / raw_per_second, 3)
    print(json.dumps({"due": args.due, "chunk": chunk, "raw_per_second": round(raw_per_second), "figures": figures}))


if __name__ == "__main__":
    main()
