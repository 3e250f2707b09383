"""Retry delays: "90m", "1d", "0s".

Pure Python (no Django import). A delay is a whole non-negative number and a unit: `s`, `m` and `h`
are elapsed time; `d` is calendar days, the same local wall-clock time N days later in a given zone
(see `add_delay`).
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

# A delay longer than MAX_DELAY_SECONDS is a typo, and would overflow datetime arithmetic near year 9999.
from .limits import MAX_DELAY_SECONDS, UNIT_SECONDS

UNITS = ("s", "m", "h", "d")
_UNIT_NAMES = {"s": "second", "m": "minute", "h": "hour", "d": "day"}
_DELAY_RE = re.compile(r"([0-9]+)([smhd])")


@dataclass(frozen=True)
class Delay:
    """A retry delay. Days are calendar days (wall clock); seconds, minutes and hours are elapsed time."""

    amount: int
    unit: str

    def __post_init__(self):
        if self.unit not in UNIT_SECONDS:
            raise ValueError(f"unknown unit {self.unit!r}: use one of s, m, h, d")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"amount must be a whole non-negative number, not {self.amount!r}")
        if self.amount * UNIT_SECONDS[self.unit] > MAX_DELAY_SECONDS:
            raise ValueError(f"{self.amount}{self.unit} is too long (at most 10 years)")

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    @property
    def is_calendar(self) -> bool:
        """True for days, which follow the wall clock rather than elapsed time."""
        return self.unit == "d"

    @property
    def nominal_seconds(self) -> int:
        """Length in seconds, counting a day as 86,400 s (exact for s/m/h, nominal for d)."""
        return self.amount * UNIT_SECONDS[self.unit]

    def __str__(self) -> str:
        return format_delay(self)


ZERO = Delay(0, "s")


def parse_delay(text: str) -> Delay:
    """Parse "90m", "1d", "0s" into a Delay; raises ValueError with a message fit for the user."""
    if not isinstance(text, str):
        raise ValueError(f'expected a duration such as "90m" or "1d", not {type(text).__name__}')
    match = _DELAY_RE.fullmatch(text)
    if match is None:
        raise ValueError(
            f'invalid duration {text!r}: use a whole number and a unit s, m, h or d, e.g. "90m", "1d", "0s"'
        )
    return Delay(int(match.group(1)), match.group(2))


def format_delay(delay: Delay) -> str:
    """The compact form parse_delay reads back: "1h", "30m", "2d"."""
    return f"{delay.amount}{delay.unit}"


def describe_delay(delay: Delay) -> str:
    """The delay for humans: "1 hour", "30 minutes", "2 days"."""
    name = _UNIT_NAMES[delay.unit]
    return f"{delay.amount} {name}" if delay.amount == 1 else f"{delay.amount} {name}s"


def resolve_wall_time(wall: datetime, zone: tzinfo) -> datetime:
    """The aware instant for a naive local wall-clock time in `zone`.

    An ambiguous time (DST overlap) takes its first occurrence. A time that does not exist (DST gap)
    moves forward by the length of the gap: with fold=0 zoneinfo reads it with the offset from before
    the transition, which is exactly that instant, and we normalise it to the real wall time.
    """
    # Via UTC: astimezone() to the datetime's own tzinfo returns it unchanged, un-normalised.
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def add_delay(at: datetime, delay: Delay, zone: tzinfo) -> datetime:
    """`at` plus `delay`, aware, in `zone`.

    s/m/h add elapsed time. d keeps the wall-clock time of `at` in `zone` and moves the date N days on,
    resolved with resolve_wall_time (gap: forward by the gap; overlap: first occurrence).
    The result is in `zone`; compare it in UTC (PEP 495: an ambiguous local time never equals an instant
    of another zone).
    """
    if at.tzinfo is None:
        raise ValueError("add_delay needs an aware datetime")
    if delay.unit == "d":
        local = at.astimezone(zone)
        wall = local.replace(tzinfo=None) + timedelta(days=delay.amount)
        return resolve_wall_time(wall, zone)
    # Aware + timedelta adds to the wall clock of at's own tzinfo; elapsed time must be added in UTC.
    return (at.astimezone(UTC) + timedelta(seconds=delay.nominal_seconds)).astimezone(zone)
