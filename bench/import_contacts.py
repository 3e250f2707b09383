"""Rows per second of the CSV contact import (campaigns.imports), upload check and task run.

Run: python bench/import_contacts.py [--rows N] [--mode all_or_nothing|skip_bad_rows] [--list-contacts N].
SQLite by default (a fresh file in a temporary folder); with DATABASE_URL=postgres://... a fresh test
database on that server (test_<name>, dropped afterwards). The file has name, phone, zone-less rows and
two custom columns, with 1% bad rows in skip mode. With --list-contacts N the contact list page's
service (filter + keyset page + capped count) is timed over N contacts. The last line is JSON.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retryadmin.settings.test")

WORK = Path(tempfile.mkdtemp(prefix="bench-import-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORK / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_MEDIA_ROOT", str(WORK / "media"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def csv_bytes(rows: int, bad_every: int | None) -> bytes:
    lines = ["name,phone,plan,city"]
    for i in range(rows):
        # +44 7911 xxxxxx and +91 98xxxxxxxx are valid mobile ranges; alternate them for two zones.
        phone = f"+447911{i:06d}" if i % 2 else f"+9198{i:08d}"
        if bad_every and i % bad_every == 0:
            phone = "12345"
        lines.append(f"Person {i},{phone},Gold,City {i % 50}")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--mode", choices=["all_or_nothing", "skip_bad_rows"], default="all_or_nothing")
    parser.add_argument("--list-contacts", type=int, default=0)
    args = parser.parse_args()

    settings.DATABASES["default"].setdefault("TEST", {})
    if connection.vendor == "sqlite":
        settings.DATABASES["default"]["TEST"]["NAME"] = str(WORK / "test.sqlite3")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args) -> None:
    from campaigns.imports import jobs, reading
    from campaigns.models import Campaign, Contact, ImportJob
    from campaigns.queries import contacts as contact_queries

    campaign = Campaign.objects.create(name="Bench", zone="Europe/London")
    data = csv_bytes(args.rows, 100 if args.mode == "skip_bad_rows" else None)
    upload = SimpleUploadedFile("bench.csv", data, content_type="text/csv")

    started = time.perf_counter()
    inspection = reading.inspect_csv(upload, name="bench.csv")
    job = jobs.create_import_job(campaign=campaign, upload=upload, mode=args.mode, by=None, inspection=inspection)
    inspected = time.perf_counter() - started

    ImportJob.objects.filter(pk=job.pk).update(confirmed_at=django.utils.timezone.now())
    started = time.perf_counter()
    job = jobs.run_import_job(job.pk)
    ran = time.perf_counter() - started

    result = {
        "database": connection.vendor,
        "mode": args.mode,
        "rows": args.rows,
        "bytes": len(data),
        "status": job.status,
        "imported": job.imported_rows,
        "bad_rows": job.error_count,
        "upload_check_seconds": round(inspected, 2),
        "import_seconds": round(ran, 2),
        "rows_per_second": round(args.rows / ran),
    }
    print(f"upload check (size, UTF-8, CSV, header, count): {inspected:.2f} s")
    print(f"import task: {ran:.2f} s, {args.rows / ran:,.0f} rows/s, {job.imported_rows:,} imported")

    if args.list_contacts:
        have = Contact.objects.filter(campaign=campaign).count()
        batch = []
        for i in range(have, args.list_contacts):
            batch.append(Contact(campaign=campaign, phone=f"+447400{i:06d}", name=f"Extra {i}"))
            if len(batch) == 10_000:
                Contact.objects.bulk_create(batch)
                batch = []
        Contact.objects.bulk_create(batch)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE campaigns_contact")
        timings = {}
        for label, filters, after in [
            ("first page", {}, None),
            ("deep page", {}, args.list_contacts - 1000),
            ("status filter", {"status": "pending"}, None),
            ("name search", {"q": "Extra 99"}, None),
            ("phone search", {"q": "+4474000000"}, None),
        ]:
            started = time.perf_counter()
            for _ in range(5):
                page = contact_queries.contact_page(contact_queries.filter_contacts(campaign, **filters), after=after)
            timings[label] = round((time.perf_counter() - started) / 5 * 1000, 1)
            print(f"contact list, {label}: {timings[label]} ms ({page.count}{'+' if page.count_capped else ''})")
        result["contact_list_ms"] = timings
        result["contacts"] = args.list_contacts
    print(json.dumps(result))


if __name__ == "__main__":
    main()
