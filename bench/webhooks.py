"""Throughput and p99 latency of the signed Twilio status webhook, next to a bare Django endpoint.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/webhooks.py [--calls 1000]

Creates (drops first) the scratch database `bench_webhooks` on DATABASE_URL's server, migrates it, seeds
one campaign open around the clock with CALLS contacts, each with a redial request the dialer reported a
CallSid for, then starts `gunicorn retryadmin.wsgi -w 2` on a free port (with `--conn-max-age N`, persistent
database connections, to show what a new connection per request costs) and drives it from a threaded
Python client (one requests.Session per thread):

1. the Twilio endpoint: for every call `initiated`, `ringing` and a final `no-answer` (each signed with
   RequestValidator, as Twilio does), plus 10 % Twilio-style retries of random callbacks, shuffled;
   every final records an attempt and schedules its retry;
2. `GET /healthz/`, the same number of requests: what Django itself costs on this machine.

It checks afterwards that there is exactly one attempt per call. --progress-only sends `in-progress` in place of
each final (no attempt recorded): the floor of the webhook path on this machine. Last line JSON:
{"calls": N, "webhook_events": E, "webhook_per_second": X, "webhook_p99_ms": P, "healthz_per_second": Y,
 "healthz_p99_ms": Q, ..., "load_1m": L} (L: the machine's 1-minute load average when the run ends).
"""

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import use_scratch_database  # noqa: E402

SCRATCH_DB = "bench_webhooks"
TOKEN = "bench-twilio-token"
PATH = "/webhooks/twilio/status/"


