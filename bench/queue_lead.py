"""Cost of queueing one out-of-hours lead (`campaigns.services.queue.queue_lead`) as the campaign grows.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/queue_lead.py --sizes 5000,50000

Creates (drops first) the scratch database `bench_queue_lead`, migrates it, and for each size S: one campaign
closed now (open 09:00-17:00 on weekdays, in a zone where it is night), with S requests already queued for
its next opening and S more for other openings (INSERT ... SELECT), then times `queue_lead` for --leads new
contacts, each in its own transaction as the lead API does. Prints ms per lead for each size and the ratio of
the largest size to the smallest. Last line JSON:
{"figures": [{"requests": S, "ms_per_lead": X}, ...], "ratio": largest/smallest}.
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

from bench.dispatch import setup_django  # noqa: E402
from bench.scratch import use_scratch_database  # noqa: E402

SCRATCH_DB = "bench_queue_lead"


def closed_zone_now() -> str:
    """A zone where it is between 22:00 and 05:00 now: the campaign is closed, leads queue for the opening."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    for zone in (
        "Pacific/Auckland",
        "Asia/Tokyo",
        "Asia/Kolkata",
        "Europe/London",
        "America/New_York",
        "America/Los_Angeles",
        "Pacific/Honolulu",
    ):
        if datetime.now(ZoneInfo(zone)).hour in (22, 23, 0, 1, 2, 3, 4):
            return zone
    return "Pacific/Kiritimati"


def seed(size: int):
    from django.db import connection
    from django.utils import timezone

    from campaigns.models import BusinessHourWindow, Campaign, Contact, RedialRequest
    from campaigns.services import scheduling

    campaign = Campaign.objects.create(
        name=f"Queue {size} {time.time_ns()}",
        zone=closed_zone_now(),
        queue_spacing_seconds=1,
        opening_delay_minutes=0,
        max_attempts=5,
    )
    BusinessHourWindow.objects.bulk_create(
        BusinessHourWindow(campaign=campaign, weekday=d, start_minute=9 * 60, end_minute=17 * 60) for d in range(7)
    )
    campaign = Campaign.objects.get(pk=campaign.pk)
    probe = Contact.objects.create(campaign=campaign, phone="+447700900001", name="probe")
    allowed = scheduling.next_allowed_for(campaign, probe, timezone.now(), calendar=scheduling.calendar_for(campaign))
    opening = allowed.opening_at
    contacts, requests = Contact._meta.db_table, RedialRequest._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {contacts} (campaign_id, name, phone, zone, custom_fields, notes, status,
                    status_reason, created_at, updated_at)
                SELECT %s, 'C' || g, '+4479' || lpad(g::text, 8, '0'), '', '{{}}', '', 'scheduled', '', now(), now()
                FROM generate_series(1, %s) g""",
            [campaign.id, size],
        )
        # Half queued for the coming opening (done ones among them: the queue counts them all), half for
        # earlier openings, one second apart.
        cur.execute(
            f"""INSERT INTO {requests} (contact_id, campaign_id, due_at, source, remarks, status, explanation,
                    dispatch_attempts, last_error, provider_call_id, close_reason, created_at, updated_at,
                    queue_opening_at)
                SELECT c.id, c.campaign_id,
                       CASE WHEN c.id %% 2 = 0 THEN %s + (row_number() OVER (ORDER BY c.id)) * interval '1 second'
                            ELSE %s - interval '1 day' * (1 + c.id %% 300) END,
                       'lead', '', CASE WHEN c.id %% 2 = 0 THEN 'scheduled' ELSE 'done' END, '', 0, '', '', '',
                       now(), now(),
                       CASE WHEN c.id %% 2 = 0 THEN %s ELSE %s - interval '1 day' * (1 + c.id %% 300) END
                FROM {contacts} c WHERE c.campaign_id = %s""",
            [opening, opening, opening, opening, campaign.id],
        )
        cur.execute(f"VACUUM ANALYZE {requests}")
        cur.execute(f"VACUUM ANALYZE {contacts}")
    return campaign


def measure(campaign, leads: int) -> float:
    from campaigns.models import Contact
    from campaigns.services.queue import queue_lead

    fresh = Contact.objects.bulk_create(
        Contact(campaign=campaign, phone=f"+4478{i:09d}", name=f"Lead {i}") for i in range(leads)
    )
    timings = []
    for contact in fresh:
        t0 = time.perf_counter()
        queue_lead(campaign=campaign, contact=contact)
        timings.append(time.perf_counter() - t0)
    return statistics.median(timings) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,50000")
    parser.add_argument("--leads", type=int, default=300)
    args = parser.parse_args()
    use_scratch_database(SCRATCH_DB)
    os.environ["DJANGO_DEBUG"] = "false"
    setup_django()
    figures = []
    for size in [int(s) for s in args.sizes.split(",")]:
        campaign = seed(size)
        ms = measure(campaign, args.leads)
        print(f"{size:,} requests in the campaign ({size // 2:,} queued for its next opening): {ms:.2f} ms per lead")
        figures.append({"requests": size, "ms_per_lead": round(ms, 3)})
    ratio = figures[-1]["ms_per_lead"] / figures[0]["ms_per_lead"]
    print(json.dumps({"figures": figures, "ratio": round(ratio, 3)}))


if __name__ == "__main__":
    main()
