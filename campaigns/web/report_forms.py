"""The call report's filter form, and the agent choices the callbacks screen shares."""

from datetime import date, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.http import QueryDict

from campaigns.models import Attempt, Campaign
from campaigns.queries.reports import local_today
from retryadmin.lib.personas import AGENT
from strategies.models import CallResult, Outcome

# The longest range a report may cover: wider ones scan too many rows for an interactive page.
MAX_RANGE_DAYS = 366


DEFAULT_RANGE_DAYS = 7


def agent_users():
    """Users of the Agent persona, the people who place and take calls."""
    return get_user_model().objects.filter(groups__name=AGENT, is_active=True).order_by("username")


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class OutcomeChoiceField(forms.ModelChoiceField):
    """Outcomes by name and category ("Fax Detected (Twilio)"): names repeat across providers, codes are
    for programs."""

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_category_display()})"


class ReportFilterForm(forms.Form):
    campaign = forms.ModelChoiceField(Campaign.objects.only("id", "name", "zone"), required=False)
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Local date.",
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Local date, included.",
    )
    outcome = OutcomeChoiceField(Outcome.objects.order_by(Lower("name"), "code"), required=False)
    call_result = forms.ModelChoiceField(CallResult.objects.order_by(Lower("name"), "code"), required=False)
    agent = AgentChoiceField(queryset=agent_users(), required=False)
    source = forms.ChoiceField(choices=[("", "Any source"), *Attempt.SOURCE_CHOICES], required=False)

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["campaign"].empty_label = "All campaigns"
        self.fields["outcome"].empty_label = "Any outcome"
        self.fields["call_result"].empty_label = "Any call result"
        self.fields["agent"].empty_label = "Any agent"
        # The agent list is a fresh query per form: agents join after the server starts.
        self.fields["agent"].queryset = agent_users()

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if self.errors:
            return data
        today = self.today or local_today(data.get("campaign"))
        if date_from is None and date_to is None:
            date_to = today
            date_from = date_to - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        elif date_from is None:
            date_from = date_to - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        elif date_to is None:
            date_to = max(date_from, today)
        if date_to < date_from:
            self.add_error("date_to", "The end date must be on or after the start date.")
        elif (date_to - date_from).days >= MAX_RANGE_DAYS:
            self.add_error("date_to", f"Choose a range of at most {MAX_RANGE_DAYS} days.")
        data["date_from"], data["date_to"] = date_from, date_to
        return data


def effective_data(form: ReportFilterForm) -> QueryDict:
    """The form's data with the dates it actually used, so the inputs show the defaulted range."""
    data = form.data.copy()
    data["date_from"] = form.cleaned_data["date_from"].isoformat()
    data["date_to"] = form.cleaned_data["date_to"].isoformat()
    return data
