"""Campaigns, their calendars, contacts, attempts and redial requests.

Instants are stored in UTC; every campaign and contact keeps an IANA zone name, and the scheduling
engine in `strategies.engine` reads local wall-clock time through it.
"""

from .calendars import (
    MAX_AVOID_REPEAT_HOURS,
    MAX_RULE_WINDOW_DAYS,
    MINUTES_IN_DAY,
    WEEKDAY_CHOICES,
    BusinessHourWindow,
    Campaign,
    ConnectRateTable,
    DialPlan,
    Holiday,
    SchedulingConfigVersion,
    Weekday,
    minutes_to_hhmm,
    validate_e164,
    validate_zone,
)
from .compliance import AttemptRule, AttemptRuleChange, DoNotCallEntry, DoNotCallImport, DoNotCallList, DoNotCallRemoval
from .contacts import Attempt, Contact, LeadSubmission
from .intake import ImportJob, WebhookEvent
from .redials import CLAIM_CLEARED, RedialRequest, RedialRequestQuerySet

__all__ = [
    "Weekday",
    "WEEKDAY_CHOICES",
    "MINUTES_IN_DAY",
    "MAX_AVOID_REPEAT_HOURS",
    "MAX_RULE_WINDOW_DAYS",
    "validate_zone",
    "validate_e164",
    "minutes_to_hhmm",
    "DialPlan",
    "Campaign",
    "BusinessHourWindow",
    "ConnectRateTable",
    "Holiday",
    "SchedulingConfigVersion",
    "Contact",
    "Attempt",
    "LeadSubmission",
    "RedialRequestQuerySet",
    "CLAIM_CLEARED",
    "RedialRequest",
    "ImportJob",
    "WebhookEvent",
    "AttemptRule",
    "AttemptRuleChange",
    "DoNotCallList",
    "DoNotCallEntry",
    "DoNotCallRemoval",
    "DoNotCallImport",
]
