"""Dispatch of due redial requests: claim, re-check (campaigns.dispatch.recheck), hand off, dial, sweep expired leases.

The database row is the schedule. A claim moves `scheduled -> claimed` with a fresh claim_token and a
lease; only the holder of that token may move it on (`claimed -> dialing` in `campaigns.dispatch.dial`). A lost
worker or message leaves the row claimed until its lease expires; `sweep_leases` then puts it back to
`scheduled` (or `failed` after DISPATCH_MAX_ATTEMPTS). A stale or duplicate message carries an old
token and changes nothing. So a request is dialed at most once per claim and never lost.

PostgreSQL claims with one `WITH ... FOR UPDATE SKIP LOCKED ... UPDATE ... RETURNING` per batch, so any
number of dispatchers can run at once; `run_dispatch` also takes an advisory lock so a second beat
simply skips. SQLite (the demo database, one writer at a time) claims row by row with a conditional
UPDATE that checks the row count.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from campaigns.dispatch.dial import lease_seconds
from campaigns.dispatch.handoff import DialPublisher
from campaigns.dispatch.recheck import RECENT_HISTORY, CampaignCache, ClaimedRow, Verdicts, recheck_batch
from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from campaigns.services import blocking, do_not_call
from strategies import engine

logger = logging.getLogger(__name__)


# pg_try_advisory_lock key of a dispatch run ("RADISP" in ASCII, fits a bigint).
DISPATCH_LOCK_KEY = 0x524144495350


TABLE = RedialRequest._meta.db_table


CONTACT_TABLE = Contact._meta.db_table


CAMPAIGN_TABLE = Campaign._meta.db_table


ATTEMPT_TABLE = Attempt._meta.db_table


@dataclass
class ClaimResult:
    """What one `claim_due` did. `ready` and `dialing` hold the hand-offs; the counts the rest."""

    batches: int = 0
    claimed: int = 0
    ready: list[int] = field(default_factory=list)
    dialing: list[tuple[int, str]] = field(default_factory=list)  # (id, claim_token) published to the dialer
    replanned: int = 0
    cancelled: int = 0
    closed: int = 0
    unpublished: int = 0  # released back to scheduled because the broker refused the message
    blocked: dict[int, str] = field(default_factory=dict)  # campaign id -> why its dispatch is blocked

    def summary(self) -> dict:
        return {
            "batches": self.batches,
            "claimed": self.claimed,
            "ready": len(self.ready),
            "dialing": len(self.dialing),
            "replanned": self.replanned,
            "cancelled": self.cancelled,
            "closed": self.closed,
            "unpublished": self.unpublished,
            "blocked": len(self.blocked),
        }


# Table names come from the models, never from input; values are bound parameters.
# Per active campaign, its earliest due rows from the scheduled-only (campaign, due_at) index, then the
# earliest of those: each campaign costs one short index range scan whatever the backlog (rows claimed by
# earlier batches have left the index), so the plan cannot flip to a hash join and sort of every due row.
# `skip` holds campaigns whose dispatch is blocked.
# What the re-check reads of each claimed row's contact (status, zone, recent attempts, rule 8) comes back
# with the claim: one statement per batch.
_PG_CLAIM = f"""
WITH due AS MATERIALIZED (
    SELECT d.id FROM {CAMPAIGN_TABLE} c
    CROSS JOIN LATERAL (
        SELECT r.id, r.due_at FROM {TABLE} r
        WHERE r.campaign_id = c.id AND r.status = 'scheduled' AND r.due_at <= %(now)s
        ORDER BY r.due_at
        LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED
    ) d
    WHERE c.status = 'active' AND NOT (c.id = ANY(%(skip)s))
    ORDER BY d.due_at
    LIMIT %(limit)s
), claimed AS (
    UPDATE {TABLE} r
    SET status = 'claimed', claim_token = gen_random_uuid(), claimed_at = %(now)s, lease_expires_at = %(lease)s,
        dispatch_attempts = r.dispatch_attempts + 1, updated_at = %(now)s
    -- An array of ids, probed through the primary key: a join with the CTE turns into a hash join over the table.
    WHERE r.id = ANY(ARRAY(SELECT id FROM due))
    RETURNING r.id, r.claim_token, r.campaign_id, r.contact_id
)
-- The contact by primary key per row (LATERAL): a plain join here turns into a hash join over every contact.
SELECT k.id, k.claim_token::text, k.campaign_id, k.contact_id, ct.status, ct.zone,
    EXISTS (SELECT 1 FROM {ATTEMPT_TABLE} a WHERE a.contact_id = k.contact_id AND a.started_at >= %(recent)s),
    {do_not_call.listed_sql("ct.phone", "k.campaign_id")}
