"""The engine's inputs and outputs: frozen dataclasses and the reason codes.

Pure Python (no Django import). Lists and dicts given to the constructors are frozen into tuples,
frozensets and read-only mappings, so a Calendar can be shared by many decisions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..durations import Delay

STRATEGY_TELEPHONY, STRATEGY_BUSINESS, STRATEGY_LADDER = "telephony", "business", "ladder"
STRATEGY_KINDS = (STRATEGY_TELEPHONY, STRATEGY_BUSINESS, STRATEGY_LADDER)

REASON_RETRY = "retry"
REASON_FINAL = "final_outcome"
REASON_MAX_ATTEMPTS = "max_attempts_reached"
REASON_NO_RULE = "no_rule"
REASON_NO_WINDOW = "no_calling_window"
REASON_ENDED = "campaign_ended"
REASON_DO_NOT_CALL = "do_not_call"
REASONS = (
    REASON_RETRY,
    REASON_FINAL,
    REASON_MAX_ATTEMPTS,
    REASON_NO_RULE,
    REASON_NO_WINDOW,
    REASON_ENDED,
    REASON_DO_NOT_CALL,
)

HANDLINGS = ("final", "retry", "redial", "instant")
SHORT_CALL_OUTCOME = "platform.short_call"
# Rule 7: how far past the candidate we look for an allowed instant.
SEARCH_DAYS = 366


# --------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Window:
    """A daily window in local wall-clock minutes since midnight: start inclusive, end exclusive.

    end_minute may be 1440 ("24:00").
    """

    start_minute: int
    end_minute: int

    def __post_init__(self):
        if not (0 <= self.start_minute < self.end_minute <= 1440):
            window = f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"
            raise ValueError(f"window {window}: end must be after start, within 00:00-24:00")

    def __str__(self) -> str:
        return f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _zone(key: str) -> ZoneInfo:
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"unknown time zone {key!r}") from None


COUNT_ALL, COUNT_CONNECTED, COUNT_OUTCOMES = "all", "connected", "outcomes"
RULE_COUNTS = (COUNT_ALL, COUNT_CONNECTED, COUNT_OUTCOMES)
SCOPE_CONTACT, SCOPE_NUMBER = "contact", "number"
RULE_SCOPES = (SCOPE_CONTACT, SCOPE_NUMBER)
# Rule 10: the repeat band is at most 11 hours either side, so some of every day stays outside it.
MAX_AVOID_REPEAT_SECONDS = 11 * 3600


@dataclass(frozen=True)
class AttemptRule:
    """Rule 9: at most `max_attempts` counted attempts started within any rolling `within` (elapsed time:
    "7d" is 168 hours), so an instant x is allowed only when fewer than max_attempts counted attempts
    started in (x - within, x].

    count: "all" attempts, only "connected" ones, or "outcomes": those whose outcome is one of `outcomes`.
    As in rule 3, a connected call shorter than the campaign's short-call threshold is outcome
    "platform.short_call" and not connected (so it is not "a conversation" for the Reg F preset).
    scope: "contact" counts this contact's attempts in this campaign; "number" also counts the attempts to
    the same phone number that the caller passes as `number_history` (other campaigns).
    """

    name: str
    max_attempts: int
    within: Delay
    count: str = COUNT_ALL
    outcomes: frozenset[str] = frozenset()
    scope: str = SCOPE_CONTACT

    def __post_init__(self):
        label = self.name or "attempt rule"
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ValueError(f"{label}: max_attempts must be a whole number of at least 1")
        if not isinstance(self.within, Delay) or self.within.nominal_seconds <= 0:
            raise ValueError(f"{label}: within must be a delay longer than 0")
        if self.count not in RULE_COUNTS:
            raise ValueError(f"{label}: unknown count {self.count!r}: use one of {', '.join(RULE_COUNTS)}")
        object.__setattr__(self, "outcomes", frozenset(self.outcomes))
        if self.count == COUNT_OUTCOMES and not self.outcomes:
            raise ValueError(f"{label}: count 'outcomes' needs at least one outcome code")
        if self.scope not in RULE_SCOPES:
            raise ValueError(f"{label}: unknown scope {self.scope!r}: use one of {', '.join(RULE_SCOPES)}")

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.within.nominal_seconds)

    @property
    def label(self) -> str:
        """The rule's name, or a description such as "2 connected calls in 3h" when it has none."""
        if self.name:
            return self.name
        calls = "call" if self.max_attempts == 1 else "calls"
        what = {COUNT_ALL: calls, COUNT_CONNECTED: f"connected {calls}"}.get(
            self.count, f"{', '.join(sorted(self.outcomes))} {calls}"
        )
        per = " per number" if self.scope == SCOPE_NUMBER else ""
        return f"{self.max_attempts} {what} in {self.within.amount}{self.within.unit}{per}"


