"""How long the campaigns services take: catalog (cached per process, one query for the token), calendar,
record_attempt with a retry, queue_lead (500 overnight leads), and how many queries record_attempt makes;
then the same with best time to call on (a learned table favouring 18:00, so each retry moves), and
beat's refresh of the connect-rate tables over those attempts.

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


def build_campaign(name="bench"):
    from campaigns.models import BusinessHourWindow, Campaign, DialPlan
    from strategies.models import Outcome, Strategy, StrategyRule

    telephony = Strategy.objects.create(name=f"{name} telephony", kind=Strategy.TELEPHONY)
    StrategyRule.objects.create(
        strategy=telephony, outcome=Outcome.objects.get(code="sip.customer_no_answer"), amount=1, unit="h"
    )
    plan = DialPlan.objects.create(name=f"{name} plan", telephony_strategy=telephony)
    campaign = Campaign.objects.create(
        name=name, zone="Europe/London", dial_plan=plan, opening_delay_minutes=10, queue_spacing_seconds=30
    )
    for weekday in range(5):
        BusinessHourWindow.objects.create(campaign=campaign, weekday=weekday, start_minute=540, end_minute=1020)
    return campaign


def timed(function, repeat):
    started = time.perf_counter()
    for i in range(repeat):
        function(i)
    return (time.perf_counter() - started) / repeat * 1000


def best_time_results(no_answer) -> dict:
    from campaigns.models import Campaign, ConnectRateTable, RedialRequest
    from campaigns.services import attempts as attempt_services
    from campaigns.services import best_time as best_time_services
    from campaigns.services import contacts as contact_services
    from strategies import best_time

    campaign = build_campaign("bench best time")
    Campaign.objects.filter(pk=campaign.pk).update(
        best_time_enabled=True,
        best_time_max_shift_hours=8,
        best_time_capacity_per_hour=100_000,
    )
    campaign.refresh_from_db()
    for weekday in range(5):
        campaign.business_hours.filter(weekday=weekday).update(end_minute=20 * 60)
    cells = [[0.12, 100, 12] for _ in range(best_time.HOURS_PER_WEEK)]
    cells[24 + 18] = [0.41, 3200, 1312]  # Tuesday 18:00 London
    ConnectRateTable.objects.create(campaign=campaign, cells=cells, base_rate=0.13, computed_at=datetime.now(UTC))
    contacts = [contact_services.create_contact(campaign=campaign, phone=f"+4420713{n:05d}") for n in range(LEADS)]

    def record(i):
        attempt_services.record_attempt(
            campaign=campaign,
            contact=contacts[i],
            outcome=no_answer,
            started_at=datetime(2030, 11, 26, 10, tzinfo=UTC),
            provider="twilio",
            provider_call_id=f"BT{i}",
        )

    results = {}
    with CaptureQueriesContext(connection) as queries:
        results["record_attempt_best_time_ms"] = round(timed(record, LEADS), 3)
    results["record_attempt_best_time_queries"] = round(len(queries) / LEADS, 2)
    results["best_time_moved"] = RedialRequest.objects.filter(
        campaign=campaign, due_at=datetime(2030, 11, 26, 18, tzinfo=UTC)
    ).count()
    now = datetime(2030, 11, 27, tzinfo=UTC)
    results["refresh_connect_rate_tables_ms"] = round(
        timed(lambda _: best_time_services.refresh_connect_rate_tables(now=now), 3), 3
    )
    return results


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
    results.update(best_time_results(no_answer))
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
