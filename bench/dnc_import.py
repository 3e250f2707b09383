"""Import rate of a do-not-call list: N numbers from a CSV file through campaigns.imports.do_not_call.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/dnc_import.py --rows 1000000

Creates (drops first) the scratch database `bench_dnc_import` on that PostgreSQL server,
migrates it, writes a CSV of N distinct valid numbers (UK mobiles, US and Indian numbers in E.164, one in
twenty written with spaces so the full phonenumbers rule runs too), then times `run_dnc_import` end to end:
reading, checking every row, writing entries (COPY on PostgreSQL), progress saves. A second run of the
same file measures the "already listed" path. Last line JSON:
{"rows": N, "seconds": S, "per_second": R, "listed": L, "rerun_seconds": S2, "cpu_seconds": C, "load_average": A}.
"""

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import use_scratch_database  # noqa: E402

SCRATCH_DB = "bench_dnc_import"


def numbers(rows: int, seed: int = 17) -> list[str]:
    """`rows` distinct valid numbers: UK mobiles, New York and Indian mobiles, some written loosely."""
    rng = random.Random(seed)
    chosen, out = set(), []
    while len(out) < rows:
        kind = rng.random()
        if kind < 0.5:
            number = f"+4477{rng.randint(10000000, 99999999)}"
        elif kind < 0.8:
            number = f"+1212{rng.randint(2000000, 9999999)}"
        else:
            number = f"+919{rng.randint(100000000, 999999999)}"
        if number in chosen:
            continue
        chosen.add(number)
        if rng.random() < 0.05:
            number = f"{number[:3]} {number[3:7]} {number[7:]}"
        out.append(number)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    use_scratch_database(SCRATCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retryadmin.settings.local")
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0, interactive=False)
    from campaigns.imports import do_not_call as dnc_import
    from campaigns.models import DoNotCallEntry
    from campaigns.services import do_not_call

    data = ("phone\n" + "\n".join(numbers(args.rows)) + "\n").encode()
    listing = do_not_call.organisation_list()
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        timings, cpu = [], []
        for _ in range(2):
            upload = SimpleUploadedFile("bench.csv", data, content_type="text/csv")
            inspection = dnc_import.inspect_dnc_csv(upload, name="bench.csv")
            job = dnc_import.create_dnc_import(do_not_call_list=listing, upload=upload, by=None, inspection=inspection)
            type(job).objects.filter(pk=job.pk).update(confirmed_at=job.created_at)
            started, cpu_started = time.perf_counter(), time.process_time()
            job = dnc_import.run_dnc_import(job.pk)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            print(f"run: {job.status} {job.message} in {timings[-1]:.1f} s ({cpu[-1]:.1f} s CPU here)", flush=True)
    listed = DoNotCallEntry.objects.filter(list=listing).count()
    print(
        json.dumps(
            {
                "rows": args.rows,
                "seconds": round(timings[0], 2),
                "per_second": round(args.rows / timings[0]),
                "listed": listed,
                "rerun_seconds": round(timings[1], 2),
                # This process's CPU time: on a shared machine the wall time also counts others' turns.
                "cpu_seconds": round(cpu[0], 2),
                "load_average": round(os.getloadavg()[0], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