@dataclass(frozen=True)
class Calendar:
    """Where and when a campaign may call. Lists are accepted and frozen into tuples."""

    zone: str
    business_hours: tuple[tuple[Window, ...], ...]
    max_attempts: int
    daily_attempts: int | None = None
    holidays: frozenset[date] = frozenset()
    contact_window: Window | None = None
    redial_delay: Delay = Delay(30, "m")
    short_call_seconds: int = 0
    opening_delay: Delay = Delay(0, "s")
    end_at: datetime | None = None
    # Nothing is allowed before the campaign starts; a retry or lead due earlier waits for the start.
    start_at: datetime | None = None
    # Rule 9: the campaign's own attempt rules plus the organisation's required ones (the caller merges them).
    attempt_rules: tuple[AttemptRule, ...] = ()
    # Rule 10: the repeat band H (0 = off, at most 11 hours).
    avoid_repeat: Delay = Delay(0, "s")

    def __post_init__(self):
        _zone(self.zone)
        hours = tuple(tuple(day) for day in self.business_hours)
        if len(hours) != 7:
            raise ValueError("business_hours needs exactly 7 entries, Monday first")
        object.__setattr__(self, "business_hours", hours)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if self.end_at is not None and self.end_at.utcoffset() is None:
            raise ValueError("end_at must be an aware datetime")
        if self.start_at is not None and self.start_at.utcoffset() is None:
            raise ValueError("start_at must be an aware datetime")
        rules = tuple(self.attempt_rules)
        if not all(isinstance(rule, AttemptRule) for rule in rules):
            raise ValueError("attempt_rules must be AttemptRule values")
        object.__setattr__(self, "attempt_rules", rules)
        if not isinstance(self.avoid_repeat, Delay) or self.avoid_repeat.nominal_seconds > MAX_AVOID_REPEAT_SECONDS:
            raise ValueError("avoid_repeat must be a delay of at most 11h")

    @property
    def history_window(self) -> timedelta:
        """How far before an instant the attempt rules look: the longest rule's window (0 without rules).
        Callers load the attempts to the number that started within it before the first instant they ask about."""
        return max((rule.window for rule in self.attempt_rules), default=timedelta(0))


@dataclass(frozen=True)
class OutcomeInfo:
    code: str
    name: str
    is_connected: bool
    is_final: bool


@dataclass(frozen=True)
class CallResultInfo:
    code: str
    name: str
    handling: str  # "final" | "retry" | "redial" | "instant"


