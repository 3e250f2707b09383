"""Seed a PostgreSQL database at scale for bench/list_pages.py.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale python bench/seed_scale.py [--force]

Creates the database when it does not exist, migrates it, and fills it with 20 campaigns in four
time zones, 50 agents, 1,000,000 contacts, 3,000,000 attempts spread over the last 180 days and
500,000 open redial requests (30% overdue, 40% personal), plus 20,000 failed ones. Rows are made by
INSERT ... SELECT over generate_series inside PostgreSQL, so nothing crosses the wire row by row.

Idempotent: a database already holding exactly these counts is left alone (--reseed seeds it
again anyway). Otherwise the campaign
tables are truncated and seeded again, which is why the database name must start with "scale"
(a scratch database) unless --force is given. The last line printed is JSON with the counts and
the seconds taken.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CONTACTS = 1_000_000
ATTEMPTS_PER_CONTACT = 3
OPEN_REQUESTS = 500_000
FAILED_REQUESTS = 20_000
CAMPAIGNS = 20
AGENTS = 50
DAYS = 180
ZONES = ["Asia/Kolkata", "Europe/London", "America/New_York", "UTC"]
# Tables holding campaign data; truncated (CASCADE reaches the rest) before a fresh seed.
CAMPAIGN_TABLES = ["campaigns_campaign", "campaigns_contact", "campaigns_attempt", "campaigns_redialrequest"]


def ensure_database(url: str) -> None:
    """Create the database named in `url` when the server does not have it yet."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def counts(cursor) -> dict:
    cursor.execute(
        "SELECT (SELECT count(*) FROM campaigns_contact), (SELECT count(*) FROM campaigns_attempt),"
        " (SELECT count(*) FROM campaigns_redialrequest WHERE status IN ('scheduled','claimed','ready','dialing')),"
        " (SELECT count(*) FROM campaigns_redialrequest WHERE status = 'failed')"
    )
    contacts, attempts, open_requests, failed = cursor.fetchone()
    return {"contacts": contacts, "attempts": attempts, "open_requests": open_requests, "failed_requests": failed}


