"""CSV import of a do-not-call list: the contact import's reading, preview, job and progress, for numbers.

The file needs a header row with a phone column (the contact import's names: phone, mobile, msisdn...);
other columns are ignored. Every row is checked (a bad number or one repeated in the file is a row error,
by row number and field), and the good numbers are written a chunk at a time, each chunk in its own
transaction with the job's counters, so the progress page moves and a stopped worker leaves exactly what
its counts say. Numbers already on the list are counted, not changed. A list only protects: there is no
all-or-nothing mode, a bad row never keeps the good ones off the list.

Speed (bench/dnc_import.py): numbers already in E.164 skip phonenumbers' parser (do_not_call.check_number);
PostgreSQL takes each chunk by COPY into a temporary table and one INSERT ... SELECT ... ON CONFLICT DO
NOTHING; open contacts with listed numbers are stopped by two set-based UPDATEs at the end.
"""

from __future__ import annotations

import csv
import io
import logging
import queue
import threading
from datetime import date, timedelta

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from campaigns.imports import jobs
from campaigns.imports.checks import RowError
from campaigns.imports.jobs import chunked, job_status
from campaigns.imports.reading import (
    CsvRejected,
    Inspection,
    decode_upload,
    detect_columns,
    detect_delimiter,
    inspect_upload,
)
from campaigns.models import DoNotCallEntry, DoNotCallImport, DoNotCallList
from campaigns.services import do_not_call

logger = logging.getLogger(__name__)

RUN_DNC_IMPORT_TASK = "campaigns.tasks.run_dnc_import"
# Below SQLite's 32,766 bound parameters: a chunk's numbers go into one IN list there.
CHUNK_ROWS = 20_000
PREVIEW_ROWS = 10
MAX_STORED_ERRORS = 10_000

ENTRY_TABLE = DoNotCallEntry._meta.db_table