@dataclass(frozen=True)
class Catalog:
    """Outcomes and call results by code. Plain dicts are accepted and frozen."""

    outcomes: Mapping[str, OutcomeInfo]
    call_results: Mapping[str, CallResultInfo]

    def __post_init__(self):
        object.__setattr__(self, "outcomes", MappingProxyType(dict(self.outcomes)))
        object.__setattr__(self, "call_results", MappingProxyType(dict(self.call_results)))

    @classmethod
    def from_rows(cls, outcome_rows: Iterable, call_result_rows: Iterable, extra_outcomes: Iterable = ()) -> Catalog:
        """Build from rows with code/name/is_connected/is_final and code/name/handling attributes
        (strategies.catalog rows, model instances ...). extra_outcomes (OutcomeInfo or rows) come last
        and override a catalog outcome with the same code."""
        outcomes = {}
        for row in [*outcome_rows, *extra_outcomes]:
            outcomes[row.code] = OutcomeInfo(row.code, row.name, bool(row.is_connected), bool(row.is_final))
        results = {row.code: CallResultInfo(row.code, row.name, row.handling) for row in call_result_rows}
        return cls(outcomes, results)

    @classmethod
    def load(cls, extra_outcomes: Iterable = ()) -> Catalog:
        """The catalog the product ships (the CSV files of strategies.catalog) plus extra_outcomes."""
        from ..catalog import read_call_results, read_outcomes

        return cls.from_rows(read_outcomes(), read_call_results(), extra_outcomes)

    def with_outcomes(self, extra_outcomes: Iterable[OutcomeInfo]) -> Catalog:
        """A copy with extra (e.g. mapped) outcomes added or overridden."""
        outcomes = dict(self.outcomes)
        outcomes.update({o.code: o for o in extra_outcomes})
        return Catalog(outcomes, self.call_results)


@dataclass(frozen=True)
class StrategySpec:
    """A retry strategy as the engine sees it.

    telephony: rules map an outcome code to a delay; business: rules map a call result code to a delay.
    ladder: ladder_keys are the outcome codes (and/or call result codes) it applies to and ladder_steps
    the delay of the 1st, 2nd ... retry, None meaning "No retry" (see `_ladder_step` for what k is).
    A plain dict is accepted for rules and is frozen.
    """

    kind: str
    rules: Mapping[str, Delay] = field(default_factory=lambda: MappingProxyType({}))
    ladder_keys: frozenset[str] = frozenset()
    ladder_steps: tuple[Delay | None, ...] = ()
    name: str = ""

    def __post_init__(self):
        if self.kind not in STRATEGY_KINDS:
            raise ValueError(f"unknown strategy kind {self.kind!r}: use one of {', '.join(STRATEGY_KINDS)}")
        object.__setattr__(self, "rules", MappingProxyType(dict(self.rules)))
        object.__setattr__(self, "ladder_keys", frozenset(self.ladder_keys))
        object.__setattr__(self, "ladder_steps", tuple(self.ladder_steps))


@dataclass(frozen=True)
class AttemptRecord:
    at: datetime  # aware
    outcome: str  # telephony outcome code
    result: str | None = None  # call result code from wrap-up
    duration_seconds: int | None = None


# --------------------------------------------------------------------------------------------------
# Outputs


@dataclass(frozen=True)
class Decision:
    next_attempt_at: datetime | None  # aware, UTC
    reason: str
    explanation: str
    candidate_at: datetime | None = None  # t + delay, before rule 5 (UTC)
    moved_to_opening: bool = False  # rule 5 moved the candidate to the opening of a window (rule 6 applied)
    opening_at: datetime | None = None  # that opening, before the opening delay (UTC)
    attempt: int = 0  # k, the number of the attempt this decision follows
    delay: Delay | None = None  # the delay rule 3 chose
    # Labels of the attempt rules (rule 9) and "repeat band" (rule 10) that deferred the retry, in order.
    deferred_by: tuple[str, ...] = ()

    @property
    def is_retry(self) -> bool:
        return self.next_attempt_at is not None


@dataclass(frozen=True)
class AllowedTime:
    """The answer of rules 5-7 for a candidate."""

    at: datetime  # UTC: the candidate itself, the instant it moved to, or an opening plus the opening delay
    moved_to_opening: bool = False  # the candidate moved to an opening (rule 6)
    opening_at: datetime | None = None  # UTC, that opening, before the opening delay; None when not moved to one
    reasons: tuple[str, ...] = ()  # why the candidate was not allowed, e.g. ("outside business hours",)
    explanation: str = ""  # e.g. "outside business hours -> next opening Tue 09:00"
    # Labels of the attempt rules (rule 9) and "repeat band" (rule 10) that deferred the candidate, in order.
    deferred_by: tuple[str, ...] = ()
