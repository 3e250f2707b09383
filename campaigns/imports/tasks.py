"""Celery tasks of CSV imports: thin, they take ids and call one function of `jobs`."""

from celery import shared_task

from campaigns.imports import do_not_call, jobs

RUN_IMPORT_TASK = "campaigns.tasks.run_import"


@shared_task(name=RUN_IMPORT_TASK, ignore_result=True)
def run_import(job_id: int) -> int | None:
    """Import a confirmed CSV job. Returns the rows imported, or None when the job is missing,
    unconfirmed or already run (a duplicate message)."""
    job = jobs.run_import_job(job_id)
    return None if job is None else job.imported_rows


@shared_task(name="campaigns.tasks.fail_stalled_imports", ignore_result=True)
def fail_stalled_imports() -> int:
    """Beat, every minute: running imports (of contacts and of do-not-call lists) whose progress has not moved
    for IMPORT_STALL_SECONDS (a dead worker) are marked failed; confirmed contact imports not started within
    IMPORT_START_SECONDS are sent again (failed after IMPORT_START_GIVE_UP_SECONDS). Returns how many were
    failed."""
    failed = len(jobs.fail_stalled_imports()) + len(do_not_call.fail_stalled_dnc_imports())
    published, never_started = jobs.restart_unstarted_imports()
    return failed + len(never_started)


@shared_task(name=do_not_call.RUN_DNC_IMPORT_TASK, ignore_result=True)
def run_dnc_import(job_id: int) -> int | None:
    """List a confirmed do-not-call CSV job's numbers. Returns the numbers added, or None when the job is
    missing, unconfirmed or already run (a duplicate message)."""
    job = do_not_call.run_dnc_import(job_id)
    return None if job is None else job.imported_rows
