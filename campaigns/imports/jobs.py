"""CSV import of contacts: inspect the upload, preview it, then import it in chunks from a Celery task.

The flow: `inspect_csv` refuses bad files before anything is stored (the upload form shows its
message); `create_import_job` keeps the file as a pending ImportJob; the uploader sees a preview and
`confirm_import` queues `campaigns.tasks.run_import` on commit; the task calls `run_import_job`,
which validates every row, reports bad rows by row number and field, and writes contacts with
one executemany per chunk, updating the job's counters after each chunk so the progress page moves.

All or nothing: every row is checked first (progress counts checked rows), and only when none is bad
are the contacts written, in one transaction. Skip bad rows: each chunk's good rows are written in
their own transaction as soon as the chunk is checked.

A worker killed mid-import leaves its job "running": `fail_stalled_imports` (a beat task) marks a job
failed once its progress has not moved for IMPORT_STALL_SECONDS. Each progress save and the final
write are conditional on the job still running, in the same transaction as the contacts they count,
so a swept job's counts are exactly what was committed, and a late worker cannot write behind it.
"""

from __future__ import annotations

import csv
import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.imports.checks import GoodRow, RowChecker, _check_chunk, existing_phones, taken_errors
from campaigns.imports.reading import (
    CsvRejected,
    Inspection,
    csv_records,
    decode_upload,
    detect_columns,
    detect_delimiter,
)
from campaigns.imports.writer import (
    ImportStopped,
    _Run,
    insert_contacts,
    insert_marked,
    insert_skipping_taken,
    split_listed,
)
from campaigns.models import Campaign, ImportJob
from campaigns.queries.counts import forget_counts
from retryadmin.lib.csvcells import neutralise_row

logger = logging.getLogger(__name__)


# `campaigns.imports.tasks` runs this module's jobs, so it is named here rather than imported.
RUN_IMPORT_TASK = "campaigns.tasks.run_import"
CHUNK_ROWS = 2_000


@transaction.atomic
def create_import_job(
    *, campaign: Campaign, upload, mode: str, by, inspection: Inspection, listed_handling: str = ImportJob.LISTED_SKIP
) -> ImportJob:
    """Store an inspected upload as a pending job; nothing is imported until `confirm_import`."""
    upload.seek(0)
    job = ImportJob(
        campaign=campaign,
        created_by=by,
        original_name=(upload.name or "")[:255],
        mode=mode,
        listed_handling=listed_handling,
        total_rows=inspection.total_rows,
    )
    job.file.save(f"campaign-{campaign.pk}.csv", upload, save=False)
    job.save()
    return job


def confirm_import(job: ImportJob) -> bool:
    """Queue the import once the preview is confirmed; False when it was already confirmed (a double
    click), in which case nothing more is queued."""
    with transaction.atomic():
        confirmed = ImportJob.objects.filter(pk=job.pk, confirmed_at__isnull=True, status=ImportJob.PENDING).update(
            confirmed_at=timezone.now()
        )
        if confirmed:
            transaction.on_commit(lambda: publish_import(job.pk))
    job.refresh_from_db()
    return bool(confirmed)


def start_deadline_seconds() -> float:
    return settings.IMPORT_START_SECONDS


def start_give_up_seconds() -> float:
    return settings.IMPORT_START_GIVE_UP_SECONDS


def publish_import(job_id: int) -> bool:
    """Send the import's task; False (logged, nothing raised) when the broker refuses it. The job stays
    confirmed and pending, and `restart_unstarted_imports` sends it again within a minute."""
    try:
        current_app.signature(RUN_IMPORT_TASK, args=(job_id,)).apply_async(retry=False)
    except Exception as exc:  # kombu and redis raise many types for "broker unreachable"; all mean the same
        logger.warning("import %s: could not queue its task (%s); it is sent again within a minute", job_id, exc)
        return False
    return True


