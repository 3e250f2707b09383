"""Dial claimed requests through their campaigns' dialers, in sets, with no transaction open during the call.

A dial message carries (request id, claim token) pairs. The worker:

1. moves every pair whose token still matches from `claimed` to `dialing` with a fresh lease, in one
   conditional UPDATE (committed at once), giving each request its dial key: the one it already has when an
   earlier hand-off got no answer from the dialer, else a new one (the claim token);
2. reads what the dialers need for those rows in one query, with rule 8 once more: a number listed since
   the claim is cancelled (do_not_call), not dialled;
3. calls the dialers with no transaction open (a backend's `dial_many` places a chunk at once);
4. records the answers: one UPDATE for the accepted calls, conditional on the claim token, and one per
   refused call (rare: each keeps its own error and backoff).

A worker killed during step 3 leaves the rows `dialing` with a lease; the sweep returns them to `scheduled`
with their dial key, so the next hand-off carries the same key and the dialer recognises the call. A late
answer of a worker whose lease was swept matches no token and changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Case, Value, When
from django.utils import timezone

from campaigns.dispatch import dialers
from campaigns.models import Campaign, Contact, RedialRequest
from campaigns.services import do_not_call

logger = logging.getLogger(__name__)

TABLE = RedialRequest._meta.db_table


def lease_seconds() -> float:
    return settings.DISPATCH_LEASE_SECONDS


def _uuid_param(value: str):
    return RedialRequest._meta.get_field("claim_token").get_db_prep_value(uuid.UUID(value), connection)


def _in_list(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def release_claims(pairs: list[tuple[int, str]], error: str) -> int:
    """Put claimed requests whose token still matches back to `scheduled`, undoing the attempt count.
    Returns how many rows moved."""
    pairs = [(int(request_id), str(token)) for request_id, token in pairs]
    if not pairs:
        return 0
    return RedialRequest.objects.filter(
        id__in=[request_id for request_id, _ in pairs],
        claim_token__in=[token for _, token in pairs],
        status=RedialRequest.CLAIMED,
    ).release(undo_dispatch=True, last_error=error)


@dataclass(frozen=True)
class _Row:
    id: int
    token: str
    dial_key: str
    due_at: datetime
    owner_id: int | None
    attempts: int
    contact_id: int
    contact_name: str
    phone: str
    campaign_id: int
    campaign_name: str
    campaign_status: str
    backend: str
    dialer_url: str
    dialer_secret: str
    listed: bool  # the number is on a do-not-call list the campaign uses (rule 8), as of step 2

    def job(self) -> dialers.DialJob:
        return dialers.DialJob(
            request_id=self.id,
            claim_token=self.token,
            campaign_id=self.campaign_id,
            campaign_name=self.campaign_name,
            contact_id=self.contact_id,
            contact_name=self.contact_name,
            phone=self.phone,
            due_at=self.due_at,
            owner_id=self.owner_id,
            dialer_url=self.dialer_url,
            dialer_secret=self.dialer_secret,
            attempt=self.attempts,
            dial_key=self.dial_key,
        )


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _match(column: str, values: list, cast: str = "") -> tuple[str, list]:
    """`column` equal to one of `values`, as SQL and its parameters: one array parameter on PostgreSQL (a
    100-value IN list costs more to bind, parse and plan than the lookups themselves), an IN list elsewhere."""
    if _is_postgres():
        return f"{column} = ANY(%s{cast})", [values]
    return f"{column} IN ({_in_list(values)})", values


def _start_dials(tokens: dict[str, int], now: datetime) -> dict[int, tuple[str, str]]:
    """Step 1: claimed -> dialing for the pairs whose token still matches, committed by the caller's autocommit.
    Returns {request id: (claim token, dial key)} for exactly the rows this statement moved (RETURNING), so a
    duplicate message running at the same time can never dial the same rows."""
    ids = list(tokens.values())
    token_values = list(tokens) if _is_postgres() else [_uuid_param(t) for t in tokens]
    id_sql, id_params = _match("id", ids)
    token_sql, token_params = _match("claim_token", token_values, cast="::uuid[]")
    lease = connection.ops.adapt_datetimefield_value(now + timedelta(seconds=lease_seconds()))
    stamp = connection.ops.adapt_datetimefield_value(now)
    # Table and column names come from the model; every value is a bound parameter.
    sql = f"""
        UPDATE {TABLE} SET status = %s, lease_expires_at = %s, updated_at = %s,
            dial_key = COALESCE(dial_key, claim_token)
        WHERE {id_sql} AND {token_sql} AND status = %s
        RETURNING id, claim_token, dial_key
    """  # noqa: S608
    params = [RedialRequest.DIALING, lease, stamp, *id_params, *token_params, RedialRequest.CLAIMED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (_token_text(row[1]), _token_text(row[2])) for row in cursor.fetchall()}


def _token_text(value) -> str:
    """A uuid column's value as the canonical text form (psycopg gives a UUID, SQLite 32 hex digits)."""
    return str(value) if isinstance(value, uuid.UUID) else str(uuid.UUID(str(value)))