FROM claimed k CROSS JOIN LATERAL (
    SELECT c.status, c.zone, c.phone FROM {CONTACT_TABLE} c WHERE c.id = k.contact_id
) ct
"""  # noqa: S608


def claim_params(now: datetime, lease_at: datetime, limit: int, skip: set[int]) -> dict:
    """The parameters of `_PG_CLAIM`."""
    return {
        "now": now,
        "lease": lease_at,
        "limit": limit,
        "recent": now - RECENT_HISTORY,
        "skip": sorted(skip),
        "today": timezone.localdate(now),
    }


def _claim_batch_pg(now: datetime, lease_at: datetime, limit: int, skip: set[int]) -> list[ClaimedRow]:
    with connection.cursor() as cursor:
        cursor.execute(_PG_CLAIM, claim_params(now, lease_at, limit, skip))
        return [ClaimedRow._make(row) for row in cursor.fetchall()]


def _claim_batch_generic(now: datetime, lease_at: datetime, limit: int, skip: set[int]) -> list[ClaimedRow]:
    """Row by row: a conditional UPDATE per candidate; a row count of 0 means someone else got it."""
    candidates = list(
        RedialRequest.objects.filter(status=RedialRequest.SCHEDULED, due_at__lte=now, campaign__status=Campaign.ACTIVE)
        .exclude(campaign_id__in=skip)
        .order_by("due_at", "id")
        .values_list("id", "campaign_id", "contact_id", "contact__status", "contact__zone")[:limit]
    )
    contact_ids = [c[2] for c in candidates]
    recent = set(
        Attempt.objects.filter(contact_id__in=contact_ids, started_at__gte=now - RECENT_HISTORY).values_list(
            "contact_id", flat=True
        )
    )
    listed = do_not_call.listed_contact_ids(contact_ids, timezone.localdate(now))
    claimed = []
    for request_id, campaign_id, contact_id, contact_status, contact_zone in candidates:
        token = str(uuid.uuid4())
        won = RedialRequest.objects.filter(id=request_id, status=RedialRequest.SCHEDULED).claim(
            token=token, now=now, lease_expires_at=lease_at
        )
        if won:
            claimed.append(
                ClaimedRow(
                    request_id,
                    token,
                    campaign_id,
                    contact_id,
                    contact_status,
                    contact_zone,
                    contact_id in recent,
                    contact_id in listed,
                )
            )
    return claimed


def _apply_verdicts(verdicts: Verdicts, now: datetime, result: ClaimResult) -> None:
    """Cancel, close and re-plan what the re-check refused. Runs inside the claim's transaction, so none of
    these rows is ever seen as claimed; their claim does not count as a dispatch attempt."""
    for campaign_id, (reason, ids) in verdicts.blocked.items():
        # Put back exactly as they were: due when they were due, for the run after the data is fixed.
        RedialRequest.objects.filter(id__in=ids).release(undo_dispatch=True)
        result.blocked[campaign_id] = reason
        blocking.block_campaign(campaign_id, reason, where=blocking.DISPATCH, now=now)
    for reason, ids in verdicts.cancel.items():
        if reason == do_not_call.REASON_DO_NOT_CALL:
            result.cancelled += do_not_call.stop_claimed(ids, verdicts.listed_contacts, now)
            continue
        result.cancelled += RedialRequest.objects.filter(id__in=ids).close(
            RedialRequest.CANCELLED, reason, now, unclaim=True, undo_dispatch=True
        )
    for reason, ids in verdicts.close.items():
        result.closed += RedialRequest.objects.filter(id__in=ids).close(
            RedialRequest.EXPIRED, reason, now, unclaim=True, undo_dispatch=True
        )
    # Rare (due_at was planned inside allowed time): one UPDATE per row keeps each explanation exact.
    for request_id, due_at, line in verdicts.replan:
        result.replanned += RedialRequest.objects.filter(id=request_id).release(
            undo_dispatch=True, due_at=due_at, explanation=Concat(F("explanation"), Value("\n" + line))
        )


def claim_due(now: datetime | None = None, batch_size: int = 500, max_batches: int | None = None) -> ClaimResult:
    """Claim every due request of an active campaign, batch by batch, until a batch comes back short.

    Each batch is one transaction: claim, re-check rules 5, 7 and 8 (a listed number is cancelled with
    reason do_not_call), apply the verdicts, and hand off.
    Agent-first requests become `ready` in that transaction; auto-dial ones stay `claimed` and are
    published to the dial task after the commit, as (id, claim_token) pairs.
    """
    now = now or timezone.now()
    result = ClaimResult()
    cache = CampaignCache()
    claim = _claim_batch_pg if connection.vendor == "postgresql" else _claim_batch_generic
    was_blocked, skip = _blocked_campaigns(now)
    passed: set[int] = set()
    with DialPublisher(result) as publisher:
        _claim_batches(claim, now, batch_size, max_batches, cache, skip, passed, publisher, result)
    if was_blocked & passed:
        blocking.clear_blocks(was_blocked & passed, where=blocking.DISPATCH)
    return result


def _claim_batches(claim, now, batch_size, max_batches, cache, skip, passed, publisher, result) -> None:
    """claim_due's loop: a transaction per batch until a batch comes back short (or the broker is down)."""
    while (max_batches is None or result.batches < max_batches) and not publisher.broker_down:
        lease_at = now + timedelta(seconds=lease_seconds())
        with transaction.atomic():
            rows = claim(now, lease_at, batch_size, skip)
            result.batches += 1
            result.claimed += len(rows)
            if not rows:
                break
            verdicts = recheck_batch(rows, now, cache)
            _apply_verdicts(verdicts, now, result)
            skip |= set(verdicts.blocked)
            passed |= verdicts.passed
            ready, dial = [], []
            auto_dial = {c: cache.get(c)[0].dialing_mode == Campaign.AUTO_DIAL for c in verdicts.passed}
            for row in verdicts.ok:
                (dial if auto_dial[row.campaign_id] else ready).append(row)
            if ready:
                ids = [row.id for row in ready]
                # The allocation picks ready requests; a ready request has no lease to expire.
                RedialRequest.objects.filter(id__in=ids).make_ready()
                result.ready.extend(ids)
            if dial:
                pairs = [(row.id, row.token) for row in dial]
                transaction.on_commit(lambda pairs=pairs: publisher.submit(pairs))
        if len(rows) < batch_size and not verdicts.blocked:
            break


