"""Time the Django admin's changelists, searches, filters and autocompletes on a database seeded by
bench/seed_scale.py.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale_lists python bench/admin_pages.py [--runs 3]

Each page is requested through Django's test Client (HTTP_HOST=localhost) as the seed's superuser,
once to count queries and then --runs times for the median wall-clock time. --slowest N prints each
page's N slowest queries. The last line is JSON:
{"pages": {name: {"ms": median, "queries": n, "status": code}}, "max_ms": ..., "target_ms": 300}.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.list_pages import QueryLog  # noqa: E402 - the path is set just above

TARGET_MS = 300


def pages() -> list[tuple[str, str, dict]]:
    from django.urls import reverse

    from campaigns.models import Attempt, Campaign, Contact, RedialRequest

    def changelist(app: str, model: str) -> str:
        return reverse(f"admin:{app}_{model}_changelist")

    contacts = changelist("campaigns", "contact")
    attempts = changelist("campaigns", "attempt")
    redials = changelist("campaigns", "redialrequest")
    campaign_id = Campaign.objects.order_by("id").values_list("id", flat=True).first() or 1
    # A contact with attempts and a redial request, so the searches find something.
    contact = Contact.objects.filter(redial_requests__isnull=False).order_by("id").first()
    phone = contact.phone if contact else "+447911000001"
    name = contact.name if contact else "Contact 1"
    call_id = (
        Attempt.objects.exclude(provider_call_id="").order_by("id").values_list("provider_call_id", flat=True).first()
        or "CA-no-such-call"
    )
    due = RedialRequest.objects.order_by("id").values_list("due_at", flat=True).first()
    autocomplete = reverse("admin:autocomplete")
    redial_fk = {"app_label": "campaigns", "model_name": "redialrequest"}
    return [
        ("contacts", contacts, {}),
        ("contacts, page 5", contacts, {"p": 5}),
        ("contacts, phone search", contacts, {"q": phone}),
        ("contacts, local digits search", contacts, {"q": phone[-9:]}),
        ("contacts, name search", contacts, {"q": name}),
        ("contacts, name search, no match", contacts, {"q": "Nobody Smith"}),
        ("contacts, status filter", contacts, {"status__exact": "done"}),
        ("contacts, campaign filter", contacts, {"campaign__id__exact": campaign_id}),
        ("attempts", attempts, {}),
        ("attempts, phone search", attempts, {"q": phone}),
        ("attempts, phone search, no match", attempts, {"q": "+15550001234"}),
        ("attempts, call id search", attempts, {"q": call_id}),
        ("attempts, campaign filter", attempts, {"campaign__id__exact": campaign_id}),
        ("attempts, source filter", attempts, {"source__exact": "callback"}),
        ("redials", redials, {}),
        ("redials, common", redials, {"ownership": "common"}),
        ("redials, personal", redials, {"ownership": "personal"}),
        ("redials, overdue", redials, {"due": "overdue"}),
        ("redials, upcoming", redials, {"due": "upcoming"}),
        ("redials, failed", redials, {"status__exact": "failed"}),
        ("redials, campaign filter", redials, {"campaign__id__exact": campaign_id}),
        ("redials, phone search", redials, {"q": phone}),
        ("redials, name search", redials, {"q": name}),
        ("redials, year", redials, {"due_at__year": due.year} if due else {}),
        ("redials, month", redials, {"due_at__year": due.year, "due_at__month": due.month} if due else {}),
        (
            "redials, day",
            redials,
            {"due_at__year": due.year, "due_at__month": due.month, "due_at__day": due.day} if due else {},
        ),
        ("campaigns", changelist("campaigns", "campaign"), {}),
        ("dial plans", changelist("campaigns", "dialplan"), {}),
        ("import jobs", changelist("campaigns", "importjob"), {}),
        ("lead submissions", changelist("campaigns", "leadsubmission"), {}),
        ("webhook events", changelist("campaigns", "webhookevent"), {}),
        ("agent sessions", changelist("wrapup", "agentsession"), {}),
        ("strategies", changelist("strategies", "strategy"), {}),
        ("outcomes", changelist("strategies", "outcome"), {}),
        ("provider mappings", changelist("strategies", "providermapping"), {}),
        ("call results", changelist("strategies", "callresult"), {}),
        ("auto classifications", changelist("strategies", "autoclassification"), {}),
        ("autocomplete contact", autocomplete, {**redial_fk, "field_name": "contact"}),
        ("autocomplete contact, phone", autocomplete, {**redial_fk, "field_name": "contact", "term": phone}),
        ("autocomplete contact, name", autocomplete, {**redial_fk, "field_name": "contact", "term": name}),
        ("autocomplete campaign", autocomplete, {**redial_fk, "field_name": "campaign"}),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slowest", type=int, default=0, help="print each page's N slowest queries")
    parser.add_argument("--only", default="", help="time only pages whose name contains this")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retryadmin.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
    if admin is None:
        print("No superuser: seed the database with bench/seed_scale.py first.")
        return 2
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)

    print(f"{connection.vendor} database {connection.settings_dict['NAME']}, median of {args.runs} runs")
    print(f"{'page':<36} {'status':>6} {'queries':>8} {'ms':>8}")
    results = {}
    for name, url, params in pages():
        if args.only and args.only not in name:
            continue
        queries = QueryLog()
        with connection.execute_wrapper(queries):
            response = client.get(url, params)
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            client.get(url, params)
            timings.append((time.perf_counter() - started) * 1000)
        ms = round(statistics.median(timings), 1)
        results[name] = {"ms": ms, "queries": len(queries), "status": response.status_code}
        flag = "" if ms < TARGET_MS else "  SLOW"
        print(f"{name:<36} {response.status_code:>6} {len(queries):>8} {ms:>8.1f}{flag}", flush=True)
        if args.slowest:
            for ms_taken, sql in sorted(queries, reverse=True)[: args.slowest]:
                print(f"    {ms_taken:8.1f} ms  {sql[:600]}")
    max_ms = max((r["ms"] for r in results.values()), default=0)
    print(json.dumps({"pages": results, "max_ms": max_ms, "target_ms": TARGET_MS}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
