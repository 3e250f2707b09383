"""Time the list pages against a database seeded by bench/seed_scale.py.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale python bench/list_pages.py [--runs 7]

Each page is rendered through Django's test Client, logged in as a Supervisor (a Campaign Manager
for pages a Supervisor may not open), once to count queries and then --runs times for the median
wall-clock time; --cold clears Django's cache before each request, to time what a cache miss costs (the
campaign list and dashboard cache the counts of large campaigns for a minute). Pages whose url is not (yet)
part of the project are skipped. The last line is
JSON: {"pages": {name: {"ms": median, "queries": n, "status": code}}, "max_ms": ..., "target_ms": 300}.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_MS = 300


class QueryLog(list):
    """A database execute wrapper that keeps (milliseconds, sql) of every query the page ran."""

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.append(((time.perf_counter() - started) * 1000, sql % tuple(repr(p) for p in params or ())))


# Fragments a page fetches once it is shown: timed, but not a list page's render time.
AFTER_THE_PAGE = {"report summary fragment, 180 days"}


def try_reverse(name: str, *arg_sets):
    """The url of `name` with the first argument set that fits; None when the url does not exist."""
    from django.urls import NoReverseMatch, reverse

    for args in arg_sets or ((),):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def pages() -> list[tuple[str, str | None, dict]]:
    from django.contrib.auth.models import User

    from campaigns.models import Attempt, Campaign, Contact, RedialRequest
    from strategies.models import Outcome

    campaign = Campaign.objects.order_by("id").first()
    cid = campaign.pk if campaign else 1
    agent = User.objects.filter(groups__name="Agent").order_by("id").first()
    outcome = Outcome.objects.filter(is_connected=True).order_by("id").first()
    request = RedialRequest.objects.filter(status="scheduled").order_by("id").first()
    last = Attempt.objects.order_by("-started_at").values_list("started_at", flat=True).first()
    callbacks = try_reverse("campaigns:callbacks")
    report = try_reverse("campaigns:report")
    # The newest attempt's date, and 30 days before it: a month of one campaign.
    to_date = last.date() if last else date.today()
    from_date = to_date - timedelta(days=29)
    contacts = try_reverse("campaigns:contacts", (cid,), ()) or try_reverse("campaigns:contact_list", (cid,), ())
    # The campaign's last contact by id: its number is known to exist.
    phone = Contact.objects.filter(campaign_id=cid).order_by("-id").values_list("phone", flat=True).first() or "+44700"
    result = [
        ("campaign list", try_reverse("campaigns:list"), {}),
        ("contacts list", contacts, {}),
        # Searches: a name inside the name (icontains), and a number matched by its start or its end;
        # the "no match" ones cannot stop early at a page of hits, so they show the worst case.
        ("contacts, name search", contacts, {"q": "ontact 12345"}),
        ("contacts, name search, no match", contacts, {"q": "Nobody Smith"}),
        ("contacts, phone search", contacts, {"q": phone}),
        ("contacts, phone search, no match", contacts, {"q": "+15550001234"}),
        ("contacts, local digits search", contacts, {"q": phone[-9:]}),
        (
            "campaign dashboard",
            try_reverse("campaigns:detail", (cid,)) or try_reverse("campaigns:dashboard", (cid,)),
            {},
        ),
    ]
    for tab in ("upcoming", "overdue", "personal", "common", "failed"):
        result.append((f"callbacks {tab}", callbacks, {"tab": tab}))
    result += [
        ("callbacks upcoming, one campaign", callbacks, {"tab": "upcoming", "campaign": cid}),
        ("callbacks overdue, one campaign", callbacks, {"tab": "overdue", "campaign": cid}),
        ("callbacks personal, one agent", callbacks, {"tab": "personal", "agent": agent.pk if agent else ""}),
        (
            "callback reschedule form",
            try_reverse("campaigns:callback_reschedule", (request.pk,)) if request else None,
            {},
        ),
        ("report (last 7 days)", report, {}),
        ("report, one campaign", report, {"campaign": cid}),
        ("report, one campaign, 30 days", report, {"campaign": cid, "date_from": from_date, "date_to": to_date}),
        ("report, connected outcome", report, {"outcome": outcome.pk if outcome else ""}),
        ("report, one agent", report, {"agent": agent.pk if agent else ""}),
        ("report, source lead", report, {"source": "lead"}),
        ("report, all campaigns, 180 days", report, {"date_from": to_date - timedelta(days=179), "date_to": to_date}),
        # The summary cards load after the page, in their own request: what a half-year aggregate costs.
        (
            "report summary fragment, 180 days",
            try_reverse("campaigns:report_summary"),
            {"date_from": to_date - timedelta(days=179), "date_to": to_date},
        ),
    ]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--slowest", type=int, default=0, help="print each page's N slowest queries")
    parser.add_argument(
        "--cold", action="store_true", help="clear Django's cache before every request: the cost of a cache miss"
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retryadmin.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    supervisor = User.objects.filter(groups__name="Supervisor").order_by("id").first()
    manager = User.objects.filter(groups__name="Campaign Manager").order_by("id").first()
    if supervisor is None or manager is None:
        print("No Supervisor or Campaign Manager: seed the database with bench/seed_scale.py first.")
        return 2
    clients = {}
    for user in (supervisor, manager):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[user.username] = client

    cold = ", cache cleared before each request" if args.cold else ""
    print(f"{connection.vendor} database {connection.settings_dict['NAME']}, median of {args.runs} runs{cold}")
    print(f"{'page':<36} {'status':>6} {'queries':>8} {'ms':>8}")
    results = {}
    for name, url, params in pages():
        if url is None:
            print(f"{name:<36} {'-':>6} {'-':>8} {'-':>8}  (no such page yet)")
            continue
        client = clients[supervisor.username]
        if client.get(url, params).status_code == 403:
            client = clients[manager.username]
        queries = QueryLog()
        if args.cold:
            cache.clear()
        with connection.execute_wrapper(queries):
            response = client.get(url, params)
        timings = []
        for _ in range(args.runs):
            if args.cold:
                cache.clear()
            started = time.perf_counter()
            client.get(url, params)
            timings.append((time.perf_counter() - started) * 1000)
        ms = round(statistics.median(timings), 1)
        results[name] = {"ms": ms, "queries": len(queries), "status": response.status_code}
        flag = "" if ms < TARGET_MS else "  SLOW"
        if name in AFTER_THE_PAGE:
            flag = "  (loads after the page)"
        print(f"{name:<36} {response.status_code:>6} {len(queries):>8} {ms:>8.1f}{flag}", flush=True)
        if args.slowest:
            for ms_taken, sql in sorted(queries, reverse=True)[: args.slowest]:
                print(f"    {ms_taken:8.1f} ms  {sql[:400]}")
    max_ms = max((r["ms"] for name, r in results.items() if name not in AFTER_THE_PAGE), default=0)
    print(json.dumps({"pages": results, "max_ms": max_ms, "target_ms": TARGET_MS}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