def seed(calls: int) -> list[str]:
    """The campaign, its contacts and their dialing redial requests; returns the CallSids."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "retryadmin.settings.local"
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from campaigns.models import BusinessHourWindow, Campaign, Contact, DialPlan, RedialRequest
    from strategies.models import Outcome, Strategy, StrategyRule

    call_command("migrate", verbosity=0, interactive=False)
    strategy = Strategy.objects.create(name="bench telephony", kind=Strategy.TELEPHONY)
    StrategyRule.objects.create(
        strategy=strategy, outcome=Outcome.objects.get(code="sip.customer_no_answer"), amount=1, unit="h"
    )
    plan = DialPlan.objects.create(name="bench plan", telephony_strategy=strategy)
    campaign = Campaign.objects.create(name="Bench webhooks", zone="UTC", max_attempts=10, dial_plan=plan)
    BusinessHourWindow.objects.bulk_create(
        BusinessHourWindow(campaign=campaign, weekday=d, start_minute=0, end_minute=1440) for d in range(7)
    )
    contacts = Contact.objects.bulk_create(
        Contact(campaign=campaign, phone=f"+4420{7100000 + i:08d}", zone="UTC", status=Contact.IN_CALL)
        for i in range(calls)
    )
    sids = [f"CA{i:032x}" for i in range(calls)]
    now = timezone.now()
    RedialRequest.objects.bulk_create(
        RedialRequest(contact=c, campaign=campaign, due_at=now, status=RedialRequest.DIALING, provider_call_id=sid)
        for c, sid in zip(contacts, sids, strict=True)
    )
    return sids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, conn_max_age: int | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "retryadmin.settings.local",
        "DJANGO_DEBUG": "false",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "WEBHOOK_RATE_LIMIT_PER_MINUTE": str(10**9),
        "WEBHOOK_SIGNED_RATE_LIMIT_PER_MINUTE": str(10**9),
    }
    if conn_max_age is not None:
        # django-environ reads CONN_MAX_AGE from the URL, and it wins over the settings' default.
        env["DATABASE_URL"] = f"{os.environ['DATABASE_URL']}?conn_max_age={conn_max_age}"
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "retryadmin.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    import requests

    for _ in range(100):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz/", timeout=1).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    sys.exit("gunicorn did not start: " + process.stderr.read().decode()[-2000:])


def twilio_requests(
    base: str, sids: list[str], seed_value: int = 7, progress_only: bool = False
) -> list[tuple[dict, dict]]:
    """(form, headers) for every callback: three per call plus 10 % retries, shuffled. With `progress_only`
    the third is `in-progress` instead of the final `no-answer`: no attempt is recorded."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    url = base + PATH
    stamp = format_datetime(datetime.now(UTC))
    unique = []
    for sid in sids:
        third = "in-progress" if progress_only else "no-answer"
        for sequence, status in enumerate(["initiated", "ringing", third]):
            form = {"CallSid": sid, "CallStatus": status, "SequenceNumber": str(sequence), "Timestamp": stamp}
            if status == "no-answer":
                form["CallDuration"] = "0"
            unique.append(form)
    rng = random.Random(seed_value)
    everything = unique + [rng.choice(unique) for _ in range(len(unique) // 10)]
    rng.shuffle(everything)
    return [
        (
            form,
            {
                "X-Twilio-Signature": validator.compute_signature(url, form),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        for form in everything
    ]


def drive(base: str, jobs: list, threads: int, method: str, rate: float = 0) -> tuple[float, list[float], int]:
    """Run `jobs` over `threads` sessions, as fast as they go or, with `rate`, job i sent at start + i/rate
    (an open loop: a slow answer does not slow the senders down); returns (elapsed seconds, latencies in
    ms, non-2xx count)."""
    import requests

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    chunks = [list(enumerate(jobs))[i::threads] for i in range(threads)]
    begin = [0.0]

    def worker(chunk):
        session = requests.Session()
        mine = []
        bad = 0
        for index, job in chunk:
            if rate:
                pause = begin[0] + index / rate - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            started = time.perf_counter()
            if method == "twilio":
                form, headers = job
                response = session.post(base + PATH, data=urlencode(form), headers=headers, timeout=30)
            else:
                response = session.get(base + "/healthz/", timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
            bad += not 200 <= response.status_code < 300
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    pool = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    started = begin[0] = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started, latencies, errors[0]


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rate", type=float, default=200, help="requests a second of the paced run (p99 at load)")
    parser.add_argument(
        "--progress-only",
        action="store_true",
        help="no final callbacks: the floor of the path (one statement per event, no attempt recorded)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="database connection lifetime of the gunicorn workers in seconds (0: one per request); default 60",
    )
    args = parser.parse_args()

    use_scratch_database(SCRATCH_DB, "postgres://postgres@127.0.0.1:5432/postgres")
    sids = seed(args.calls)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port, args.conn_max_age)
    try:
        jobs = twilio_requests(base, sids, progress_only=args.progress_only)
        drive(base, [None] * 50, 2, "healthz")  # warm both workers up
        half = len(jobs) // 2
        hook_elapsed, hook_latencies, hook_errors = drive(base, jobs[:half], args.threads, "twilio")
        health_elapsed, health_latencies, health_errors = drive(base, [None] * half, args.threads, "healthz")
        # The other half paced at --rate: the latency a provider sees at that load.
        paced_elapsed, paced_latencies, paced_errors = drive(
            base, jobs[half:], max(args.threads, 16), "twilio", rate=args.rate
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    from campaigns.models import Attempt, RedialRequest, WebhookEvent

    attempts = Attempt.objects.count()
    open_requests = RedialRequest.objects.filter(status__in=RedialRequest.OPEN_STATUSES).count()
    result = {
        "calls": args.calls,
        "webhook_events": len(jobs),
        "webhook_per_second": round(half / hook_elapsed, 1),
        "webhook_p50_ms": round(statistics.median(hook_latencies), 2),
        "webhook_p99_ms": round(p99(hook_latencies), 2),
        "webhook_errors": hook_errors,
        "healthz_per_second": round(half / health_elapsed, 1),
        "healthz_p50_ms": round(statistics.median(health_latencies), 2),
        "healthz_p99_ms": round(p99(health_latencies), 2),
        "healthz_errors": health_errors,
        "ratio": round((half / hook_elapsed) / (half / health_elapsed), 3),
        "paced_rate": args.rate,
        "paced_achieved_per_second": round((len(jobs) - half) / paced_elapsed, 1),
        "paced_p50_ms": round(statistics.median(paced_latencies), 2),
        "paced_p99_ms": round(p99(paced_latencies), 2),
        "paced_errors": paced_errors,
        "attempts": attempts,
        "open_redial_requests": open_requests,
        "events_stored": WebhookEvent.objects.count(),
        "conn_max_age": args.conn_max_age,
        "progress_only": args.progress_only,
        "load_1m": os.getloadavg()[0],
    }
    print(f"threads={args.threads} gunicorn workers=2 database={SCRATCH_DB} conn_max_age={args.conn_max_age}")
    print(
        f"twilio webhook: {result['webhook_per_second']} events/s, p50 {result['webhook_p50_ms']} ms, "
        f"p99 {result['webhook_p99_ms']} ms, {hook_errors} non-2xx"
    )
    print(
        f"healthz:        {result['healthz_per_second']} req/s, p50 {result['healthz_p50_ms']} ms, "
        f"p99 {result['healthz_p99_ms']} ms"
    )
    print(f"ratio webhook/healthz: {result['ratio']}")
    print(
        f"paced at {args.rate:.0f}/s: achieved {result['paced_achieved_per_second']}/s,"
        f" p50 {result['paced_p50_ms']} ms, p99 {result['paced_p99_ms']} ms, {paced_errors} non-2xx"
    )
    print(f"attempts {attempts} for {args.calls} calls, open redial requests {open_requests}")
    expected = 0 if args.progress_only else args.calls
    if attempts != expected:
        print(f"MISMATCH: {attempts} attempts, {expected} expected", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
