"""The adapter between the campaigns models and the pure scheduling engine.

It only translates rows into `strategies.engine` values and back; every scheduling rule lives in the
engine, and every state change in `campaigns.services`.
"""

from __future__ import annotations

from datetime import datetime

from strategies.durations import Delay
from strategies.engine import (
    STRATEGY_LADDER,
    AllowedTime,
    AttemptRecord,
    Calendar,
    CallResultInfo,
    Catalog,
    Decision,
    OutcomeInfo,
    StrategySpec,
    Window,
    decide,
    next_allowed_at,
)
from strategies.models import CallResult, LadderStep, Outcome, Strategy, StrategyRule

from .models import Attempt, Campaign, Contact

__all__ = [
    "attempt_records",
    "calendar_for",
    "catalog",
    "contact_zone",
    "decide_for",
    "next_allowed_for",
    "strategy_spec",
]


def catalog() -> Catalog:
    """The outcomes and call results as they are in the database now, inactive ones included (old
    attempts may use them).

    Built on every call (two small queries, see bench/campaigns_scheduling.py): an admin who marks an
    outcome final must be obeyed at once by every process, which a per-process cache cannot promise.
    """
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


def calendar_for(campaign: Campaign, business_hours=None, holidays=None) -> Calendar:
    """The campaign's calendar for the engine.

    `business_hours` (BusinessHourWindow rows) and `holidays` (Holiday rows or dates) may be passed when
    the caller already has them; otherwise `campaign.business_hours.all()` and `campaign.holidays.all()`
    are read, which use `prefetch_related("business_hours", "holidays")` when the caller prefetched.
    """
    if business_hours is None:
        business_hours = campaign.business_hours.all()
    if holidays is None:
        holidays = campaign.holidays.all()
    week: list[list[Window]] = [[] for _ in range(7)]
    for row in sorted(business_hours, key=lambda r: (r.weekday, r.start_minute)):
        week[row.weekday].append(Window(row.start_minute, row.end_minute))
    contact_window = None
    if campaign.contact_window_start is not None and campaign.contact_window_end is not None:
        contact_window = Window(campaign.contact_window_start, campaign.contact_window_end)
    return Calendar(
        zone=campaign.zone,
        business_hours=tuple(tuple(day) for day in week),
        max_attempts=campaign.max_attempts,
        daily_attempts=campaign.daily_attempts,
        holidays=frozenset(getattr(h, "date", h) for h in holidays),
        contact_window=contact_window,
        redial_delay=Delay(campaign.redial_delay_amount, campaign.redial_delay_unit),
        short_call_seconds=campaign.short_call_seconds,
        opening_delay=Delay(campaign.opening_delay_minutes, "m"),
        end_at=campaign.ends_at,
    )


def strategy_spec(strategy: Strategy | None) -> StrategySpec | None:
    """The strategy as the engine sees it; None when there is no strategy."""
    if strategy is None:
        return None
    if strategy.kind == Strategy.LADDER:
        steps = [
            None if amount is None else Delay(amount, unit)
            for amount, unit in LadderStep.objects.filter(strategy=strategy)
            .order_by("position")
            .values_list("amount", "unit")
        ]
        keys = frozenset(strategy.ladder_outcomes.values_list("code", flat=True))
        return StrategySpec(STRATEGY_LADDER, ladder_keys=keys, ladder_steps=tuple(steps), name=strategy.name)
    rules = {}
    for outcome_code, result_code, amount, unit in StrategyRule.objects.filter(strategy=strategy).values_list(
        "outcome__code", "call_result__code", "amount", "unit"
    ):
        key = outcome_code if strategy.kind == Strategy.TELEPHONY else result_code
        if key:
            rules[key] = Delay(amount, unit)
    return StrategySpec(strategy.kind, rules, name=strategy.name)


def attempt_records(contact: Contact, campaign: Campaign, up_to_number: int | None = None) -> list[AttemptRecord]:
    """The contact's attempts in the campaign, oldest first (by attempt number); only those numbered
    up to `up_to_number` when it is given."""
    rows = Attempt.objects.filter(contact=contact, campaign=campaign)
    if up_to_number is not None:
        rows = rows.filter(number__lte=up_to_number)
    return [
        AttemptRecord(started_at, outcome_code, result_code, duration)
        for started_at, outcome_code, result_code, duration in rows.order_by("number").values_list(
            "started_at", "outcome__code", "call_result__code", "duration_seconds"
        )
    ]


def contact_zone(contact: Contact) -> str:
    """The zone the contact window is read in: the contact's own, else the campaign's."""
    return contact.zone or contact.campaign.zone


def _dial_plan_specs(campaign: Campaign) -> tuple[StrategySpec | None, StrategySpec | None]:
    plan = campaign.dial_plan
    if plan is None:
        return None, None
    return strategy_spec(plan.telephony_strategy), strategy_spec(plan.business_strategy)


def decide_for(attempt: Attempt, calendar: Calendar | None = None) -> Decision:
    """The engine's decision after `attempt`, from the contact's history up to and including it and the
    campaign's dial-plan strategies. Pass `calendar` when the caller already built it."""
    campaign = attempt.campaign
    telephony, business = _dial_plan_specs(campaign)
    return decide(
        calendar or calendar_for(campaign),
        attempt_records(attempt.contact, campaign, up_to_number=attempt.number),
        catalog(),
        telephony,
        business,
        contact_zone(attempt.contact),
    )


def next_allowed_for(
    campaign: Campaign, contact: Contact, candidate_at: datetime, calendar: Calendar | None = None
) -> AllowedTime | None:
    """Rules 5-7 for this contact: the earliest allowed instant >= candidate_at (with the opening delay
    when it had to move). Returns None when nothing is allowed: no window within 366 days, or after the
    campaign's end."""
    return next_allowed_at(
        calendar or calendar_for(campaign),
        candidate_at,
        attempt_records(contact, campaign),
        contact_zone(contact),
    )
