"""Forms of the callbacks screen: the list's filters and the supervisor's three actions."""

from datetime import UTC, datetime

from django import forms

from campaigns.models import Campaign
from campaigns.queries import callback_list
from campaigns.web.report_forms import AgentChoiceField, agent_users
from retryadmin.lib.localtime import local, zone_of
from retryadmin.lib.paging import decode_cursor


class CallbackFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=callback_list.TABS, required=False, widget=forms.HiddenInput)
    campaign = forms.ModelChoiceField(Campaign.objects.only("id", "name"), required=False, empty_label="All campaigns")
    agent = AgentChoiceField(queryset=agent_users(), required=False, empty_label="Any owner")
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Agents join after the server starts: a fresh list per form.
        self.fields["agent"].queryset = agent_users()

    def clean_tab(self):
        return self.cleaned_data.get("tab") or callback_list.UPCOMING

    def clean_after(self):
        value = self.cleaned_data.get("after", "")
        if not value:
            return None
        cursor = decode_cursor(value)
        if cursor is None:
            raise forms.ValidationError("This page link is damaged; start again from the first page.")
        return cursor

    def clean(self):
        data = super().clean()
        if data.get("tab") == callback_list.COMMON and data.get("agent") is not None:
            self.add_error("agent", "Common callbacks have no owner; choose any owner, or the Personal tab.")
        return data


class RescheduleForm(forms.Form):
    """A new due time as a date and a wall-clock time in the campaign's zone."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def __init__(self, *args, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["time"].help_text = f"Local time in {zone}."

    def clean(self):
        data = super().clean()
        day, clock = data.get("date"), data.get("time")
        if day is None or clock is None:
            return data
        tz = zone_of(self.zone)
        naive = datetime.combine(day, clock.replace(second=0, microsecond=0))
        due_at = naive.replace(tzinfo=tz)
        # A wall-clock time skipped by a DST change does not survive the round trip through UTC.
        if due_at.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
            raise forms.ValidationError(
                f"{naive:%Y-%m-%d %H:%M} does not exist in {self.zone}: the clocks go forward then. "
                "Choose another time."
            )
        data["due_at"] = due_at.astimezone(UTC)
        return data

    @classmethod
    def initial_for(cls, instant: datetime, zone: str) -> dict:
        local_instant = local(instant, zone)
        return {"date": local_instant.date(), "time": local_instant.time().replace(second=0, microsecond=0)}


class ReassignForm(forms.Form):
    owner = AgentChoiceField(
        queryset=agent_users(),
        required=False,
        empty_label="Common (any free agent)",
        label="New owner",
        help_text="A personal callback is offered only to its agent; a common one to any free agent.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = agent_users()
        self.fields["owner"].error_messages["invalid_choice"] = (
            "Choose one of the agents, or Common: only agents own personal callbacks."
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=150, required=False, help_text="Optional; kept with the request, e.g. 'customer asked us to stop'."
    )
