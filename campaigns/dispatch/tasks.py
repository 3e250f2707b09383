"""Celery tasks of dispatch: thin, they take ids and call one function that re-reads the rows.

Their names keep the `campaigns.tasks.` prefix they were first published under: beat's schedule and
messages already queued refer to them by name.
"""

import logging

from celery import shared_task

from campaigns.dispatch import claim, sweep
from campaigns.dispatch.dial import dial_claimed, dial_claimed_batch

logger = logging.getLogger(__name__)

DIAL_BATCH_TASK = "campaigns.tasks.dial_batch"


@shared_task(name="campaigns.tasks.dispatch_due", ignore_result=True)
def dispatch_due(batch_size: int = 500) -> dict | None:
    """Beat, every DISPATCH_INTERVAL_SECONDS: claim due requests and hand them off. Returns the run's
    counts, or None when another dispatcher holds the lock."""
    result = claim.run_dispatch(batch_size=batch_size)
    if result is None:
        return None
    summary = result.summary()
    if result.claimed:
        logger.info("dispatch: %s", summary)
    return summary


@shared_task(name="campaigns.tasks.dial", ignore_result=True)
def dial(request_id: int, claim_token: str) -> str:
    """Dial one claimed request if the token still matches; a stale or duplicate message does nothing."""
    return dial_claimed(request_id, claim_token)


@shared_task(name=DIAL_BATCH_TASK, ignore_result=True)
def dial_batch(pairs: list) -> dict:
    """`dial` for a list of [request_id, claim_token] pairs published by one claim batch."""
    return dial_claimed_batch(pairs)


@shared_task(name="campaigns.tasks.sweep_leases", ignore_result=True)
def sweep_leases() -> dict:
    """Beat: expired leases go back to scheduled (or failed after DISPATCH_MAX_ATTEMPTS); accepted calls with
    no telephony result after DIALER_RESULT_TIMEOUT get a "no result from the dialer" attempt."""
    result = sweep.sweep_leases()
    return {"released": result.released, "failed": result.failed, "no_result": sweep.expire_dial_results()}
