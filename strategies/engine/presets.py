"""Attempt rule presets (PRODUCT.md rule 9), as data: forms offer them in one click, scenarios may name them.

Pure Python (no Django import). Each preset is an AttemptRule whose name is the text the product shows.
"""

from __future__ import annotations

from types import MappingProxyType

from ..durations import Delay
from .model import COUNT_ALL, COUNT_CONNECTED, SCOPE_NUMBER, AttemptRule

REG_F_7_IN_7 = AttemptRule("US Regulation F: 7 calls in 7 days", 7, Delay(7, "d"), COUNT_ALL, scope=SCOPE_NUMBER)
REG_F_AFTER_CONVERSATION = AttemptRule(
    "US Regulation F: no call within 7 days after a conversation",
    1,
    Delay(7, "d"),
    COUNT_CONNECTED,
    scope=SCOPE_NUMBER,
)
FLORIDA_3_IN_24H = AttemptRule("Florida: 3 calls in 24 hours", 3, Delay(24, "h"), COUNT_ALL, scope=SCOPE_NUMBER)

# Keyed by a stable slug a form or an API can send.
ATTEMPT_RULE_PRESETS: MappingProxyType[str, AttemptRule] = MappingProxyType(
    {
        "us_reg_f_7_in_7": REG_F_7_IN_7,
        "us_reg_f_after_conversation": REG_F_AFTER_CONVERSATION,
        "florida_3_in_24h": FLORIDA_3_IN_24H,
    }
)