def blocked_retry_seconds() -> float:
    return settings.DISPATCH_BLOCKED_RETRY_SECONDS


def _blocked_campaigns(now: datetime) -> tuple[set[int], set[int]]:
    """(campaigns whose dispatch is blocked, those of them this run leaves alone): a blocked campaign is
    tried again once DISPATCH_BLOCKED_RETRY_SECONDS have passed, or at once when it was edited since."""
    rows = Campaign.objects.filter(dispatch_blocked_reason__startswith=f"{blocking.DISPATCH}: ").values_list(
        "id", "dispatch_blocked_at", "updated_at"
    )
    retry_after = timedelta(seconds=blocked_retry_seconds())
    blocked, skip = set(), set()
    for campaign_id, blocked_at, updated_at in rows:
        blocked.add(campaign_id)
        if blocked_at is not None and blocked_at > now - retry_after and updated_at <= blocked_at:
            skip.add(campaign_id)
    return blocked, skip


def close_ended_campaigns(now: datetime | None = None) -> int:
    """Rule 7 for waiting requests: scheduled requests of ended campaigns (status `ended`, or past
    `ends_at`) close as expired with reason campaign_ended. Paused campaigns keep theirs. Returns the count."""
    now = now or timezone.now()
    ended = Campaign.objects.filter(Q(status=Campaign.ENDED) | Q(ends_at__lt=now)).values("id")
    return RedialRequest.objects.filter(status=RedialRequest.SCHEDULED, campaign_id__in=ended).close(
        RedialRequest.EXPIRED, engine.REASON_ENDED, now
    )


def run_dispatch(now: datetime | None = None, batch_size: int = 500) -> ClaimResult | None:
    """One beat run: close requests of ended campaigns, then `claim_due`. Returns None, doing nothing, when
    another run holds the PostgreSQL advisory lock (a second beat, or an overlapping run)."""
    # A connection killed under the previous run (pg_terminate_backend, a restart) is dropped here.
    # (Not inside a caller's transaction: there it would close the connection the caller is using.)
    if not connection.in_atomic_block:
        close_old_connections()
    if connection.vendor != "postgresql":
        close_ended_campaigns(now)
        return claim_due(now=now, batch_size=batch_size)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [DISPATCH_LOCK_KEY])
        if not cursor.fetchone()[0]:
            logger.info("dispatch: another run holds the lock; skipping")
            return None
    try:
        close_ended_campaigns(now)
        return claim_due(now=now, batch_size=batch_size)
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [DISPATCH_LOCK_KEY])
        except Exception:  # the connection died: the server has released the session lock with it
            logger.warning("dispatch: could not unlock (connection lost)")
