"""Services of the strategies app: catalog look-ups used by webhooks and wrap-up; retry strategies."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, ProtectedError

from .durations import Delay, resolve_wall_time
from .engine import (
    ATTEMPT_RULE_PRESETS,
    AttemptRecord,
    Calendar,
    CallResultInfo,
    Catalog,
    Decision,
    OutcomeInfo,
    StrategySpec,
    Window,
    decide,
)
from .limits import MAX_DELAY_SECONDS, MAX_DELAY_TEXT, MAX_LADDER_STEPS, UNIT_SECONDS
from .models import CallResult, LadderStep, Outcome, ProviderMapping, Strategy, StrategyRule, Unit

FALLBACK_OUTCOME_CODE = "platform.customer_call_failed"


def resolve_outcome(provider: str, raw: str | int | None) -> Outcome | None:
    """The outcome an active mapping gives a provider's raw status.

    Returns None when no active mapping exists (the caller records the event as unmapped and uses
    `fallback_outcome()`, so a supervisor can map it later).
    """
    if raw is None:
        return None
    raw_text = str(raw).strip()
    if not raw_text:
        return None
    mapping = (
        ProviderMapping.objects.select_related("outcome")
        .filter(provider=provider, raw__iexact=raw_text, is_active=True, outcome__is_active=True)
        .first()
    )
    return mapping.outcome if mapping else None


def fallback_outcome() -> Outcome:
    """The outcome for a raw status nobody has mapped yet."""
    return Outcome.objects.get(code=FALLBACK_OUTCOME_CODE)


# --------------------------------------------------------------------------------------------------
# Retry strategies: the checks the supervisor screens and the Django admin share (`check_*` raise
# ValidationError naming the field), saving, and the preview of the engine's timeline.

HANDLING_EXPLANATIONS = {
    CallResult.Handling.FINAL: "is final: the customer is handled and never called again",
    CallResult.Handling.REDIAL: "is handled with the campaign's redial delay (a redial request owned by the agent)",
    CallResult.Handling.INSTANT: "calls the customer again at once",
}
RULE_KEY_FIELDS = {Strategy.Kind.TELEPHONY: "outcome", Strategy.Kind.BUSINESS: "call_result"}


def check_rule_outcome(outcome: Outcome) -> None:
    """A telephony rule (or ladder) may retry `outcome`; raises ValidationError({"outcome": ...}) if not."""
    if outcome.is_final:
        raise ValidationError(
            {"outcome": f"{outcome.name} is final: numbers with it are never retried, so it cannot have a rule."}
        )
    if outcome.is_connected:
        raise ValidationError(
            {
                "outcome": f"{outcome.name} means agent and customer talked: the call result decides what happens "
                "next, so a telephony rule for it would never apply. Use a business-outcome strategy."
            }
        )


def check_rule_call_result(call_result: CallResult) -> None:
    """A business rule may retry `call_result`; raises ValidationError({"call_result": ...}) if not."""
    if call_result.handling != CallResult.Handling.RETRY:
        how = HANDLING_EXPLANATIONS.get(call_result.handling, f"is handled as {call_result.handling}")
        raise ValidationError(
            {
                "call_result": f"{call_result.name} {how}, so a business strategy cannot have a rule for it. "
                "Only call results handled as Retry take a rule."
            }
        )


def check_delay(amount: int | None, unit: str) -> None:
    """The delay fits the engine: whole, not negative, at most 10 years. Raises ValidationError({"amount": ...})."""
    if amount is None:
        raise ValidationError({"amount": "Enter how long to wait before the retry, e.g. 2 (hours)."})
    if amount < 0:
        raise ValidationError({"amount": "Enter a delay of 0 or more."})
    if unit not in UNIT_SECONDS:
        raise ValidationError({"unit": "Choose seconds, minutes, hours or days."})
    if amount * UNIT_SECONDS[unit] > MAX_DELAY_SECONDS:
        raise ValidationError({"amount": f"That is more than {MAX_DELAY_TEXT}: enter a shorter delay."})


def check_rule_key(kind: str, outcome: Outcome | None, call_result: CallResult | None) -> None:
    """The rule has the key its strategy type asks for (an outcome or a call result, never both), and that key
    may be retried. Raises ValidationError naming the field."""
    if kind == Strategy.Kind.LADDER:
        raise ValidationError("An attempt ladder has steps, not rules: remove this rule or change the type.")
    if kind == Strategy.Kind.TELEPHONY:
        if call_result is not None:
            raise ValidationError(
                {"call_result": "A telephony-outcome strategy's rules take an outcome: leave the call result empty."}
            )
        if outcome is None:
            raise ValidationError({"outcome": "Choose the outcome this rule retries."})
        check_rule_outcome(outcome)
    elif kind == Strategy.Kind.BUSINESS:
        if outcome is not None:
            raise ValidationError(
                {"outcome": "A business-outcome strategy's rules take a call result: leave the outcome empty."}
            )
        if call_result is None:
            raise ValidationError({"call_result": "Choose the call result this rule retries."})
        check_rule_call_result(call_result)


def duplicate_rule_rows(kind: str, keys: Sequence[Outcome | CallResult | None]) -> list[tuple[int, str, str]]:
    """(row index, field, message) for every row whose key an earlier row already has."""
    field = RULE_KEY_FIELDS.get(kind)
    if field is None:
        return []
    seen: dict[int, int] = {}
    found = []
    for index, key in enumerate(keys):
        if key is None:
            continue
        if key.pk in seen:
            found.append((index, field, f"{key.name} already has a rule (row {seen[key.pk] + 1}): keep one of them."))
        else:
            seen[key.pk] = index
    return found


def check_ladder_steps(amounts: Sequence[int | None]) -> list[tuple[int, str]]:
    """(row index, message) for every step that can never be used: a ladder stops at its first "No retry"."""
    problems = []
    if len(amounts) > MAX_LADDER_STEPS:
        problems.append((MAX_LADDER_STEPS, f"A ladder has at most {MAX_LADDER_STEPS} steps: remove the ones after it."))
    stop = next((i for i, amount in enumerate(amounts) if amount is None), None)
    if stop is not None:
        for index in range(stop + 1, len(amounts)):
            problems.append(
                (index, f'Retry {index + 1} comes after "No retry" at retry {stop + 1}, so it would never be used.')
            )
    return problems


def check_kind_change(strategy: Strategy, new_kind: str) -> None:
    """A strategy a dial plan uses keeps a type that fits its slot. Raises ValidationError({"kind": ...})."""
    if strategy.pk is None or not new_kind or strategy.kind == new_kind:
        return
    if new_kind != Strategy.Kind.BUSINESS and strategy.business_dial_plans.exists():
        names = ", ".join(strategy.business_dial_plans.values_list("name", flat=True))
        raise ValidationError({"kind": f"Dial plan {names} uses it as its business strategy: it must stay business."})
    if new_kind == Strategy.Kind.BUSINESS and strategy.telephony_dial_plans.exists():
        names = ", ".join(strategy.telephony_dial_plans.values_list("name", flat=True))
        raise ValidationError(
            {"kind": f"Dial plan {names} uses it as its telephony strategy: it cannot become a business strategy."}
        )


def strategy_usage(strategy: Strategy) -> list[str]:
    """ "dial plan X (campaigns A, B)" for every dial plan that uses the strategy; empty when none does."""
    usage = []
    plans = [*strategy.telephony_dial_plans.all(), *strategy.business_dial_plans.all()]
    for plan in sorted({p.pk: p for p in plans}.values(), key=lambda p: p.name):
        campaigns = ", ".join(c.name for c in plan.campaigns.all())
        usage.append(f"dial plan {plan.name}" + (f" (campaigns {campaigns})" if campaigns else ""))
    return usage


class StrategyInUse(Exception):
    """The strategy cannot be deleted: a dial plan uses it."""

    def __init__(self, strategy: Strategy, usage: list[str]):
        self.usage = usage
        super().__init__(f"{strategy.name} is used by {'; '.join(usage)}: change those first, then delete it.")


def delete_strategy(strategy: Strategy) -> None:
    """Delete a strategy with its rules and steps; raises StrategyInUse while a dial plan uses it."""
    with transaction.atomic():
        usage = strategy_usage(strategy)
        if usage:
            raise StrategyInUse(strategy, usage)
        try:
            strategy.delete()
        except ProtectedError:
            # A dial plan started using it between the check and the delete.
            raise StrategyInUse(strategy, strategy_usage(strategy) or ["a dial plan"]) from None


def drop_parts_of_other_types(strategy: Strategy) -> None:
    """Remove what a strategy of another type had (after a type change): rules of a ladder, steps and
    ladder outcomes of a rule strategy. The engine would ignore them, and the screens would show them."""
    if strategy.kind == Strategy.Kind.LADDER:
        strategy.rules.all().delete()
    else:
        strategy.ladder_steps.all().delete()
        strategy.ladder_outcomes.clear()


def replace_rules(strategy: Strategy, rows: Sequence[dict]) -> tuple[list[StrategyRule], list[StrategyRule]]:
    """Make the strategy's rules exactly `rows` (dicts of outcome, call_result, amount, unit).

    Replacing instead of updating row by row lets two rows swap keys without tripping the unique
    constraint half-way. Returns (added, removed) compared by content, for change messages.
    """

    def content(rule) -> tuple:
        return (rule.outcome_id, rule.call_result_id, rule.amount, rule.unit)

    with transaction.atomic():
        old = list(strategy.rules.all())
        strategy.rules.all().delete()
        new = StrategyRule.objects.bulk_create(
            StrategyRule(
                strategy=strategy,
                outcome=row.get("outcome"),
                call_result=row.get("call_result"),
                amount=row["amount"],
                unit=row["unit"],
            )
            for row in rows
        )
    old_content = {content(r) for r in old}
    new_content = {content(r) for r in new}
    return [r for r in new if content(r) not in old_content], [r for r in old if content(r) not in new_content]


def replace_ladder_steps(strategy: Strategy, rows: Sequence[dict]) -> tuple[list[LadderStep], list[LadderStep]]:
    """Make the ladder's steps exactly `rows` (dicts of amount or None, unit), numbered 1.. in order.
    Returns (added, removed) compared by content."""

    def content(step) -> tuple:
        return (step.position, step.amount, step.unit)

    with transaction.atomic():
        old = list(strategy.ladder_steps.all())
        strategy.ladder_steps.all().delete()
        new = LadderStep.objects.bulk_create(
            LadderStep(strategy=strategy, position=i, amount=row.get("amount"), unit=row.get("unit") or Unit.HOURS)
            for i, row in enumerate(rows, start=1)
        )
    old_content = {content(s) for s in old}
    new_content = {content(s) for s in new}
    return [s for s in new if content(s) not in old_content], [s for s in old if content(s) not in new_content]


def save_strategy(
    strategy: Strategy, ladder_outcomes: Iterable[Outcome], rule_rows: Sequence[dict], step_rows: Sequence[dict]
) -> Strategy:
    """Save a validated strategy with its rules or steps, all or nothing. Rows of the other types are dropped."""
    with transaction.atomic():
        strategy.save()
        if strategy.kind == Strategy.Kind.LADDER:
            strategy.ladder_outcomes.set(list(ladder_outcomes))
            replace_ladder_steps(strategy, step_rows)
        else:
            replace_rules(strategy, rule_rows)
        drop_parts_of_other_types(strategy)
    return strategy


def spec_from_strategy(strategy: Strategy) -> StrategySpec:
    """The engine's view of a saved strategy: the one builder the preview, the admin and the campaigns'
    scheduling share. Rules are keyed by outcome code (telephony) or call result code (business)."""
    if strategy.kind == Strategy.Kind.LADDER:
        steps = [
            None if amount is None else Delay(amount, unit)
            for amount, unit in LadderStep.objects.filter(strategy=strategy)
            .order_by("position")
            .values_list("amount", "unit")
        ]
        keys = frozenset(strategy.ladder_outcomes.values_list("code", flat=True))
        return StrategySpec(strategy.kind, ladder_keys=keys, ladder_steps=tuple(steps), name=strategy.name)
    rules = {}
    for outcome_code, result_code, amount, unit in StrategyRule.objects.filter(strategy=strategy).values_list(
        "outcome__code", "call_result__code", "amount", "unit"
    ):
        key = outcome_code if strategy.kind == Strategy.Kind.TELEPHONY else result_code
        if key:
            rules[key] = Delay(amount, unit)
    return StrategySpec(strategy.kind, rules, name=strategy.name)


def catalog_from_db() -> Catalog:
    """The engine's catalog from the database: every outcome and call result, inactive and admin-added
    ones included (old attempts may use them)."""
    outcomes = {
        code: OutcomeInfo(code, name, is_connected, is_final)
        for code, name, is_connected, is_final in Outcome.objects.values_list(
            "code", "name", "is_connected", "is_final"
        )
    }
    call_results = {
        code: CallResultInfo(code, name, handling)
        for code, name, handling in CallResult.objects.values_list("code", "name", "handling")
    }
    return Catalog(outcomes, call_results)


# The preview's sample campaign. Connected sample attempts use this outcome and talk long enough not to be short.
PREVIEW_CONNECTED_OUTCOME = "platform.call_complete"
PREVIEW_CONNECTED_SECONDS = 180
PREVIEW_DEFAULT_OUTCOMES = ("sip.customer_no_answer", "sip.customer_busy", "platform.customer_call_failed")
PREVIEW_DEFAULT_RESULTS = ("no_answer", "busy", "answering_machine")
PREVIEW_ROWS = 6


@dataclass(frozen=True)
class PreviewSample:
    """A small campaign calendar and a sequence of sample outcomes (telephony/ladder) or call results (business)."""

    zone: str
    weekdays: tuple[int, ...]  # 0 = Monday
    opens_minute: int
    closes_minute: int
    max_attempts: int
    daily_attempts: int | None
    start: datetime  # naive local wall-clock time of the first attempt
    outcomes: tuple[str, ...] = ()
    results: tuple[str, ...] = ()
    # Rule 9 presets (slugs of ATTEMPT_RULE_PRESETS) and rule 10's repeat band in hours.
    rules: tuple[str, ...] = ()
    avoid_repeat_hours: int = 0

    def describe(self) -> str:
        """The sample in words: "Asia/Kolkata, Mon Tue Wed Thu Fri 09:00-17:00, at most 5 attempts, 2 a day, ..."."""
        days = " ".join(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[d] for d in sorted(self.weekdays))
        hours = f"{self.opens_minute // 60:02d}:{self.opens_minute % 60:02d}-{self.closes_minute // 60:02d}:"
        hours += f"{self.closes_minute % 60:02d}"
        daily = f", {self.daily_attempts} a day" if self.daily_attempts else ""
        first = f"{self.start:%a} {self.start.day} {self.start:%b %H:%M}"
        rules = "".join(f", {ATTEMPT_RULE_PRESETS[slug].label}" for slug in self.rules if slug in ATTEMPT_RULE_PRESETS)
        band = f", repeat band {self.avoid_repeat_hours}h" if self.avoid_repeat_hours else ""
        return (
            f"{self.zone}, {days} {hours}, at most {self.max_attempts} attempts{daily}{rules}{band}, "
            f"first attempt {first}"
        )


@dataclass(frozen=True)
class TimelineStep:
    attempt: int
    at: datetime  # local
    what: str  # "Customer No Answer" or "Call Complete, call result Busy"
    decision: Decision
    next_at: datetime | None  # local

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.decision.reason, self.decision.reason)

    @property
    def at_text(self) -> str:
        return local_text(self.at)

    @property
    def next_text(self) -> str:
        """The next attempt's local time as text; empty when there is none."""
        return local_text(self.next_at) if self.next_at is not None else ""