# Step 2 on PostgreSQL: the request, its contact and campaign by primary key, and rule 8 for its number.
_PG_READ = f"""
SELECT r.id, r.due_at, r.owner_id, r.dispatch_attempts, r.contact_id, ct.name, ct.phone, r.campaign_id, k.name,
    k.status, k.dialer_backend, k.dialer_url, k.dialer_secret, {do_not_call.listed_sql("ct.phone", "r.campaign_id")}
FROM {TABLE} r
JOIN {Contact._meta.db_table} ct ON ct.id = r.contact_id
JOIN {Campaign._meta.db_table} k ON k.id = r.campaign_id
WHERE r.id = ANY(%(ids)s)
"""  # noqa: S608


def _read_rows(moved: dict[int, tuple[str, str]]) -> list[_Row]:
    """Step 2: what the dialers need, and whether each number is listed (rule 8), in one query. The claim
    checked the lists too; this check closes the window between the claim and the call, in which an import
    may list a number without stopping its contacts."""
    today = timezone.localdate()
    if _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(_PG_READ, {"ids": list(moved), "today": today})
            values = cursor.fetchall()
    else:
        values = (
            RedialRequest.objects.filter(id__in=list(moved))
            .annotate(listed=do_not_call.listed_subquery("contact__phone", "campaign_id", today))
            .values_list(
                "id",
                "due_at",
                "owner_id",
                "dispatch_attempts",
                "contact_id",
                "contact__name",
                "contact__phone",
                "campaign_id",
                "campaign__name",
                "campaign__status",
                "campaign__dialer_backend",
                "campaign__dialer_url",
                "campaign__dialer_secret",
                "listed",
            )
        )
    rows = []
    for request_id, due_at, owner_id, attempts, *rest in values:
        token, key = moved[request_id]
        rows.append(_Row(request_id, token, key, due_at, owner_id, attempts, *rest))
    return rows


def _call_backend(name: str, rows: list[_Row]) -> list[dialers.DialResult | dialers.DialerError]:
    """Step 3 for one backend's rows: one answer per row, in order. Whatever the backend raises is that
    row's (or the chunk's) error: no answer from the dialer, so the dial key is kept."""
    try:
        backend = dialers.backend_for(name)
    except dialers.DialerError as exc:
        return [dialers.DialerError(str(exc), answered=False)] * len(rows)
    jobs = [row.job() for row in rows]
    try:
        if hasattr(backend, "dial_many"):
            answers = list(backend.dial_many(jobs))
            if len(answers) != len(jobs):
                raise RuntimeError(f"dial_many returned {len(answers)} answers for {len(jobs)} jobs")
            return answers
    except Exception as exc:  # a backend's bug must not leave the rest of the chunk unrecorded
        logger.exception("dispatch: backend %s failed on a chunk of %s", name, len(jobs))
        return [dialers.DialerError(f"{type(exc).__name__}: {exc}"[:1000], answered=False)] * len(jobs)
    answers = []
    for job in jobs:
        try:
            answers.append(backend.dial(job))
        except dialers.DialerError as exc:
            answers.append(exc)
        except Exception as exc:
            logger.exception("dispatch: backend %s failed on request %s", name, job.request_id)
            answers.append(dialers.DialerError(f"{type(exc).__name__}: {exc}"[:1000], answered=False))
    return answers


