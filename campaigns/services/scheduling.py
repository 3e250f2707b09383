"""The adapter between the campaigns models and the pure scheduling engine.

It only translates rows into `strategies.engine` values and back, caching the configuration part of them
per process (see "The configuration cache" below); every scheduling rule lives in the engine, and every
state change in `campaigns.services`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import NamedTuple, TypeVar

from django.db.models import Q

from campaigns.models import (
    Attempt,
    AttemptRule,
    BusinessHourWindow,
    Campaign,
    Contact,
    Holiday,
    SchedulingConfigVersion,
)
from campaigns.services.rule_histories import number_history
from strategies import engine
from strategies.durations import Delay
from strategies.engine import (
    AllowedTime,
    AttemptRecord,
    Calendar,
    Catalog,
    Decision,
    StrategySpec,
    Window,
    decide,
    next_allowed_at,
)
from strategies.models import Strategy
from strategies.services import catalog_from_db, spec_from_strategy

__all__ = [
    "attempt_records",
    "attempt_rules_for",
    "cached_calendar",
    "calendar_for",
    "catalog",
    "config_token",
    "contact_zone",
    "decide_for",
    "decide_from_history",
    "next_allowed_for",
    "not_allowed_because_for",
    "strategy_spec",
]

# --------------------------------------------------------------------------------------------------
# The configuration cache
#
# Outcomes, call results, strategies and campaign calendars change rarely and are read on every call
# result. Each process keeps what it built under the token of SchedulingConfigVersion, which database
# triggers replace in the same transaction as any change to those tables. A process reads the token
# (with the contact's lock, or on its own) and uses its cache only while the token is the same, so an
# admin who marks an outcome final is obeyed by every web and Celery process from the commit on. Not
# Django's cache: with LocMem it is per process anyway, and with Redis it would add a round trip and an
# unpickling per read for values that are cheap to hold here; the token has to come from the database
# regardless, because only there does it commit atomically with the change.
#
# Values cached under a token are functions of the watched tables' contents alone, which the token
# names; a reader that read the token before a concurrent commit and the rows after it caches newer
# rows under an older token, which no reader sees again once the new token has committed.

T = TypeVar("T")
_cache: tuple[str | None, dict] = (None, {})


class HourWindow(NamedTuple):
    """A business-hours row as calendar_for reads it."""

    weekday: int
    start_minute: int
    end_minute: int


def config_token() -> str | None:
    """The current configuration token (one query). Returns None when the version row is missing (a test
    flush removed it): then nothing is cached and every value is read from the database."""
    return (
        SchedulingConfigVersion.objects.filter(pk=SchedulingConfigVersion.SINGLETON_ID)
        .values_list("token", flat=True)
        .first()
    )


def _cached(token: str | None, key: tuple, build: Callable[[], T]) -> T:
    global _cache
    if token is None:
        return build()
    current_token, values = _cache
    if current_token != token:
        # A new token: everything built under the old one may be stale, so start over.
        values = {}
        _cache = (token, values)
    try:
        return values[key]
    except KeyError:
        value = values[key] = build()
        return value


def catalog() -> Catalog:
    """The outcomes and call results as they are in the database now, inactive ones included (old
    attempts may use them). Cached per process under the configuration token (one query to read it)."""
    return _cached(config_token(), ("catalog",), catalog_from_db)


def catalog_for_token(token: str | None) -> Catalog:
    """catalog() under a configuration token the caller already read in its transaction (no query when
    cached; None reads the catalog from the database)."""
    return _cached(token, ("catalog",), catalog_from_db)


def attempt_rules_for(campaign: Campaign | None) -> tuple[engine.AttemptRule, ...]:
    """The organisation's required attempt rules, then the campaign's own (none when `campaign` is None or
    unsaved), as the engine reads them (one query). A row that is not a valid rule (changed by hand in the
    database) is skipped rather than stopping every call of the campaign."""
    where = Q(campaign__isnull=True)
    if campaign is not None and campaign.pk is not None:
        where |= Q(campaign_id=campaign.pk)
    required, own = [], []
    for row in AttemptRule.objects.filter(where).order_by("id"):
        try:
            rule = row.to_engine()
        except ValueError:
            continue
        (required if row.campaign_id is None else own).append(rule)
    return tuple(required + own)


def calendar_for(campaign: Campaign, business_hours=None, holidays=None, attempt_rules=None) -> Calendar:
    """The campaign's calendar for the engine.

    `business_hours` (BusinessHourWindow rows), `holidays` (Holiday rows or dates) and `attempt_rules`
    (engine AttemptRules: the required ones and the campaign's) may be passed when the caller already has
    them; otherwise `campaign.business_hours.all()` and `campaign.holidays.all()` are read, which use
    `prefetch_related("business_hours", "holidays")` when the caller prefetched, and the rules are read
    with `attempt_rules_for`.
    """
    if business_hours is None:
        business_hours = campaign.business_hours.all()
    if holidays is None:
        holidays = campaign.holidays.all()
    if attempt_rules is None:
        attempt_rules = attempt_rules_for(campaign)
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
        start_at=campaign.starts_at,
        attempt_rules=tuple(attempt_rules),
        avoid_repeat=Delay(campaign.avoid_repeat_hours, "h"),
    )


def cached_calendar(campaign: Campaign, token: str | None) -> Calendar:
    """calendar_for(campaign) with the campaign's business hours and holidays cached under `token` (from
    config_token(), read in the caller's transaction); the campaign's own fields are the ones given."""

    def build() -> tuple[tuple[HourWindow, ...], frozenset[date], tuple[engine.AttemptRule, ...]]:
        # order_by() drops the models' ordering by campaign, which joins the campaign table for nothing.
        hours = BusinessHourWindow.objects.filter(campaign_id=campaign.pk).order_by()
        holidays = Holiday.objects.filter(campaign_id=campaign.pk).order_by()
        return (
            tuple(HourWindow(*row) for row in hours.values_list("weekday", "start_minute", "end_minute")),
            frozenset(holidays.values_list("date", flat=True)),
            attempt_rules_for(campaign),
        )

    hours, holidays, rules = _cached(token, ("calendar", campaign.pk), build)
    return calendar_for(campaign, business_hours=hours, holidays=holidays, attempt_rules=rules)


def strategy_spec(strategy: Strategy | None) -> StrategySpec | None:
    """The strategy as the engine sees it, read from the database; None when there is no strategy."""
    return None if strategy is None else spec_from_strategy(strategy)


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


def _cached_spec(strategy: Strategy | None, token: str | None) -> StrategySpec | None:
    if strategy is None:
        return None
    # Keyed on the id alone: the strategy's kind and name are in the watched tables too.
    return _cached(token, ("strategy", strategy.pk), lambda: strategy_spec(strategy))


def _dial_plan_specs(campaign: Campaign, token: str | None) -> tuple[StrategySpec | None, StrategySpec | None]:
    plan = campaign.dial_plan
    if plan is None:
        return None, None
    return _cached_spec(plan.telephony_strategy, token), _cached_spec(plan.business_strategy, token)


def decide_for(attempt: Attempt, calendar: Calendar | None = None) -> Decision:
    """The engine's decision after `attempt`, from the contact's history up to and including it and the
    campaign's dial-plan strategies. Pass `calendar` when the caller already built it."""
    return decide_from_history(
        attempt,
        attempt_records(attempt.contact, attempt.campaign, up_to_number=attempt.number),
        calendar=calendar or calendar_for(attempt.campaign),
        token=config_token(),
    )


# Rule 1's reason when the number is on a do-not-call list (rule 8).
REASON_DO_NOT_CALL = engine.REASON_DO_NOT_CALL


def decide_from_history(
    attempt: Attempt,
    history: Sequence[AttemptRecord],
    *,
    calendar: Calendar,
    token: str | None,
    number_records: Sequence[AttemptRecord] | None = None,
    do_not_call: bool = False,
) -> Decision:
    """decide_for when the caller already holds the contact's attempt records up to and including
    `attempt` (oldest first), the campaign's calendar and a configuration token read in its transaction
    (None reads the catalog and strategies from the database). `number_records` are the number's attempts
    in other campaigns (see `rule_histories.number_history`); None reads them when a rule needs them.
    `do_not_call`: the contact's number is on a do-not-call list for the campaign (rule 8), which the
    engine's rule 1 checks before anything else."""
    telephony, business = _dial_plan_specs(attempt.campaign, token)
    if number_records is None:
        number_records = number_history(attempt.contact, attempt.campaign, calendar, attempt.started_at)
    return decide(
        calendar,
        list(history),
        _cached(token, ("catalog",), catalog_from_db),
        telephony,
        business,
        contact_zone(attempt.contact),
        number_history=number_records,
        do_not_call=do_not_call,
    )


def next_allowed_for(
    campaign: Campaign,
    contact: Contact,
    candidate_at: datetime,
    calendar: Calendar | None = None,
    *,
    number_records: Sequence[AttemptRecord] | None = None,
) -> AllowedTime | None:
    """Rules 5-7, 9 and 10 for this contact: the earliest allowed instant >= candidate_at (with the opening
    delay when it had to move). `number_records` are as for decide_from_history (None reads them). Returns
    None when nothing is allowed: no window within 366 days, or after the campaign's end."""
    calendar = calendar or calendar_for(campaign)
    if number_records is None:
        number_records = number_history(contact, campaign, calendar, candidate_at)
    return next_allowed_at(
        calendar,
        candidate_at,
        attempt_records(contact, campaign),
        contact_zone(contact),
        number_history=number_records,
        catalog=catalog(),
    )


def not_allowed_because_for(
    campaign: Campaign,
    contact: Contact,
    instant: datetime,
    calendar: Calendar | None = None,
    *,
    number_records: Sequence[AttemptRecord] | None = None,
) -> tuple[str, ...]:
    """Why this contact may not be called at `instant`, each reason naming its rule ("US Regulation F: 7
    calls in 7 days reached", "outside business hours"); empty when it may."""
    calendar = calendar or calendar_for(campaign)
    if number_records is None:
        number_records = number_history(contact, campaign, calendar, instant)
    return engine.not_allowed_because(
        calendar,
        instant,
        attempt_records(contact, campaign),
        contact_zone(contact),
        number_history=number_records,
        catalog=catalog(),
    )
