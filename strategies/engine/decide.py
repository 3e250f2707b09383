"""Rules 1-4 and the decision: whether a contact is called again, and the candidate rules 5-7 start from.

Pure Python (no Django import).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ..durations import ZERO, Delay, add_delay, format_delay
from .clock import _clock, _when
from .model import (
    REASON_DO_NOT_CALL,
    REASON_FINAL,
    REASON_MAX_ATTEMPTS,
    REASON_NO_RULE,
    REASON_RETRY,
    SHORT_CALL_OUTCOME,
    STRATEGY_LADDER,
    AttemptRecord,
    Calendar,
    Catalog,
    Decision,
    OutcomeInfo,
    StrategySpec,
)
from .search import _checks_for, _plan_for, _search

# --------------------------------------------------------------------------------------------------
# Rules 1-4 and the decision


def _ladder_step(spec: StrategySpec, codes: Sequence[str], k: int) -> tuple[Delay | None, str]:
    """The ladder's delay after attempt number k, with the words that explain it.

    What k is: the seed's ladder says "the first retry is scheduled after the last call", then the second
    retry "in case the first retry also falls in the category" and so on. Attempt 1 is the first call, so
    the retry planned after attempt number k is the k-th retry, and it uses step k (1-based). k counts every
    attempt this contact had in this campaign (PRODUCT.md rule numbering), not only those whose outcome is
    in the ladder: a ladder with 3 steps therefore never plans more than 3 retries in all.
    Returns (None, why) when the ladder does not apply, has no step k, or step k is "No retry".
    """
    label = f"ladder {spec.name!r}" if spec.name else "the ladder"
    if not any(code in spec.ladder_keys for code in codes):
        return None, f"not in {label}"
    if k > len(spec.ladder_steps):
        return None, f"No retry: {label} has no step {k} ({len(spec.ladder_steps)} steps)"
    step = spec.ladder_steps[k - 1]
    if step is None:
        return None, f"No retry: step {k} of {label} is No retry"
    return step, f"retry {k} of {label}"


def _rule_delay(spec: StrategySpec | None, rule_code: str, ladder_codes: Sequence[str], k: int, what: str):
    """(delay or None, note). The note describes a ladder step, or why there is no rule."""
    if spec is None:
        return None, f"no {what} strategy"
    if spec.kind == STRATEGY_LADDER:
        return _ladder_step(spec, ladder_codes, k)
    delay = spec.rules.get(rule_code)
    if delay is None:
        named = f" {spec.name!r}" if spec.name else ""
        return None, f"no rule in {what} strategy{named}"
    return delay, ""


# Call results that make their redial by themselves, with a delay of their own (no strategy rule).
SELF_REDIALLING = ("redial", "instant")


def result_redial_delay(calendar: Calendar, handling: str) -> tuple[Delay, str]:
    """The delay a self-redialling call result sets, and its note: `redial` waits the campaign's redial
    delay, `instant` none. Raises ValueError for another handling (its delay comes from a strategy)."""
    if handling == "redial":
        return calendar.redial_delay, "redial delay"
    if handling == "instant":
        return ZERO, "instant retry"
    raise ValueError(f"{handling!r} call results take their delay from a strategy")


def decide(
    calendar: Calendar,
    attempts: Sequence[AttemptRecord],
    catalog: Catalog,
    telephony: StrategySpec | None = None,
    business: StrategySpec | None = None,
    contact_zone: str | None = None,
    *,
    number_history: Sequence[AttemptRecord] = (),
    do_not_call: bool = False,
) -> Decision:
    """The decision after the LAST of `attempts` (the contact's full history in this campaign, oldest first).

    number_history: the attempts to the contact's phone number that are not in `attempts` (other campaigns),
    within the calendar's `history_window` before the candidate; only attempt rules with scope "number"
    count them. do_not_call: the number is on a do-not-call list (rule 8), which rule 1 checks first.
    Unknown outcome codes count as not connected and not final (so only a rule for that very code retries
    them); an unknown call result counts as no call result. Raises ValueError when `attempts` is empty.
    """
    if not attempts:
        raise ValueError("decide needs at least one attempt")
    plan = _plan_for(calendar, contact_zone)
    zone = plan.zone
    last = attempts[-1]
    k = len(attempts)
    at = last.at
    clock = _clock(at.astimezone(zone))
    outcome = catalog.outcomes.get(last.outcome) or OutcomeInfo(last.outcome, last.outcome, False, False)
    result = catalog.call_results.get(last.result) if last.result else None

    def stop(reason: str, text: str, delay: Delay | None = None, candidate: datetime | None = None) -> Decision:
        return Decision(None, reason, text, candidate, attempt=k, delay=delay)

    # Rule 1: the one place that turns "the number is listed" into no retry.
    if do_not_call:
        return stop(REASON_DO_NOT_CALL, f"{outcome.name} at {clock}: the number is on a do-not-call list: no retry")
    if outcome.is_final:
        return stop(REASON_FINAL, f"{outcome.name} at {clock} is a final outcome: no retry")
    if result is not None and result.handling == "final":
        return stop(REASON_FINAL, f"{outcome.name} at {clock}, call result {result.name} is final: no retry")

    # Rule 2
    connected = outcome.is_connected
    event = f"{outcome.name} at {clock}"
    if connected and result is not None:
        event = f"{outcome.name}, call result {result.name}, at {clock}"
    if k >= calendar.max_attempts:
        return stop(
            REASON_MAX_ATTEMPTS, f"{event}: attempt {k} of {calendar.max_attempts}, maximum attempts reached: no retry"
        )

    # Rule 3
    threshold = calendar.short_call_seconds
    if connected and threshold and last.duration_seconds is not None and last.duration_seconds < threshold:
        connected = False
        short = catalog.outcomes.get(SHORT_CALL_OUTCOME) or OutcomeInfo(SHORT_CALL_OUTCOME, "Short Call", False, False)
        outcome = short
        event = f"{short.name} ({last.duration_seconds}s < {threshold}s) at {clock}"
    codes = (outcome.code, last.result) if last.result else (outcome.code,)
    if not connected:
        delay, note = _rule_delay(telephony, outcome.code, codes, k, "telephony")
    elif result is None:
        delay = None
        note = "connected call without a call result (wrap-up not ended)" if not last.result else "unknown call result"
    elif result.handling in SELF_REDIALLING:
        delay, note = result_redial_delay(calendar, result.handling)
    else:
        delay, note = _rule_delay(business, result.code, (result.code, outcome.code), k, "business")
    if delay is None:
        text = f"{event}: {note}" if note.startswith("No retry") else f"{event}: {note}: no retry"
        return stop(REASON_NO_RULE, text)

    # Rule 4
    candidate = add_delay(at, delay, zone)
    noted = f" ({note})" if note else ""
    text = f"{event} +{format_delay(delay)}{noted} = {_when(candidate, zone, at)}"
    if delay.is_calendar:
        wall = at.astimezone(zone)
        if (candidate.hour, candidate.minute, candidate.second) != (wall.hour, wall.minute, wall.second):
            text += f" ({_clock(wall.replace(tzinfo=None))} does not exist that day: clocks go forward)"
    candidate_utc = candidate.astimezone(UTC)

    # Rules 5-7
    checks = _checks_for(plan, attempts, number_history, catalog, last)
    search = _search(plan, checks, candidate, at)
    if search.allowed is None:
        return stop(search.reason, f"{text}, {search.explanation}: no retry", delay, candidate_utc)
    allowed = search.allowed
    if allowed.explanation:
        text = f"{text}, {allowed.explanation}"
    return Decision(
        allowed.at,
        REASON_RETRY,
        text,
        candidate_utc,
        allowed.moved_to_opening,
        allowed.opening_at,
        attempt=k,
        delay=delay,
        deferred_by=allowed.deferred_by,
    )


def simulate(
    calendar: Calendar,
    attempts: Sequence[AttemptRecord],
    catalog: Catalog,
    telephony: StrategySpec | None = None,
    business: StrategySpec | None = None,
    contact_zone: str | None = None,
    *,
    number_history: Sequence[AttemptRecord] = (),
) -> list[Decision]:
    """One decision per prefix of `attempts`: the decision after attempt 1, after attempt 2, ... Each decision
    sees the entries of `number_history` that started at or before its own attempt (what was known then)."""
    decisions = []
    for i in range(len(attempts)):
        prefix = attempts[: i + 1]
        known = [a for a in number_history if a.at <= prefix[-1].at]
        decisions.append(decide(calendar, prefix, catalog, telephony, business, contact_zone, number_history=known))
    return decisions