# Step 4 on PostgreSQL: each accepted call's provider call id, conditional on its claim token, in one statement.
_PG_RECORD_ACCEPTED = f"""
UPDATE {TABLE} r SET lease_expires_at = NULL, dialed_at = %(now)s, provider_call_id = a.call_id, last_error = '',
    updated_at = %(now)s
FROM unnest(%(ids)s::bigint[], %(tokens)s::uuid[], %(call_ids)s::text[]) AS a(id, token, call_id)
WHERE r.id = a.id AND r.claim_token = a.token AND r.status = 'dialing'
RETURNING r.id
"""  # noqa: S608


def _record_accepted(accepted: list[tuple[_Row, dialers.DialResult]], now: datetime) -> set[int]:
    """Step 4 for accepted calls: one UPDATE conditional on the claim tokens. Returns the ids it recorded
    (all of them unless a lease ran out and the sweep took some back meanwhile)."""
    if not accepted:
        return set()
    call_ids = {row.id: (result.provider_call_id or "")[:100] for row, result in accepted}
    # No lease: the telephony result closes the request, or DIALER_RESULT_TIMEOUT after dialed_at does.
    if _is_postgres():
        params = {
            "now": now,
            "ids": [row.id for row, _ in accepted],
            "tokens": [row.token for row, _ in accepted],
            "call_ids": [call_ids[row.id] for row, _ in accepted],
        }
        with connection.cursor() as cursor:
            cursor.execute(_PG_RECORD_ACCEPTED, params)
            return {row[0] for row in cursor.fetchall()}
    if any(call_ids.values()):
        provider_call_id = Case(
            *[When(id=request_id, then=Value(call_id)) for request_id, call_id in call_ids.items()],
            default=Value(""),
        )
    else:
        provider_call_id = Value("")
    rows = RedialRequest.objects.filter(
        id__in=list(call_ids), claim_token__in=[row.token for row, _ in accepted], status=RedialRequest.DIALING
    )
    recorded = rows.update(
        lease_expires_at=None, dialed_at=now, provider_call_id=provider_call_id, last_error="", updated_at=now
    )
    if recorded == len(call_ids):
        return set(call_ids)
    return set(
        RedialRequest.objects.filter(id__in=list(call_ids), dialed_at=now, status=RedialRequest.DIALING).values_list(
            "id", flat=True
        )
    )


def _release(row: _Row, now: datetime, error: dialers.DialerError | None, count: bool) -> str:
    """Back to scheduled after a failed dial (retried after an exponential backoff), or failed when this was
    the last allowed dispatch attempt; conditional on the claim token. `count` False (campaign paused) undoes
    the attempt. The dial key is dropped only when the dialer answered. Returns "released", "failed",
    "paused" or "stale"."""
    qs = RedialRequest.objects.filter(id=row.id, claim_token=row.token, status=RedialRequest.DIALING)
    message = str(error)[:1000] if error is not None else ""
    # Only a definite answer of the dialer ends this dial key: otherwise the next hand-off repeats it.
    forget_key = {"dial_key": None} if error is not None and error.answered else {}
    if count and row.attempts >= settings.DISPATCH_MAX_ATTEMPTS:
        moved = qs.close(
            RedialRequest.FAILED,
            f"dialer failed {row.attempts} times",
            now,
            unclaim=True,
            last_error=message,
            **forget_key,
        )
        if moved:
            logger.warning("dispatch: request %s failed: %s", row.id, message)
        return "failed" if moved else "stale"
    if count:
        backoff = settings.DISPATCH_RETRY_BACKOFF_SECONDS * 2 ** (row.attempts - 1)
        moved = qs.release(due_at=max(row.due_at, now + timedelta(seconds=backoff)), last_error=message, **forget_key)
    else:
        moved = qs.release(undo_dispatch=True, **forget_key)
    if not moved:
        return "stale"
    return "released" if count else "paused"


