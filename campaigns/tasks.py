"""Celery tasks of the campaigns app. Thin: they take ids, and call one service that re-reads the rows.

Dispatch tasks first (campaigns.dispatch); other areas append theirs below.
"""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)

# --- Dispatch ------------------------------------------------------------------------------------


@shared_task(ignore_result=True)
def dispatch_due(batch_size: int = 500) -> dict | None:
    """Beat, every DISPATCH_INTERVAL_SECONDS: claim due requests and hand them off. Returns the run's
    counts, or None when another dispatcher holds the lock."""
    from . import dispatch

    result = dispatch.run_dispatch(batch_size=batch_size)
    if result is None:
        return None
    summary = result.summary()
    if result.claimed:
        logger.info("dispatch: %s", summary)
    return summary


@shared_task(ignore_result=True)
def dial(request_id: int, claim_token: str) -> str:
    """Dial one claimed request if the token still matches; a stale or duplicate message does nothing."""
    from . import dispatch

    return dispatch.dial_claimed(request_id, claim_token)


@shared_task(ignore_result=True)
def dial_batch(pairs: list) -> dict:
    """`dial` for a list of [request_id, claim_token] pairs published by one claim batch."""
    from . import dispatch

    return dispatch.dial_claimed_batch(pairs)


@shared_task(ignore_result=True)
def sweep_leases() -> dict:
    """Beat: expired leases go back to scheduled (or failed after DISPATCH_MAX_ATTEMPTS)."""
    from . import dispatch

    result = dispatch.sweep_leases()
    return {"released": result.released, "failed": result.failed}


@shared_task(ignore_result=True)
def expire_personal_redials() -> int | None:
    """Beat: personal redials past their grace become common (campaigns.services). Returns None while
    that service does not exist yet."""
    from . import services

    expire = getattr(services, "expire_personal_redials", None)
    if expire is None:
        return None
    return expire()


# --- End of dispatch -----------------------------------------------------------------------------

# --- Imports -------------------------------------------------------------------------------------


@shared_task(ignore_result=True)
def run_import(job_id: int) -> int | None:
    """Import a confirmed CSV job (campaigns.imports). Returns the rows imported, or None when the job
    is missing, unconfirmed or already run (a duplicate message)."""
    from . import imports

    job = imports.run_import_job(job_id)
    return None if job is None else job.imported_rows


@shared_task(ignore_result=True)
def fail_stalled_imports() -> int:
    """Beat: running imports whose progress has not moved for IMPORT_STALL_SECONDS (a dead worker) are
    marked failed (campaigns.imports). Returns how many."""
    from . import imports

    return len(imports.fail_stalled_imports())