def drop_secondary_indexes(cursor, tables: list[str]) -> list[str]:
    """Drop the indexes of `tables` that back no constraint; returns their CREATE INDEX statements."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%s)"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        [tables],
    )
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def seed_people():
    """The bench's agents and one user of each staff persona; returns the agents' ids."""
    from django.contrib.auth.models import Group, User

    from retryadmin.lib.personas import AGENT, CAMPAIGN_MANAGER, SALES_MANAGER, SUPERVISOR

    for username, persona in [
        ("bench-manager", CAMPAIGN_MANAGER),
        ("bench-supervisor", SUPERVISOR),
        ("bench-sales", SALES_MANAGER),
    ]:
        user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        user.groups.set([Group.objects.get(name=persona)])
    agent_group = Group.objects.get(name=AGENT)
    ids = []
    for i in range(1, AGENTS + 1):
        user, created = User.objects.get_or_create(
            username=f"bench-agent{i:02d}", defaults={"first_name": "Agent", "last_name": f"{i:02d}"}
        )
        if created:
            user.groups.add(agent_group)
        ids.append(user.id)
    return ids


def seed(cursor, agent_ids: list[int]) -> None:
    from strategies.models import CallResult, Outcome

    connected = list(Outcome.objects.filter(is_connected=True).values_list("id", flat=True))
    missed = list(
        Outcome.objects.filter(is_connected=False, is_final=False, category__in=["platform", "sip"]).values_list(
            "id", flat=True
        )
    )
    results = list(CallResult.objects.values_list("id", flat=True))
    assert connected and missed and results, "the outcome catalog must be loaded (migrate does it)"

    cursor.execute(f"TRUNCATE {', '.join(CAMPAIGN_TABLES)} RESTART IDENTITY CASCADE")
    cursor.execute("SET LOCAL synchronous_commit = off")
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    # A bulk load: the rows are consistent by construction, so the per-row foreign-key triggers are
    # skipped (superuser only), and secondary indexes are built once at the end instead of row by row.
    cursor.execute("SET LOCAL session_replication_role = replica")
    dropped = drop_secondary_indexes(cursor, ["campaigns_contact", "campaigns_attempt", "campaigns_redialrequest"])
    cursor.execute(
        """
        INSERT INTO campaigns_campaign (name, zone, status, max_attempts, daily_attempts, dialing_mode,
            contact_window_start, contact_window_end, redial_delay_amount, redial_delay_unit, short_call_seconds,
            opening_delay_minutes, queue_spacing_seconds, acw_timeout_seconds, requires_end_wrap_up,
            personal_redial_grace_minutes, dialer_backend, dialer_url, dialer_secret, lead_api_key,
            created_at, updated_at)
        SELECT 'Scale campaign ' || lpad(g::text, 2, '0'), (%(zones)s::text[])[1 + g %% %(nz)s], 'active', 8, 3,
            'agent_first', NULL, NULL, 30, 'm', 20, 0, 0, 120, false, 30, 'log', '', '', '', now(), now()
        FROM generate_series(1, %(n)s) g
        """,
        {"zones": ZONES, "nz": len(ZONES), "n": CAMPAIGNS},
    )
    t = time.perf_counter()
    cursor.execute(
        """
        INSERT INTO campaigns_contact (campaign_id, name, phone, zone, custom_fields, notes, status, status_reason,
            created_at, updated_at)
        SELECT 1 + g %% %(campaigns)s, 'Contact ' || g, '+44' || (7000000000 + g)::text, '',
            CASE WHEN g %% 10 = 0 THEN '{"utm_source": "google.com", "utm_medium": "cpc"}'::jsonb
                 ELSE '{}'::jsonb END,
            '', CASE WHEN g %% 2 = 0 THEN 'scheduled' ELSE 'pending' END, '', now(), now()
        FROM generate_series(1, %(n)s) g
        """,
        {"campaigns": CAMPAIGNS, "n": CONTACTS},
    )
    print(f"contacts: {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    cursor.execute(
        """
        INSERT INTO campaigns_attempt (contact_id, campaign_id, number, agent_id, started_at, ended_at,
            duration_seconds, outcome_id, call_result_id, provider, provider_call_id, source, redial_request_id,
            decision_reason, decision_explanation, next_attempt_at, wrap_up_ended_at, created_at, phone)
        SELECT contact_id, campaign_id, n,
            CASE WHEN is_connected THEN (%(agents)s::bigint[])[1 + floor(r2 * %(na)s)::int] END,
            started, started + make_interval(secs => duration), duration,
            CASE WHEN is_connected THEN (%(connected)s::bigint[])[1 + floor(r2 * %(nc)s)::int]
                 ELSE (%(missed)s::bigint[])[1 + floor(r3 * %(nm)s)::int] END,
            CASE WHEN is_connected THEN (%(results)s::bigint[])[1 + floor(r3 * %(nr)s)::int] END,
            '', '',
            CASE WHEN n = 1 AND contact_id %% 10 = 0 THEN 'lead' WHEN r4 < 0.75 THEN 'auto'
                 WHEN r4 < 0.9 THEN 'callback' ELSE 'manual' END,
            NULL, 'retry', '', NULL, NULL, started, phone
        FROM (
            SELECT c.id AS contact_id, c.campaign_id, c.phone, n, r1 < 0.3 AS is_connected, r2, r3, r4,
                now() - make_interval(secs => r5 * %(days)s * 86400) AS started,
                CASE WHEN r1 < 0.3 THEN 20 + floor(r2 * 600)::int ELSE floor(r3 * 30)::int END AS duration
            FROM campaigns_contact c CROSS JOIN generate_series(1, %(per)s) n
            CROSS JOIN LATERAL (SELECT random() + 0 * n AS r1, random() + 0 * c.id AS r2, random() + 0 * n AS r3,
                random() + 0 * c.id AS r4, random() + 0 * n AS r5) r
        ) s
        """,
        {
            "agents": agent_ids,
            "na": len(agent_ids),
            "connected": connected,
            "nc": len(connected),
            "missed": missed,
            "nm": len(missed),
            "results": results,
            "nr": len(results),
            "days": DAYS,
            "per": ATTEMPTS_PER_CONTACT,
        },
    )
    print(f"attempts: {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    # Even contacts hold the open requests; every 25th odd one a failed one (a contact has at most one open).
    cursor.execute(
        """
        INSERT INTO campaigns_redialrequest (contact_id, campaign_id, due_at, source, owner_id, remarks, status,
            explanation, queue_opening_at, claim_token, lease_expires_at, claimed_at, dispatch_attempts, last_error,
            provider_call_id, close_reason, closed_at, created_by_id, created_at, updated_at)
        SELECT c.id, c.campaign_id,
            CASE WHEN is_failed THEN now() - make_interval(secs => r1 * 30 * 86400)
                 ELSE now() + make_interval(secs => (r1 - 0.3) * 14 * 86400) END,
            CASE WHEN r2 < 0.6 THEN 'auto' WHEN r2 < 0.8 THEN 'agent' WHEN r2 < 0.9 THEN 'lead' ELSE 'supervisor' END,
            CASE WHEN r3 < 0.4 THEN (%(agents)s::bigint[])[1 + floor(r3 / 0.4 * %(na)s)::int] END,
            CASE WHEN r2 > 0.95 THEN 'Customer asked for a call after lunch' ELSE '' END,
            CASE WHEN is_failed THEN 'failed' WHEN r1 < 0.3 AND r2 < 0.2 THEN 'ready' ELSE 'scheduled' END,
            'No answer +1h, outside business hours -> next opening 09:00', NULL, NULL, NULL, NULL,
            CASE WHEN is_failed THEN 3 ELSE 0 END,
            CASE WHEN is_failed THEN 'Dialer webhook returned HTTP 502' ELSE '' END,
            '', CASE WHEN is_failed THEN 'dispatch failed' ELSE '' END,
            CASE WHEN is_failed THEN now() END, NULL, now(), now()
        FROM (
            SELECT c.*, c.id %% 2 = 1 AS is_failed FROM campaigns_contact c
            WHERE c.id %% 2 = 0 OR c.id %% 50 = 1
        ) c
        CROSS JOIN LATERAL (SELECT random() + 0 * c.id AS r1, random() + 0 * c.id AS r2,
            random() + 0 * c.id AS r3) r
        """,
        {"agents": agent_ids, "na": len(agent_ids)},
    )
    print(f"redial requests: {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    for definition in dropped:
        cursor.execute(definition)
    print(f"{len(dropped)} indexes rebuilt: {time.perf_counter() - t:.1f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="seed a database whose name does not start with scale")
    parser.add_argument("--reseed", action="store_true", help="seed again even when the counts are already right")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale (a scratch PostgreSQL database).")
        return 2
    name = urlparse(url).path.lstrip("/")
    if not name.startswith("scale") and not args.force:
        print(f"Refusing to truncate the campaign tables of {name!r}: use a database named scale..., or --force.")
        return 2
    started = time.perf_counter()
    ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retryadmin.settings.local")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    wanted = {
        "contacts": CONTACTS,
        "attempts": CONTACTS * ATTEMPTS_PER_CONTACT,
        "open_requests": OPEN_REQUESTS,
        "failed_requests": FAILED_REQUESTS,
    }
    agent_ids = seed_people()
    with connection.cursor() as cursor:
        have = counts(cursor)
    if have == wanted and not args.reseed:
        print("already seeded: nothing to do")
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            seed(cursor, agent_ids)
        with connection.cursor() as cursor:
            t = time.perf_counter()
            # Fresh statistics and a visibility map, as autovacuum would leave them on a live system.
            cursor.execute("VACUUM ANALYZE campaigns_contact, campaigns_attempt, campaigns_redialrequest")
            print(f"vacuum analyze: {time.perf_counter() - t:.1f} s", flush=True)
            have = counts(cursor)
    print(json.dumps({**have, "seconds": round(time.perf_counter() - started, 1)}))
    return 0 if have == wanted else 1


if __name__ == "__main__":
    sys.exit(main())