def local_text(instant: datetime) -> str:
    """ "Mon 23 Nov 2026 10:00 IST": an aware instant in its own zone, for the preview."""
    return f"{instant:%a} {instant.day} {instant:%b %Y %H:%M} {instant.tzname()}"


REASON_LABELS = {
    "retry": "Retry",
    "final_outcome": "Final outcome",
    "max_attempts_reached": "Maximum attempts reached",
    "no_rule": "No rule",
    "no_calling_window": "No calling window",
    "campaign_ended": "Campaign ended",
}


@dataclass(frozen=True)
class Timeline:
    steps: tuple[TimelineStep, ...]
    problems: tuple[str, ...] = ()
    note: str = ""


def next_monday_at_ten(today: date) -> datetime:
    """10:00 on the next Monday after `today` (a naive local time): a plain working morning for the sample."""
    days = 7 - today.weekday()
    return datetime.combine(today + timedelta(days=days), time(10, 0))


def default_preview_keys(spec: StrategySpec | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(outcome codes, call result codes) for PREVIEW_ROWS sample attempts: the strategy's own keys in turn, so
    the preview shows its rules at work, or common ones for a strategy without rules."""
    outcomes: list[str] = []
    results: list[str] = []
    if spec is not None and spec.kind == Strategy.Kind.LADDER:
        outcomes = sorted(spec.ladder_keys)
    elif spec is not None and spec.kind == Strategy.Kind.TELEPHONY:
        outcomes = list(spec.rules)
    elif spec is not None and spec.kind == Strategy.Kind.BUSINESS:
        results = list(spec.rules)
    outcomes = outcomes or list(PREVIEW_DEFAULT_OUTCOMES)
    results = results or list(PREVIEW_DEFAULT_RESULTS)
    return (
        tuple(outcomes[i % len(outcomes)] for i in range(PREVIEW_ROWS)),
        tuple(results[i % len(results)] for i in range(PREVIEW_ROWS)),
    )


def preview_timeline(spec: StrategySpec | None, sample: PreviewSample, catalog: Catalog) -> Timeline:
    """The attempts the engine would produce for one contact of the sample campaign.

    The first attempt is at sample.start; each next attempt happens at the previous decision's time, and the
    timeline stops at the first decision without a retry or when the sample runs out. Nothing is saved.
    """
    zone = ZoneInfo(sample.zone)
    window = (Window(sample.opens_minute, sample.closes_minute),)
    hours = tuple(window if day in sample.weekdays else () for day in range(7))
    calendar = Calendar(
        sample.zone,
        hours,
        sample.max_attempts,
        sample.daily_attempts,
        attempt_rules=tuple(ATTEMPT_RULE_PRESETS[slug] for slug in sample.rules),
        avoid_repeat=Delay(sample.avoid_repeat_hours, "h"),
    )
    kind = spec.kind if spec is not None else Strategy.Kind.TELEPHONY
    business = spec if kind == Strategy.Kind.BUSINESS else None
    telephony = spec if kind != Strategy.Kind.BUSINESS else None
    keys = sample.results if kind == Strategy.Kind.BUSINESS else sample.outcomes
    at = resolve_wall_time(sample.start, zone)
    attempts: list[AttemptRecord] = []
    steps = []
    for number, key in enumerate(keys[: sample.max_attempts], start=1):
        if kind == Strategy.Kind.BUSINESS:
            record = AttemptRecord(at, PREVIEW_CONNECTED_OUTCOME, key, PREVIEW_CONNECTED_SECONDS)
            outcome = catalog.outcomes.get(PREVIEW_CONNECTED_OUTCOME)
            result = catalog.call_results.get(key)
            what = f"{outcome.name if outcome else 'Connected'}, call result {result.name if result else key}"
        else:
            record = AttemptRecord(at, key)
            outcome = catalog.outcomes.get(key)
            what = outcome.name if outcome else key
        attempts.append(record)
        decision = decide(calendar, attempts, catalog, telephony, business)
        next_at = decision.next_attempt_at.astimezone(zone) if decision.next_attempt_at else None
        steps.append(TimelineStep(number, at.astimezone(zone), what, decision, next_at))
        if next_at is None:
            break
        at = decision.next_attempt_at
    note = ""
    if steps and steps[-1].next_at is not None:
        note = f"The sample ends after {len(steps)} attempts; add more sample attempts to follow it further."
    return Timeline(tuple(steps), note=note)


def campaign_names(strategy: Strategy) -> list[str]:
    """Names of the campaigns whose dial plan uses the strategy, sorted. Reads
    `telephony_dial_plans__campaigns` and `business_dial_plans__campaigns`, so prefetch both for a list."""
    names = set()
    for plan in [*strategy.telephony_dial_plans.all(), *strategy.business_dial_plans.all()]:
        names.update(campaign.name for campaign in plan.campaigns.all())
    return sorted(names)


def strategies_with_counts():
    """Strategies with rule_count and step_count annotated and their dial plans' campaigns prefetched: a list
    page in a fixed number of queries."""
    return Strategy.objects.annotate(
        rule_count=Count("rules", distinct=True), step_count=Count("ladder_steps", distinct=True)
    ).prefetch_related("telephony_dial_plans__campaigns", "business_dial_plans__campaigns")
