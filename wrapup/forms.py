"""Forms of the agent workspace. They parse input; the services decide what is allowed."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.db.models.functions import Lower

from strategies.durations import resolve_wall_time
from strategies.models import Outcome
from wrapup.services import presence, wrap_up

MAX_CALL_SECONDS = 6 * 3600
HOUR_CHOICES = [(h, f"{h:02d}") for h in range(24)]
MINUTE_CHOICES = [(m, f"{m:02d}") for m in range(0, 60, 5)]
PERSONAL, COMMON = "personal", "common"


class JoinForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=None, empty_label="Choose a campaign…")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = presence.joinable_campaigns()


def outcome_choices():
    """Active outcomes grouped by category, for a select with optgroups; connected ones first."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for outcome in Outcome.objects.filter(is_active=True).order_by("-is_connected", "category", Lower("name")):
        label = outcome.get_category_display()
        groups.setdefault(label, []).append(
            (outcome.pk, f"{outcome.name}{' (connected)' if outcome.is_connected else ''}")
        )
    return [("", "Choose the telephony outcome…"), *groups.items()]


class CallEndForm(forms.Form):
    outcome = forms.TypedChoiceField(coerce=int, label="Telephony outcome")
    duration_seconds = forms.IntegerField(
        label="Duration (seconds)", min_value=0, max_value=MAX_CALL_SECONDS, initial=60
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcome_choices()

    def clean_outcome(self):
        outcome = Outcome.objects.filter(pk=self.cleaned_data["outcome"], is_active=True).first()
        if outcome is None:
            raise forms.ValidationError("Choose one of the listed telephony outcomes.")
        return outcome


class CallResultForm(forms.Form):
    call_result = forms.ModelChoiceField(queryset=None, widget=forms.RadioSelect, empty_label=None)
    pause_after = forms.BooleanField(
        required=False,
        label="Pause after this wrap-up",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call_result"].queryset = wrap_up.active_call_results()


class EndWrapUpForm(forms.Form):
    pause_after = forms.BooleanField(required=False, label="Pause after this wrap-up")


class AddRedialForm(forms.Form):
    """Date (the browser's calendar), hour and minute in the campaign's zone, personal or common."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    hour = forms.TypedChoiceField(choices=HOUR_CHOICES, coerce=int)
    minute = forms.TypedChoiceField(choices=MINUTE_CHOICES, coerce=int)
    owner = forms.ChoiceField(
        label="Offered to",
        choices=[(PERSONAL, "Personal (only me)"), (COMMON, "Common (any free agent)")],
        widget=forms.RadioSelect,
        initial=PERSONAL,
    )
    remarks = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self):
        data = super().clean()
        if {"date", "hour", "minute"} <= data.keys():
            wall = datetime.datetime.combine(data["date"], datetime.time(data["hour"], data["minute"]))
            # A wall time in a DST gap moves forward by the gap, as the scheduling rules do.
            data["due_at"] = resolve_wall_time(wall, ZoneInfo(self.zone))
        return data

    @property
    def is_personal(self) -> bool:
        return self.cleaned_data.get("owner") == PERSONAL


class NotesForm(forms.Form):
    notes = forms.CharField(
        required=False, max_length=wrap_up.NOTES_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
