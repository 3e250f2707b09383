"""Claim-and-hand-off throughput of campaigns.dispatch against a raw SQL claim loop, on PostgreSQL.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/x REDIS_URL=redis://127.0.0.1:6379/5 \
     .venv/bin/python bench/dispatch.py --due 100000

Creates (drops first) the scratch database `bench_dispatch` on that server, migrates it with Django,
seeds N due requests among 1,000,000 future ones (INSERT ... SELECT generate_series) for one auto-dial
campaign open around the clock with a daily limit (so the history query runs), then measures:

after one uncounted warm-up pass of each, for each batch size of --batches (default 100, 500 and 1000),
--rounds times (default 3) in alternating order, reporting the medians:

1. the project's path: `campaigns.dispatch.claim.claim_due(batch_size=B)` end to end: SKIP LOCKED claim per
   active campaign, re-checks of rules 5 and 7, and after each commit the dial hand-off published to the
   real Redis broker (one message per DISPATCH_DIAL_CHUNK claimed ids);
2. a raw SQL claim loop (MATERIALIZED CTE, FOR UPDATE SKIP LOCKED, UPDATE ... RETURNING) with the same
   batch size, after resetting the rows and vacuuming.

With --rules the campaign has two attempt rules per number (the Florida and US Regulation F 7-in-7
presets), so each claim batch also reads the contacts' histories and their numbers' attempts in every
campaign (one indexed query per batch); --history adds one unanswered call two hours ago to each due
number in another campaign, so every claimed row is also re-checked by the engine with that history.

With --dnc-numbers M --dnc-listed K, an organisation do-not-call list of M numbers (plus K numbers of due
requests) is seeded first: the project's path then cancels those K at the claim's re-check (one query per
batch), and the raw loop still claims everything.

The published messages are purged afterwards. Last line JSON:
{"due": N, "future": F, "rules": bool, "history": bool, "dnc_numbers": M+K, "dnc_listed_due": K,
 "figures": [{"batch": B, "per_second": X, "raw_sql_per_second": Y, "ratio": X/Y}, ...]}.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import use_scratch_database  # noqa: E402

# BENCH_SCRATCH_DB lets two runs on one server use their own scratch databases.
SCRATCH_DB = os.environ.get("BENCH_SCRATCH_DB", "bench_dispatch")


def setup_django(settings_module="retryadmin.settings.local"):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(due: int, future: int, dialing_mode="auto_dial", daily_attempts=3) -> int:
    """One campaign open 24/7; `due` requests due in the last hour and `future` due within the next
    year, each for its own contact. Returns the campaign id."""
    from django.db import connection

    from campaigns.models import BusinessHourWindow, Campaign, Contact, RedialRequest

    campaign = Campaign.objects.create(
        name=f"Bench {time.time_ns()}",
        dialing_mode=dialing_mode,
        dialer_backend="log",
        daily_attempts=daily_attempts,
        max_attempts=10,
    )
    BusinessHourWindow.objects.bulk_create(
        BusinessHourWindow(campaign=campaign, weekday=d, start_minute=0, end_minute=1440) for d in range(7)
    )
    total = due + future
    contacts, requests = Contact._meta.db_table, RedialRequest._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {contacts} (campaign_id, name, phone, zone, custom_fields, notes, status,
                    status_reason, created_at, updated_at)
                SELECT %s, 'C' || g, '+4479' || lpad(g::text, 8, '0'), '', '{{}}', '', 'scheduled', '', now(), now()
                FROM generate_series(1, %s) g""",
            [campaign.id, total],
        )
        cur.execute(
            f"""INSERT INTO {requests} (contact_id, campaign_id, due_at, source, remarks, status, explanation,
                    dispatch_attempts, last_error, provider_call_id, close_reason, created_at, updated_at)
                SELECT c.id, c.campaign_id,
                       CASE WHEN row_number() OVER (ORDER BY c.id) <= %s
                            THEN now() - random() * interval '1 hour'
                            ELSE now() + interval '1 day' + random() * interval '364 days' END,
                       'auto', '', 'scheduled', '', 0, '', '', '', now(), now()
                FROM {contacts} c WHERE c.campaign_id = %s""",
            [due, campaign.id],
        )
    vacuum()
    warm_cache()
    return campaign.id


