"""How long the campaigns services take: catalog (cached per process, one query for the token), calendar,
record_attempt with a retry, queue_lead (500 overnight leads), and how many queries record_attempt makes.

Run: .venv/bin/python bench/campaigns_services.py   (DATABASE_URL picks the database; a throw-away test
database is created and dropped). The last line is JSON; `load_1m` is the machine's load average when it ends.
"""

import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retryadmin.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment  # noqa: E402

LEADS = int(os.environ.get("BENCH_LEADS", "500"))


def build_campaign():
    from campaigns.models import BusinessHourWindow, Campaign, DialPlan
    from strategies.models import Outcome, Strategy, StrategyRule

    telephony = Strategy.objects.create(name="bench telephony", kind=Strategy.TELEPHONY)
    StrategyRule.objects.create(
        strategy=telephony, outcome=Outcome.objects.get(code="sip.customer_no_answer"), amount=1, unit="h"
    )
    plan = DialPlan.objects.create(name="bench plan", telephony_strategy=telephony)
    campaign = Campaign.objects.create(
        name="bench", zone="Europe/London", dial_plan=plan, opening_delay_minutes=10, queue_spacing_seconds=30
    )
    for weekday in range(5):
        BusinessHourWindow.objects.create(campaign=campaign, weekday=weekday, start_minute=540, end_minute=1020)
    return campaign


def timed(function, repeat):
    started = time.perf_counter()
    for i in range(repeat):
        function(i)
    return (time.perf_counter() - started) / repeat * 1000


def main():
    from campaigns.services import attempts as attempt_services
    from campaigns.services import contacts as contact_services
    from campaigns.services import queue as queue_services
    from campaigns.services import scheduling
    from strategies.models import Outcome

    campaign = build_campaign()
    contacts = [contact_services.create_contact(campaign=campaign, phone=f"+4420712{n:05d}") for n in range(2 * LEADS)]
    monday_night = datetime(2030, 11, 25, 22, tzinfo=UTC)
    results = {"database": connection.vendor, "leads": LEADS}
    results["catalog_ms"] = round(timed(lambda _: scheduling.catalog(), 50), 3)
    results["calendar_for_ms"] = round(timed(lambda _: scheduling.calendar_for(campaign), 50), 3)
    results["queue_lead_ms"] = round(
        timed(
            lambda i: queue_services.queue_lead(
                campaign=campaign, contact=contacts[i], now=monday_night + timedelta(seconds=i)
            ),
            LEADS,
        ),
        3,
    )
    no_answer = Outcome.objects.get(code="sip.customer_no_answer")

    def record(i):
        attempt_services.record_attempt(
            campaign=campaign,
            contact=contacts[LEADS + i],
            outcome=no_answer,
            started_at=datetime(2030, 11, 26, 10, tzinfo=UTC),
            provider="twilio",
            provider_call_id=f"CA{i}",
        )

    with CaptureQueriesContext(connection) as queries:
        results["record_attempt_ms"] = round(timed(record, LEADS), 3)
    # Savepoints included, as Django counts them; the first call may fill the configuration cache.
    results["record_attempt_queries"] = round(len(queries) / LEADS, 2)
    results["load_1m"] = os.getloadavg()[0]
    for key, value in results.items():
        print(f"{key}: {value}")
    print(json.dumps(results))


if __name__ == "__main__":
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