def _number_records(text: str, delimiter: str):
    """The contact import's csv_records (row numbers as in a spreadsheet, blank rows skipped, CsvRejected for
    broken CSV), with the blank test made cheap for the usual row whose first cell has the number."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous_line = 0
    try:
        for cells in reader:
            start = previous_line + 1
            previous_line = reader.line_num
            if cells and (cells[0].strip() or any(c.strip() for c in cells)):
                yield start, cells
    except csv.Error as error:
        raise CsvRejected(f"Line {previous_line + 1} is not valid CSV: {error}.") from None


def inspect_dnc_csv(upload, *, name: str = "") -> Inspection:
    """The file's phone column, row count and first rows. Raises CsvRejected with a message for the user
    when the file is too large, not CSV, not UTF-8, empty, without a phone column or has too many rows."""
    return inspect_upload(
        upload,
        name=name,
        max_bytes=settings.DNC_IMPORT_MAX_BYTES,
        max_rows=settings.DNC_IMPORT_MAX_ROWS,
        read_records=_number_records,
        rows_are="numbers",
    )


def preview_rows(job: DoNotCallImport) -> list[tuple[int, str, str | None, str | None]]:
    """(row, cell, E.164 number or None, problem or None) of the first rows of the stored file.
    Raises CsvRejected when the file can no longer be read as it was."""
    with job.file.open("rb") as handle:
        inspection = inspect_dnc_csv(handle)
    rows = []
    for row, cells in inspection.preview:
        cell = cells[inspection.columns.phone] if len(cells) > inspection.columns.phone else ""
        phone, problem = do_not_call.check_number(cell)
        rows.append((row, cell, phone, problem))
    return rows


@transaction.atomic
def create_dnc_import(
    *,
    do_not_call_list: DoNotCallList,
    upload,
    by,
    inspection: Inspection,
    reason: str = "",
    expires_on: date | None = None,
) -> DoNotCallImport:
    """Store an inspected upload as a pending job; nothing is listed until `confirm_dnc_import`."""
    upload.seek(0)
    job = DoNotCallImport(
        list=do_not_call_list,
        created_by=by,
        original_name=(upload.name or "")[:255],
        reason=(reason or "").strip()[: do_not_call.REASON_MAX],
        expires_on=expires_on,
        total_rows=inspection.total_rows,
    )
    job.file.save(f"dnc-list-{do_not_call_list.pk}.csv", upload, save=False)
    job.save()
    return job


def confirm_dnc_import(job: DoNotCallImport) -> bool:
    """Queue the import; False when it was already confirmed (a double click), and nothing more is queued."""
    with transaction.atomic():
        confirmed = DoNotCallImport.objects.filter(
            pk=job.pk, confirmed_at__isnull=True, status=DoNotCallImport.PENDING
        ).update(confirmed_at=timezone.now())
        if confirmed:
            transaction.on_commit(lambda: current_app.signature(RUN_DNC_IMPORT_TASK, args=(job.pk,)).delay())
    job.refresh_from_db()
    return bool(confirmed)


class _Stopped(Exception):
    """The job is no longer running under this run (swept as stalled): stop writing."""


class _Counters:
    def __init__(self, job: DoNotCallImport):
        self.job = job
        self.processed = self.imported = self.already = self.error_count = 0
        self.errors: list[dict] = []

    def add_errors(self, errors: list[RowError]) -> None:
        self.error_count += len({e.row for e in errors})
        room = MAX_STORED_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(e.as_dict() for e in errors[:room])

    def save(self, **extra) -> bool:
        return bool(
            DoNotCallImport.objects.filter(pk=self.job.pk, status=DoNotCallImport.RUNNING).update(
                processed_rows=self.processed,
                imported_rows=self.imported,
                already_listed=self.already,
                error_count=self.error_count,
                progress_at=timezone.now(),
                **extra,
            )
        )


def run_dnc_import(job_id: int) -> DoNotCallImport | None:
    """List a confirmed job's numbers. Returns the finished job, or None when it is missing, unconfirmed or
    already taken by another run (a duplicate delivery of the task)."""
    now = timezone.now()
    claimed = DoNotCallImport.objects.filter(
        pk=job_id, status=DoNotCallImport.PENDING, confirmed_at__isnull=False
    ).update(status=DoNotCallImport.RUNNING, started_at=now, progress_at=now, message="Listing numbers")
    if not claimed:
        return None
    job = DoNotCallImport.objects.select_related("list").get(pk=job_id)
    counters = _Counters(job)
    try:
        _run(job, counters)
        # Open contacts with the new numbers stop now (dispatch and allocation would skip them anyway).
        do_not_call.stop_all_listed(job.list)
        message = f"Listed {counters.imported:,} numbers"
        if counters.already:
            message += f"; {counters.already:,} were already on the list"
        message += f"; skipped {counters.error_count:,} bad rows." if counters.error_count else "."
        _finish(counters, DoNotCallImport.DONE, message)
    except _Stopped:
        logger.warning("Do-not-call import %s stopped: no longer running", job_id)
    except CsvRejected as error:
        _finish(counters, DoNotCallImport.FAILED, f"Stopped: {error} {counters.imported:,} numbers were listed.")
    except Exception:
        logger.exception("Do-not-call import %s failed", job_id)
        _finish(
            counters,
            DoNotCallImport.FAILED,
            f"The import stopped on an unexpected error after listing {counters.imported:,} numbers. "
            "The error was logged; import the file again (numbers already listed are counted, not doubled).",
        )
    job.refresh_from_db()
    return job


def _finish(counters: _Counters, status: str, message: str) -> None:
    counters.errors.sort(key=lambda e: (e["row"], e["field"]))
    counters.save(status=status, message=message, errors=counters.errors, finished_at=timezone.now())


def _checked_chunks(records, column: int):
    """(rows in the chunk, good E.164 numbers, row errors) per chunk of `records`: each number checked, and
    one already seen earlier in the file is an error. Raises CsvRejected when the file is broken CSV."""
    first_row_of: dict[str, int] = {}
    check = do_not_call.check_number
    for chunk in chunked(records, CHUNK_ROWS):
        phones, errors = [], []
        for row, cells in chunk:
            phone, problem = check(cells[column] if len(cells) > column else "")
            if problem:
                errors.append(RowError(row, "phone", problem))
                continue
            first = first_row_of.setdefault(phone, row)
            if first != row:
                errors.append(RowError(row, "phone", f"{phone} is already on row {first} of this file."))
                continue
            phones.append(phone)
        yield len(chunk), phones, errors


_DONE = object()


def _ahead(chunks, stop: threading.Event, out: queue.Queue) -> None:
    """Produce `chunks` into `out` (then _DONE, or the exception that ended them) until `stop` is set."""

    def put(item) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    try:
        for item in chunks:
            if not put(item):
                return
        put(_DONE)
    except Exception as error:  # handed to the writer, which raises it as its own
        put(error)


def _run(job: DoNotCallImport, counters: _Counters) -> None:
    with job.file.open("rb") as handle:
        text = decode_upload(handle.read())
    records = _number_records(text, detect_delimiter(text))
    header = next(records, None)
    if header is None:
        raise CsvRejected("The file is empty.")
    column = detect_columns(header[1]).phone
    # The next chunk is checked in a thread (pure Python, no database) while this one is written: the
    # database's time waiting on its socket releases the GIL, so the two overlap (bench/dnc_import.py).
    stop, ready = threading.Event(), queue.Queue(maxsize=2)
    checker = threading.Thread(target=_ahead, args=(_checked_chunks(records, column), stop, ready), daemon=True)
    checker.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, Exception):
                raise item
            rows, phones, errors = item
            counters.add_errors(errors)
            counters.processed += rows
            now = timezone.now()
            # The chunk's entries and the count that reports them commit together, or not at all.
            with transaction.atomic():
                added = write_entries(job, phones, now)
                counters.imported += added
                counters.already += len(phones) - added
                if not counters.save(total_rows=max(job.total_rows, counters.processed)):
                    raise _Stopped
    finally:
        stop.set()
        checker.join()


def write_entries(job: DoNotCallImport, phones: list[str], now) -> int:
    """Insert the numbers as import entries of the job's list, leaving ones already listed as they are.
    Returns how many were new."""
    if not phones:
        return 0
    by = job.created_by_id
    if connection.vendor == "postgresql":
        return _copy_entries(job, phones, now, by)
    sql = (
        f"INSERT INTO {ENTRY_TABLE} (list_id, phone, source, reason, added_by_id, added_at, expires_on) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (phone, list_id) DO NOTHING"
    )
    source = DoNotCallEntry.Source.IMPORT.value
    before = DoNotCallEntry.objects.filter(list_id=job.list_id).count()
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(job.list_id, p, source, job.reason, by, now, job.expires_on) for p in phones])
    return DoNotCallEntry.objects.filter(list_id=job.list_id).count() - before


def _copy_entries(job: DoNotCallImport, phones: list[str], now, by) -> int:
    """COPY the chunk's numbers not yet on the list straight into the entry table (one index probe for
    the ones already there). A number listed by someone else meanwhile breaks the COPY: the chunk is
    then written again through a temporary table with ON CONFLICT DO NOTHING."""
    columns = "(list_id, phone, source, reason, added_by_id, added_at, expires_on)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {ENTRY_TABLE} WHERE list_id = %s AND phone = ANY(%s)", [job.list_id, phones])  # noqa: S608
        there = {row[0] for row in cursor.fetchall()}
        new = [p for p in phones if p not in there] if there else phones
        if not new:
            return 0
        values = (job.list_id, DoNotCallEntry.Source.IMPORT.value, job.reason, by, now, job.expires_on)
        try:
            with transaction.atomic(), cursor.cursor.copy(f"COPY {ENTRY_TABLE} {columns} FROM STDIN") as copy:
                for phone in new:
                    copy.write_row((values[0], phone, *values[1:]))
            return len(new)
        except IntegrityError:
            pass
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS dnc_import_chunk (phone varchar(20)) ON COMMIT DELETE ROWS")
        with cursor.cursor.copy("COPY dnc_import_chunk (phone) FROM STDIN") as copy:
            copy.write("\n".join(new) + "\n")
        cursor.execute(
            f"INSERT INTO {ENTRY_TABLE} {columns} "  # noqa: S608
            "SELECT %s, phone, %s, %s, %s, %s, %s FROM dnc_import_chunk ON CONFLICT (phone, list_id) DO NOTHING",
            list(values),
        )
        return cursor.rowcount


def dnc_job_status(job: DoNotCallImport) -> dict:
    """The JSON the progress page polls: the contact import's, with the numbers already listed."""
    status = job_status(job)
    status.pop("listed_rows", None)
    status["already_listed"] = job.already_listed
    return status


def fail_stalled_dnc_imports(now=None) -> list[int]:
    """Fail every running list import whose progress has not moved for IMPORT_STALL_SECONDS (a dead worker);
    returns their ids. What it had listed stays listed: each chunk committed with its counts."""
    now = now or timezone.now()
    # The contact import's test of a stalled job: the same status, progress and start fields.
    stalled = jobs.stalled_jobs(now - timedelta(seconds=settings.IMPORT_STALL_SECONDS))
    failed = []
    for job in DoNotCallImport.objects.filter(stalled):
        message = (
            f"The import stopped (the worker was restarted) after {job.processed_rows:,} of {job.total_rows:,} rows;"
            f" {job.imported_rows:,} numbers were listed. Import the file again: numbers already listed are"
            " counted, not doubled."
        )
        if DoNotCallImport.objects.filter(stalled, pk=job.pk).update(
            status=DoNotCallImport.FAILED, message=message, finished_at=now
        ):
            failed.append(job.pk)
            logger.warning("Do-not-call import %s had no progress since %s; marked failed", job.pk, job.progress_at)
    return failed