def set_rules(campaign_id: int) -> None:
    """The two presets the --rules run measures, added through the service as a manager would."""
    from campaigns.models import Campaign
    from campaigns.services import attempt_rules

    campaign = Campaign.objects.get(pk=campaign_id)
    for slug in ("florida_3_in_24h", "us_reg_f_7_in_7"):
        attempt_rules.add_preset(campaign, slug, by=None)


def seed_history_elsewhere(campaign_id: int, due: int) -> None:
    """One unanswered call two hours ago to each due number, made by another campaign."""
    from django.db import connection

    from campaigns.models import Campaign
    from strategies.models import Outcome

    other = Campaign.objects.create(name=f"Bench elsewhere {time.time_ns()}", max_attempts=10)
    no_answer = Outcome.objects.get(code="sip.customer_no_answer").pk
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO campaigns_contact (campaign_id, name, phone, zone, custom_fields, notes, status,
                    status_reason, created_at, updated_at)
               SELECT %s, c.name, c.phone, '', '{}', '', 'pending', '', now(), now()
               FROM campaigns_contact c JOIN campaigns_redialrequest r ON r.contact_id = c.id
               WHERE c.campaign_id = %s AND r.due_at <= now()""",
            [other.id, campaign_id],
        )
        cur.execute(
            """INSERT INTO campaigns_attempt (contact_id, campaign_id, number, started_at, duration_seconds,
                    outcome_id, provider, provider_call_id, source, decision_reason, decision_explanation,
                    created_at, phone)
               SELECT c.id, c.campaign_id, 1, now() - interval '2 hours', 0, %s, '', '', 'auto', '', '', now(),
                    c.phone
               FROM campaigns_contact c WHERE c.campaign_id = %s""",
            [no_answer, other.id],
        )
        cur.execute("VACUUM ANALYZE campaigns_attempt")
    print(f"history: {due} numbers called once elsewhere two hours ago")


def seed_do_not_call(numbers: int, listed_due: int) -> int:
    """An organisation do-not-call list of `numbers` numbers none of the contacts has, plus the numbers of
    `listed_due` due requests' contacts (which the claim must cancel). Returns how many due are listed."""
    from django.db import connection

    from campaigns.models import DoNotCallEntry, RedialRequest
    from campaigns.services import do_not_call

    listing = do_not_call.organisation_list()
    entries, requests = DoNotCallEntry._meta.db_table, RedialRequest._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {entries} (list_id, phone, source, reason, added_at)
                SELECT %s, '+4478' || lpad(g::text, 8, '0'), 'import', '', now() FROM generate_series(1, %s) g""",
            [listing.pk, numbers],
        )
        cur.execute(
            f"""INSERT INTO {entries} (list_id, phone, source, reason, added_at)
                SELECT %s, c.phone, 'import', '', now()
                FROM {requests} r JOIN campaigns_contact c ON c.id = r.contact_id
                WHERE r.status = 'scheduled' AND r.due_at <= now() ORDER BY r.id LIMIT %s""",
            [listing.pk, listed_due],
        )
        listed = cur.rowcount
        cur.execute(f"VACUUM ANALYZE {entries}")
    return listed


def vacuum():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE campaigns_redialrequest")
        cur.execute("VACUUM ANALYZE campaigns_contact")


def warm_cache():
    """Read both tables once, so neither measurement pays for the other's cold pages."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*), max(zone), max(status) FROM campaigns_contact")
        cur.execute("SELECT count(*), max(status), max(due_at) FROM campaigns_redialrequest")


