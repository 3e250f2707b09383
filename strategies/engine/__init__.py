"""The scheduling engine: when, if ever, a contact is called again.

Pure Python (no Django import): frozen dataclasses in, a `Decision` out. `manage.py simulate`, the
strategy preview pane and the campaigns services all call `decide`. The rules are PRODUCT.md's
"Scheduling rules", numbered the same way in the code.

Time: every instant the engine returns is aware and in UTC. "Local" means the campaign's zone, except
for the contact window, which is read in the contact's zone.

Modules: `model` (inputs, outputs, reasons), `presets` (attempt rule presets), `clock` (zones and per-day
intervals), `compliance` (rules 9 and 10 at an instant), `search` (rules 5-7), `decide` (rules 1-4).
Every public name is importable from `strategies.engine`.
"""

from .compliance import REPEAT_BAND
from .decide import SELF_REDIALLING, decide, result_redial_delay, simulate
from .model import (
    COUNT_ALL,
    COUNT_CONNECTED,
    COUNT_OUTCOMES,
    HANDLINGS,
    MAX_AVOID_REPEAT_SECONDS,
    REASON_DO_NOT_CALL,
    REASON_ENDED,
    REASON_FINAL,
    REASON_MAX_ATTEMPTS,
    REASON_NO_RULE,
    REASON_NO_WINDOW,
    REASON_RETRY,
    REASONS,
    RULE_COUNTS,
    RULE_SCOPES,
    SCOPE_CONTACT,
    SCOPE_NUMBER,
    SEARCH_DAYS,
    SHORT_CALL_OUTCOME,
    STRATEGY_BUSINESS,
    STRATEGY_KINDS,
    STRATEGY_LADDER,
    STRATEGY_TELEPHONY,
    AllowedTime,
    AttemptRecord,
    AttemptRule,
    Calendar,
    CallResultInfo,
    Catalog,
    Decision,
    OutcomeInfo,
    StrategySpec,
    Window,
)
from .presets import ATTEMPT_RULE_PRESETS, FLORIDA_3_IN_24H, REG_F_7_IN_7, REG_F_AFTER_CONVERSATION
from .search import is_allowed_at, next_allowed_at, not_allowed_because

__all__ = [
    "ATTEMPT_RULE_PRESETS",
    "COUNT_ALL",
    "COUNT_CONNECTED",
    "COUNT_OUTCOMES",
    "FLORIDA_3_IN_24H",
    "HANDLINGS",
    "MAX_AVOID_REPEAT_SECONDS",
    "REASONS",
    "REASON_DO_NOT_CALL",
    "REASON_ENDED",
    "REASON_FINAL",
    "REASON_MAX_ATTEMPTS",
    "REASON_NO_RULE",
    "REASON_NO_WINDOW",
    "REASON_RETRY",
    "REG_F_7_IN_7",
    "REG_F_AFTER_CONVERSATION",
    "REPEAT_BAND",
    "RULE_COUNTS",
    "RULE_SCOPES",
    "SCOPE_CONTACT",
    "SCOPE_NUMBER",
    "SEARCH_DAYS",
    "SHORT_CALL_OUTCOME",
    "STRATEGY_BUSINESS",
    "STRATEGY_KINDS",
    "STRATEGY_LADDER",
    "STRATEGY_TELEPHONY",
    "AllowedTime",
    "AttemptRecord",
    "AttemptRule",
    "Calendar",
    "CallResultInfo",
    "Catalog",
    "Decision",
    "OutcomeInfo",
    "StrategySpec",
    "Window",
    "SELF_REDIALLING",
    "decide",
    "result_redial_delay",
    "is_allowed_at",
    "next_allowed_at",
    "not_allowed_because",
    "simulate",
]
