"""Form fields for local wall-clock times stored as minutes after midnight (1440 = "24:00")."""

import re

from django import forms
from django.core.exceptions import ValidationError

from campaigns.models import MINUTES_IN_DAY, minutes_to_hhmm

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_hhmm(text: str, *, allow_end_of_day: bool = False) -> int:
    """Minutes after midnight for "HH:MM"; raises ValueError with a message fit for the user."""
    match = _HHMM.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a time in HH:MM form, e.g. 09:30.")
    hours, minutes = int(match.group(1)), int(match.group(2))
    total = hours * 60 + minutes
    if minutes >= 60 or total > MINUTES_IN_DAY or (total == MINUTES_IN_DAY and not allow_end_of_day):
        raise ValueError(
            f"'{text}' is not a time of day" + (" (24:00 may only end a window)." if total == MINUTES_IN_DAY else ".")
        )
    return total


class MinuteOfDayInput(forms.TextInput):
    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"placeholder": "HH:MM", "pattern": r"\d{1,2}:\d{2}", "inputmode": "numeric", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int):
            return minutes_to_hhmm(value)
        return value


class MinuteOfDayField(forms.Field):
    """`HH:MM` in the form, minutes after midnight in Python; "24:00" only where it may end a window."""

    widget = MinuteOfDayInput

    def __init__(self, *, allow_end_of_day: bool = False, **kwargs):
        self.allow_end_of_day = allow_end_of_day
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, int):
            return value
        try:
            return parse_hhmm(str(value), allow_end_of_day=self.allow_end_of_day)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None
