"""The largest values the scheduling engine accepts, declared once (pure Python, no Django import).

Model validators and forms check against these, and the engine checks its inputs against the same
numbers, so any value a form accepts the engine accepts. Each limit is far beyond any sensible setting
and well inside what datetime arithmetic (years 1-9999) and the database columns hold.
"""

# Any retry delay: a strategy rule, a ladder step, the campaign's redial delay.
MAX_DELAY_SECONDS = 10 * 366 * 86400  # about 10 years
MAX_DELAY_TEXT = "10 years"
# The wait after a window opens before its first call (Calendar.opening_delay).
MAX_OPENING_DELAY_MINUTES = 24 * 60
# Time between calls queued for the same opening.
MAX_QUEUE_SPACING_SECONDS = 24 * 3600
# A personal redial stays with its agent this long past its due time.
MAX_PERSONAL_REDIAL_GRACE_MINUTES = 366 * 24 * 60
# Calls shorter than this count as short calls (seconds).
MAX_SHORT_CALL_SECONDS = 24 * 3600
# After-call work ends by itself after this long (seconds).
MAX_ACW_TIMEOUT_SECONDS = 24 * 3600
# Attempts per contact in all, and per local day.
MAX_ATTEMPTS = 1000
MAX_DAILY_ATTEMPTS = MAX_ATTEMPTS
# Steps of an attempt ladder.
MAX_LADDER_STEPS = 100

# Best time to call: how much later than its rule a retry may move, the gain that justifies it, and the
# campaign's calls per hour (the cap on retries moved into one 15-minute slot).
MAX_BEST_TIME_SHIFT_HOURS = 24
MAX_BEST_TIME_GAIN_PERCENT = 1000
MAX_BEST_TIME_CAPACITY_PER_HOUR = 100_000

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def delay_too_long(amount: int, unit: str) -> bool:
    """True when `amount` `unit`s is longer than MAX_DELAY_SECONDS (an unknown unit is not this check's)."""
    return amount * UNIT_SECONDS.get(unit, 0) > MAX_DELAY_SECONDS


# (field of a campaign, largest value, what the message calls it) for the plain whole-number settings.
CAMPAIGN_LIMITS = {
    "max_attempts": (MAX_ATTEMPTS, "attempts"),
    "daily_attempts": (MAX_DAILY_ATTEMPTS, "attempts a day"),
    "opening_delay_minutes": (MAX_OPENING_DELAY_MINUTES, "minutes (one day)"),
    "queue_spacing_seconds": (MAX_QUEUE_SPACING_SECONDS, "seconds (one day)"),
    "personal_redial_grace_minutes": (MAX_PERSONAL_REDIAL_GRACE_MINUTES, "minutes (one year)"),
    "short_call_seconds": (MAX_SHORT_CALL_SECONDS, "seconds (one day)"),
    "acw_timeout_seconds": (MAX_ACW_TIMEOUT_SECONDS, "seconds (one day)"),
    "best_time_max_shift_hours": (MAX_BEST_TIME_SHIFT_HOURS, "hours (the same hour tomorrow)"),
    "best_time_min_gain_percent": (MAX_BEST_TIME_GAIN_PERCENT, "%"),
    "best_time_capacity_per_hour": (MAX_BEST_TIME_CAPACITY_PER_HOUR, "calls per hour"),
}