def reset_claims():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """UPDATE campaigns_redialrequest SET status = 'scheduled', claim_token = NULL, claimed_at = NULL,
               lease_expires_at = NULL, dispatch_attempts = 0 WHERE status <> 'scheduled'"""
        )
    vacuum()


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
FROM due WHERE r.id = due.id
RETURNING r.id, r.claim_token
"""


def raw_claim_loop(batch: int) -> int:
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    claimed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(RAW_CLAIM, {"now": now, "limit": batch, "lease": now + timedelta(minutes=5)})
            rows = cur.fetchall()
        claimed += len(rows)
        if len(rows) < batch:
            return claimed


def purge_broker():
    from retryadmin.celery import app

    with app.connection_for_write() as conn:
        return conn.default_channel.queue_purge("celery") or 0


def project_run(batch: int, due: int) -> float:
    """One `claim_due` over every due row (reset first). Returns claims per second."""
    from campaigns.dispatch import claim

    reset_claims()
    purge_broker()
    warm_cache()
    t0 = time.perf_counter()
    result = claim.claim_due(batch_size=batch)
    elapsed = time.perf_counter() - t0
    published = len(result.dialing)
    messages = purge_broker()
    per_second = result.claimed / elapsed
    print(
        f"batch {batch}: project claim_due: claimed {result.claimed}, published {published} in {messages} messages,"
        f" {result.batches} batches, {elapsed:.2f}s -> {per_second:,.0f}/s"
    )
    # Listed requests (--dnc-listed) are cancelled at the first run's re-check and stay cancelled after it.
    if published + result.cancelled != result.claimed or result.claimed > due:
        sys.exit(f"of {result.claimed} claimed, {published} published and {result.cancelled} cancelled (due {due})")
    return per_second


def raw_run(batch: int) -> float:
    """The raw SQL loop over every due row (reset first). Returns claims per second."""
    reset_claims()
    warm_cache()
    t0 = time.perf_counter()
    raw = raw_claim_loop(batch)
    raw_elapsed = time.perf_counter() - t0
    raw_per_second = raw / raw_elapsed
    print(f"batch {batch}: raw SQL claim loop: claimed {raw} in {raw_elapsed:.2f}s -> {raw_per_second:,.0f}/s")
    return raw_per_second


def measure(batch: int, due: int, rounds: int) -> dict:
    """One batch size: `rounds` pairs of runs, the project's path and the raw loop in alternating order (so
    neither always runs on pages the other just warmed); the figures are the medians."""
    project, raw = [], []
    for round_number in range(rounds):
        if round_number % 2:
            raw.append(raw_run(batch))
            project.append(project_run(batch, due))
        else:
            project.append(project_run(batch, due))
            raw.append(raw_run(batch))
    per_second, raw_per_second = statistics.median(project), statistics.median(raw)
    print(f"batch {batch}: median of {rounds}: project {per_second:,.0f}/s, raw {raw_per_second:,.0f}/s")
    return {
        "batch": batch,
        "per_second": round(per_second),
        "raw_sql_per_second": round(raw_per_second),
        "ratio": round(per_second / raw_per_second, 3),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--future", type=int, default=1_000_000)
    parser.add_argument("--batches", default="100,500,1000", help="comma-separated batch sizes")
    parser.add_argument("--rounds", type=int, default=3, help="alternating pairs per batch size (median)")
    parser.add_argument("--rules", action="store_true", help="two attempt rules per number on the campaign")
    parser.add_argument("--history", action="store_true", help="with --rules: each due number called elsewhere")
    parser.add_argument(
        "--dnc-numbers", type=int, default=0, help="numbers on the organisation's do-not-call list (rule 8)"
    )
    parser.add_argument("--dnc-listed", type=int, default=0, help="due requests whose number is also listed")
    args = parser.parse_args()
    if args.history and not args.rules:
        sys.exit("--history needs --rules")
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL must point at a Redis database for the broker (e.g. redis://127.0.0.1:6379/5)")

    # Its own scratch database: a plain run elsewhere on the same server must not be dropped under it.
    use_scratch_database(SCRATCH_DB + ("_dnc" if args.dnc_numbers or args.dnc_listed else ""))
    setup_django()
    t0 = time.perf_counter()
    campaign_id = seed(args.due, args.future)
    if args.rules:
        set_rules(campaign_id)
    if args.history:
        seed_history_elsewhere(campaign_id, args.due)
    print(f"seeded {args.due} due among {args.future} future requests in {time.perf_counter() - t0:.1f}s")
    listed = 0
    if args.dnc_numbers or args.dnc_listed:
        t0 = time.perf_counter()
        listed = seed_do_not_call(args.dnc_numbers, args.dnc_listed)
        seconds = time.perf_counter() - t0
        print(f"do-not-call list: {args.dnc_numbers + listed} numbers, {listed} of them due, in {seconds:.1f}s")
    batches = [int(batch) for batch in args.batches.split(",")]
    # A first pass of each, not counted: the first run after seeding pays for cold index pages and connections.
    project_run(batches[0], args.due)
    raw_run(batches[0])
    figures = [measure(batch, args.due, args.rounds) for batch in batches]
    print(
        json.dumps(
            {
                "due": args.due,
                "future": args.future,
                "rules": args.rules,
                "history": args.history,
                "dnc_numbers": args.dnc_numbers + listed,
                "dnc_listed_due": listed,
                "figures": figures,
            }
        )
    )


if __name__ == "__main__":
    main()