def dial_tokens(tokens: dict[str, int]) -> dict[int, str]:
    """Dial the requests {claim token: request id} whose token still matches. Returns {request id: what
    happened} for those rows: "dialing" (the dialer accepted), "do_not_call" (the number was listed since
    the claim: cancelled, not dialled), "paused" (campaign no longer active: back to
    scheduled), "released" (the dialer failed: back to scheduled after a backoff), "failed" (it failed on the
    last allowed dispatch attempt) or "stale" (the lease ran out during the call and the sweep took the row
    back). Ids of pairs whose token no longer matched are absent. Must run outside any transaction."""
    if not tokens:
        return {}
    now = timezone.now()
    moved = _start_dials(tokens, now)
    if not moved:
        return {}
    outcomes: dict[int, str] = {}
    by_backend: dict[str, list[_Row]] = defaultdict(list)
    listed: list[_Row] = []
    for row in _read_rows(moved):
        if row.listed:
            listed.append(row)
        elif row.campaign_status != Campaign.ACTIVE:
            outcomes[row.id] = _release(row, now, None, count=False)
        else:
            by_backend[row.backend].append(row)
    if listed:
        do_not_call.stop_claimed([row.id for row in listed], [row.contact_id for row in listed], now)
        outcomes.update((row.id, "do_not_call") for row in listed)
    accepted: list[tuple[_Row, dialers.DialResult]] = []
    for name, rows in by_backend.items():
        for row, answer in zip(rows, _call_backend(name, rows), strict=True):
            if isinstance(answer, dialers.DialResult):
                accepted.append((row, answer))
            else:
                error = answer if isinstance(answer, dialers.DialerError) else dialers.DialerError(str(answer))
                outcomes[row.id] = _release(row, timezone.now(), error, count=True)
    recorded = _record_accepted(accepted, timezone.now())
    for row, _ in accepted:
        outcomes[row.id] = "dialing" if row.id in recorded else "stale"
    return outcomes


def dial_claimed_batch(pairs) -> dict[str, int]:
    """Dial a message's (id, claim_token) pairs as one set; malformed pairs are skipped. Returns counts per
    outcome (see `dial_tokens`; a pair whose token no longer matches counts as "stale")."""
    counts: dict[str, int] = defaultdict(int)
    tokens: dict[str, int] = {}
    for pair in pairs or ():
        try:
            request_id, raw = int(pair[0]), str(pair[1])
        except (TypeError, ValueError, IndexError):
            counts["malformed"] += 1
            continue
        try:
            token = str(uuid.UUID(raw))
        except ValueError:
            counts["stale"] += 1
            continue
        if token in tokens:
            counts["stale"] += 1  # the same pair twice in one message: dialed once
            continue
        tokens[token] = request_id
    outcomes = dial_tokens(tokens)
    counts["stale"] += len(tokens) - len(outcomes)
    for outcome in outcomes.values():
        counts[outcome] += 1
    return {name: count for name, count in counts.items() if count}


def dial_claimed(request_id: int, claim_token: str) -> str:
    """Dial one claimed request if `claim_token` is still its token. Returns what `dial_tokens` says, or
    "stale" when the token no longer matches (done by another message, swept, or never ours)."""
    try:
        token = str(uuid.UUID(str(claim_token)))
    except ValueError:
        return "stale"
    return dial_tokens({token: int(request_id)}).get(int(request_id), "stale")
