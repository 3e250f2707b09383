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


class WriteOnlySecretInput(forms.PasswordInput):
    """A secret's input that never renders the stored value: its placeholder shows it masked."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False)


def keep_secret_when_blank(form: forms.ModelForm, name: str) -> str:
    """The cleaned value of a write-only secret field: what was typed, or the stored value when the field
    was left empty (the page never sends the stored value back)."""
    typed = form.cleaned_data.get(name) or ""
    if not typed and form.instance.pk:
        return getattr(form.instance, name)
    return typed


def show_secret_masked(form: forms.ModelForm, name: str) -> None:
    """Put the stored secret, masked, in the field's placeholder, and say how to keep or replace it."""
    from retryadmin.lib.masking import mask_secret

    stored = getattr(form.instance, name, "") if form.instance.pk else ""
    if name in form.fields and stored:
        form.fields[name].widget.attrs["placeholder"] = f"{mask_secret(stored)} (leave empty to keep it)"