def restart_unstarted_imports(now=None) -> tuple[list[int], list[int]]:
    """Beat: a job confirmed more than IMPORT_START_SECONDS ago and still pending (its message was lost, or
    the broker was down when it was confirmed) is published again; one still pending after
    IMPORT_START_GIVE_UP_SECONDS is failed with a message. Returns (ids published again, ids failed). The
    task's own conditional start makes a second message for a job harmless."""
    now = now or timezone.now()
    waiting = ImportJob.objects.filter(
        status=ImportJob.PENDING,
        confirmed_at__lt=now - timedelta(seconds=start_deadline_seconds()),
    )
    give_up = now - timedelta(seconds=start_give_up_seconds())
    failed = []
    for job_id in waiting.filter(confirmed_at__lt=give_up).values_list("pk", flat=True):
        minutes = int(start_give_up_seconds() // 60)
        if ImportJob.objects.filter(pk=job_id, status=ImportJob.PENDING).update(
            status=ImportJob.FAILED,
            finished_at=now,
            message=f"The import never started: the task queue did not take it for {minutes} minutes. "
            "Nothing was imported; upload the file again.",
        ):
            failed.append(job_id)
    published = [job_id for job_id in waiting.values_list("pk", flat=True) if publish_import(job_id)]
    return published, failed


def chunked(records, size: int):
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_import_job(job_id: int) -> ImportJob | None:
    """Import a confirmed job's file. Returns the finished job, or None when the job is missing,
    unconfirmed or already taken by another run (a duplicate delivery of the task)."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.PENDING, confirmed_at__isnull=False).update(
        status=ImportJob.RUNNING, started_at=now, progress_at=now, message="Checking rows"
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("campaign").get(pk=job_id)
    run = _Run(job)
    keep_all = job.mode == ImportJob.ALL_OR_NOTHING
    try:
        _run(job, run)
    except ImportStopped:
        logger.warning("Import job %s was failed by the stall sweep while still running; stopped", job_id)
    except CsvRejected as error:
        run.finish(ImportJob.FAILED, f"Nothing was imported: {error}")
    except Exception:
        logger.exception("Import job %s failed", job_id)
        if keep_all:
            run.imported = 0
        run.finish(
            ImportJob.FAILED,
            "The import stopped on an unexpected error"
            + (" and nothing was imported." if keep_all else f" after {run.imported:,} contacts.")
            + " The error was logged; try again or contact support.",
        )
    job.refresh_from_db()
    return job


def _run(job: ImportJob, run: _Run) -> None:
    campaign = job.campaign
    with job.file.open("rb") as handle:
        text = decode_upload(handle.read())
    delimiter = detect_delimiter(text)
    records = csv_records(text, delimiter)
    header = next(records, None)
    if header is None:
        raise CsvRejected("The file is empty.")
    checker = RowChecker(campaign, detect_columns(header[1]))
    keep_all = job.mode == ImportJob.ALL_OR_NOTHING
    pending: list[GoodRow] = []
    pending_marked: list[GoodRow] = []
    for chunk in chunked(records, CHUNK_ROWS):
        good, errors = _check_chunk(checker, campaign, chunk)
        good, marked = split_listed(campaign, good, job, run)
        run.add_errors(errors)
        run.processed += len(chunk)
        if keep_all:
            pending.extend(good)
            pending_marked.extend(marked)
            run.save_progress(total_rows=max(job.total_rows, run.processed))
            continue
        # The chunk's contacts and the count that reports them commit together (or not at all when the
        # job was swept meanwhile), so imported_rows is always what the campaign holds.
        with transaction.atomic():
            if good or marked:
                run.imported += insert_skipping_taken(campaign, good, run, marked)
            run.save_progress(total_rows=max(job.total_rows, run.processed))

    if not keep_all:
        message = f"Imported {run.imported:,} contacts"
        message += _listed_phrase(job, run)
        message += f"; skipped {run.error_count:,} bad rows." if run.error_count else "."
        run.finish(ImportJob.DONE, message)
        return
    if run.error_count:
        run.finish(
            ImportJob.FAILED,
            f"Nothing was imported: {run.error_count:,} rows have errors. Fix them and import the file again.",
        )
        return
    run.save_progress(message=f"Saving {len(pending) + len(pending_marked):,} contacts")
    try:
        with transaction.atomic():
            for start in range(0, len(pending), CHUNK_ROWS):
                insert_contacts(campaign, pending[start : start + CHUNK_ROWS])
            for start in range(0, len(pending_marked), CHUNK_ROWS):
                insert_marked(campaign, pending_marked[start : start + CHUNK_ROWS])
            run.imported = len(pending) + len(pending_marked)
            # "Done" commits with the contacts: swept meanwhile, the job stays failed and they roll back.
            if not run.finish(ImportJob.DONE, f"Imported {run.imported:,} contacts{_listed_phrase(job, run)}."):
                raise ImportStopped
    except IntegrityError:
        # Someone added one of these numbers between the check and the write: the transaction is gone.
        pending = pending + pending_marked
        taken = set()
        for start in range(0, len(pending), CHUNK_ROWS):
            taken |= existing_phones(campaign, [g.phone for g in pending[start : start + CHUNK_ROWS]])
        run.add_errors(taken_errors(pending, taken))
        run.imported = 0
        run.finish(ImportJob.FAILED, "Nothing was imported: some numbers were added to the campaign meanwhile.")


def _listed_phrase(job: ImportJob, run: _Run) -> str:
    if not run.listed:
        return ""
    if job.listed_handling == ImportJob.LISTED_MARK:
        return f" ({run.listed:,} on a do-not-call list, imported marked do not call)"
    return f"; skipped {run.listed:,} numbers on a do-not-call list"


def stalled_jobs(cutoff) -> Q:
    # progress_at is empty for jobs started before it existed: their start time stands in.
    return Q(status=ImportJob.RUNNING) & (
        Q(progress_at__lt=cutoff) | Q(progress_at__isnull=True, started_at__lt=cutoff)
    )


def stalled_message(job: ImportJob) -> str:
    """What the progress page says about a job whose worker stopped, from its last saved counts."""
    stopped = f"The import stopped (the worker was restarted) after {job.processed_rows:,} of {job.total_rows:,} rows"
    if job.mode == ImportJob.ALL_OR_NOTHING or not job.imported_rows:
        # All or nothing writes only in its final transaction, which a dead worker never committed.
        done = "nothing was imported"
    else:
        done = f"{job.imported_rows:,} rows were imported"
    if job.mode == ImportJob.ALL_OR_NOTHING:
        return f"{stopped}; {done}. Import the file again."
    return (
        f"{stopped}; {done}, run the file again with skip-bad-rows to add the rest "
        "(rows already imported are reported as duplicates)."
    )


def fail_stalled_imports(now=None) -> list[int]:
    """Fail every running job whose progress has not moved for IMPORT_STALL_SECONDS; returns their ids
    (empty when none). A job that saves progress meanwhile no longer matches the conditional update and
    is left running; a job already failed is not touched again."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.IMPORT_STALL_SECONDS)
    failed = []
    for job in ImportJob.objects.filter(stalled_jobs(cutoff)).select_related("campaign"):
        updated = ImportJob.objects.filter(stalled_jobs(cutoff), pk=job.pk).update(
            status=ImportJob.FAILED, message=stalled_message(job), finished_at=now
        )
        if updated:
            failed.append(job.pk)
            logger.warning("Import job %s had no progress since %s; marked failed", job.pk, job.progress_at)
            if job.imported_rows:
                forget_counts(job.campaign)
    return failed


def job_status(job: ImportJob) -> dict:
    """The JSON the progress page polls."""
    total = job.total_rows or 0
    percent = (
        100
        if job.status in (ImportJob.DONE, ImportJob.FAILED)
        else (min(100, int(job.processed_rows * 100 / total)) if total else 0)
    )
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": job.get_status_display(),
        "confirmed": job.confirmed_at is not None,
        "total_rows": total,
        "processed_rows": job.processed_rows,
        "imported_rows": job.imported_rows,
        "listed_rows": getattr(job, "listed_rows", 0),
        "error_count": job.error_count,
        "percent": percent,
        "message": job.message,
        "finished": job.status in (ImportJob.DONE, ImportJob.FAILED),
    }


def write_error_report(job: ImportJob, out) -> None:
    """The job's row errors as CSV (row, field, message) into the text stream `out`."""
    writer = csv.writer(out)
    writer.writerow(["row", "field", "message"])
    for error in job.errors:
        # The field and message quote the uploaded file: a cell of it may be a formula.
        writer.writerow(neutralise_row([error.get("row"), error.get("field"), error.get("message")]))
