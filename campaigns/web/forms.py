"""Forms of the campaign, contact and import screens. They parse and validate; services act."""

import zoneinfo
from functools import lru_cache

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from campaigns.models import WEEKDAY_CHOICES, Campaign, minutes_to_hhmm
from campaigns.web.formfields import (
    MinuteOfDayField,
    WriteOnlySecretInput,
    keep_secret_when_blank,
    show_secret_masked,
)
from retryadmin.lib.localtime import local, zone_of
from strategies.models import Strategy

WEEKDAY_NAMES = dict(WEEKDAY_CHOICES)
# Shown masked, never sent back to the page: typed to replace, left empty to keep.
SECRET_FIELDS = ("dialer_secret", "lead_api_key")


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone this machine knows, sorted; `localtime` and `Factory` are not real places."""
    return tuple(sorted(z for z in zoneinfo.available_timezones() if z not in ("localtime", "Factory")))


def clean_zone_name(value: str) -> str:
    """The zone name as given when it is a known IANA zone; raises ValidationError otherwise."""
    value = (value or "").strip()
    if value not in zone_names():
        raise ValidationError(f"'{value}' is not a known IANA time zone (e.g. Europe/London).", code="invalid_zone")
    return value


class DatalistInput(forms.TextInput):
    """A text input with a <datalist> of suggestions: type "Kolk" and pick Asia/Kolkata."""

    def __init__(self, options, attrs=None):
        self.options = options
        super().__init__(attrs)

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id') or name}-options"
        attrs = {**(attrs or {}), "list": list_id, "autocomplete": "off"}
        html = super().render(name, value, attrs, renderer)
        options = format_html_join("", '<option value="{}">', ((option,) for option in self.options))
        return format_html('{}<datalist id="{}">{}</datalist>', html, list_id, options)


LOCAL_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _local_datetime_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_DATETIME_FORMAT),
        help_text="Local time in the campaign's zone.",
    )


class CampaignForm(forms.ModelForm):
    """A campaign's own fields; business hours and holidays come in their own formsets.

    The dial plan is not picked directly: the manager picks the two strategies, and the service finds
    or creates the dial plan holding that pair.
    """

    zone = forms.CharField(
        label="Time zone",
        widget=DatalistInput(zone_names(), attrs={"placeholder": "e.g. Europe/London"}),
        help_text="IANA name; business hours and holidays are read in this zone.",
    )
    starts_at = _local_datetime_field("Start")
    ends_at = _local_datetime_field("End")
    contact_window_start = MinuteOfDayField(
        label="Contact window from",
        required=False,
        help_text="Read in each contact's own zone. Leave both empty for no window.",
    )
    contact_window_end = MinuteOfDayField(label="Contact window until", required=False, allow_end_of_day=True)
    telephony_strategy = forms.ModelChoiceField(
        queryset=Strategy.objects.filter(kind__in=[Strategy.TELEPHONY, Strategy.LADDER]),
        required=False,
        empty_label="No telephony retries",
        help_text="Decides retries when agent and customer did not connect.",
    )
    business_strategy = forms.ModelChoiceField(
        queryset=Strategy.objects.filter(kind=Strategy.BUSINESS),
        required=False,
        empty_label="No business retries",
        help_text="Decides retries after a connected call, from the agent's call result.",
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "zone",
            "status",
            "starts_at",
            "ends_at",
            "max_attempts",
            "daily_attempts",
            "avoid_repeat_hours",
            "contact_window_start",
            "contact_window_end",
            "dialing_mode",
            "dialer_backend",
            "dialer_url",
            "dialer_secret",
            "redial_delay_amount",
            "redial_delay_unit",
            "short_call_seconds",
            "opening_delay_minutes",
            "queue_spacing_seconds",
            "acw_timeout_seconds",
            "requires_end_wrap_up",
            "personal_redial_grace_minutes",
            "lead_api_key",
            "best_time_enabled",
            "best_time_max_shift_hours",
            "best_time_min_gain_percent",
            "best_time_capacity_per_hour",
        ]
        widgets = {
            "dialer_secret": WriteOnlySecretInput(),
            "lead_api_key": WriteOnlySecretInput(attrs={"class": "form-control font-monospace"}),
        }
        labels = {"dialer_url": "Dialer URL", "lead_api_key": "Lead API key", "max_attempts": "Maximum attempts"}
        help_texts = {
            "lead_api_key": (
                "Lead-intake API clients send this key. Left empty on a new campaign, one is generated; "
                "on a saved one the key stays. Generate shows a new key once: copy it before saving."
            ),
            "dialer_url": "Needed by the webhook dialer: due calls are POSTed here.",
            "dialer_secret": "Signs the webhook dialer's requests.",
        }

    FIELDSETS = [
        ("Basics", ["name", "zone", "status", "starts_at", "ends_at"]),
        ("Limits", ["max_attempts", "daily_attempts", "avoid_repeat_hours"]),
        ("Contact window", ["contact_window_start", "contact_window_end"]),
        ("Dial plan: the two retry strategies this campaign follows", ["telephony_strategy", "business_strategy"]),
        (
            "Dialing",
            [
                "dialing_mode",
                "dialer_backend",
                "dialer_url",
                "dialer_secret",
                "redial_delay_amount",
                "redial_delay_unit",
                "short_call_seconds",
                "opening_delay_minutes",
                "queue_spacing_seconds",
                "acw_timeout_seconds",
                "personal_redial_grace_minutes",
                "requires_end_wrap_up",
                "lead_api_key",
            ],
        ),
        (
            "Best time to call",
            [
                "best_time_enabled",
                "best_time_max_shift_hours",
                "best_time_min_gain_percent",
                "best_time_capacity_per_hour",
            ],
        ),
    ]
    # Settings a client that does not know them may leave out: the campaign keeps its value.
    KEPT_WHEN_LEFT_OUT = (
        "avoid_repeat_hours",
        "best_time_max_shift_hours",
        "best_time_min_gain_percent",
        "best_time_capacity_per_hour",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.KEPT_WHEN_LEFT_OUT:
            self.fields[name].required = False
        campaign = self.instance
        if campaign.pk:
            for name in ("starts_at", "ends_at"):
                value = local(getattr(campaign, name), campaign.zone)
                # Naive local values: the datetime-local input shows the campaign's wall clock.
                self.initial[name] = value.replace(tzinfo=None) if value else None
            if campaign.dial_plan_id:
                self.initial["telephony_strategy"] = campaign.dial_plan.telephony_strategy_id
                self.initial["business_strategy"] = campaign.dial_plan.business_strategy_id
        for name in SECRET_FIELDS:
            show_secret_masked(self, name)

    def _kept_when_left_out(self, name: str):
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value is None else value

    def clean_avoid_repeat_hours(self):
        return self._kept_when_left_out("avoid_repeat_hours")

    def clean_best_time_max_shift_hours(self):
        return self._kept_when_left_out("best_time_max_shift_hours")

    def clean_best_time_min_gain_percent(self):
        return self._kept_when_left_out("best_time_min_gain_percent")

    def clean_best_time_capacity_per_hour(self):
        return self._kept_when_left_out("best_time_capacity_per_hour")

    def fieldsets(self):
        """[(legend, [bound fields])] in the order the page shows them."""
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def clean_zone(self):
        return clean_zone_name(self.cleaned_data["zone"])

    def clean_dialer_secret(self):
        return keep_secret_when_blank(self, "dialer_secret")

    def clean_lead_api_key(self):
        return keep_secret_when_blank(self, "lead_api_key")

    def clean(self):
        cleaned = super().clean()
        zone = cleaned.get("zone")
        for name in ("starts_at", "ends_at"):
            value = cleaned.get(name)
            if value is not None and zone:
                # The field read the wall clock in UTC (the active zone); re-read it in the campaign's.
                cleaned[name] = timezone.make_aware(value.replace(tzinfo=None), zone_of(zone))
        if (
            cleaned.get("dialer_backend") == Campaign.DIALER_WEBHOOK
            and not cleaned.get("dialer_url")
            and cleaned.get("dialing_mode") != Campaign.AUTO_DIAL
            and "dialer_url" not in self.errors
        ):
            # Campaign.clean() says the same for auto-dial campaigns; this covers the others.
            self.add_error("dialer_url", "A webhook dialer needs the dialer's URL.")
        return cleaned


class BusinessHourForm(forms.Form):
    """One window of one weekday's business hours."""

    weekday = forms.TypedChoiceField(choices=WEEKDAY_CHOICES, coerce=int, widget=forms.HiddenInput)
    start = MinuteOfDayField(label="From")
    end = MinuteOfDayField(label="Until", allow_end_of_day=True)

    def text(self, name: str) -> str:
        """The field's value as the HH:MM input shows it (initial values are minutes)."""
        value = self[name].value()
        return minutes_to_hhmm(value) if isinstance(value, int) else (value or "")

    def start_text(self) -> str:
        return self.text("start")

    def end_text(self) -> str:
        return self.text("end")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and end <= start:
            self.add_error("end", "The window must end after it starts.")
        return cleaned


class BaseBusinessHourFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        by_day: dict[int, list[tuple[int, int, forms.Form]]] = {}
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if not form.has_changed() and form not in self.initial_forms:
                continue
            data = form.cleaned_data
            if not data:
                continue
            by_day.setdefault(data["weekday"], []).append((data["start"], data["end"], form))
        for weekday, windows in by_day.items():
            windows.sort(key=lambda w: (w[0], w[1]))
            for (start_a, end_a, _), (start_b, _end_b, form_b) in zip(windows, windows[1:], strict=False):
                if start_b < end_a:
                    form_b.add_error(
                        "start",
                        f"Overlaps {WEEKDAY_NAMES[weekday]} {minutes_to_hhmm(start_a)}-{minutes_to_hhmm(end_a)}.",
                    )

    def windows(self) -> list[tuple[int, int, int]]:
        """(weekday, start_minute, end_minute) of every kept window, sorted; call after is_valid()."""
        kept = []
        for form in self.forms:
            if self._should_delete_form(form) or not form.cleaned_data:
                continue
            data = form.cleaned_data
            kept.append((data["weekday"], data["start"], data["end"]))
        return sorted(kept)

    def by_weekday(self):
        """[(weekday, name, [forms])] for all seven days, so the editor shows a row per day."""
        days = {weekday: [] for weekday, _ in WEEKDAY_CHOICES}
        for form in self.forms:
            raw = form["weekday"].value()
            try:
                weekday = int(raw)
            except (TypeError, ValueError):
                continue
            if weekday in days:
                days[weekday].append(form)
        return [(weekday, WEEKDAY_NAMES[weekday], days[weekday]) for weekday in days]


BusinessHourFormSet = forms.formset_factory(
    BusinessHourForm, formset=BaseBusinessHourFormSet, extra=0, can_delete=True, max_num=7 * 12, validate_max=True
)


class HolidayForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    name = forms.CharField(max_length=100, required=False)


class BaseHolidayFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = {}
        for form in self.forms:
            if self._should_delete_form(form) or not form.cleaned_data:
                continue
            day = form.cleaned_data["date"]
            if day in seen:
                form.add_error("date", f"{day:%Y-%m-%d} is already a holiday above.")
            seen[day] = form

    def holidays(self) -> list[tuple]:
        """(date, name) of every kept holiday, sorted by date; call after is_valid()."""
        kept = [
            (form.cleaned_data["date"], form.cleaned_data.get("name", ""))
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]
        return sorted(kept)


HolidayFormSet = forms.formset_factory(
    HolidayForm, formset=BaseHolidayFormSet, extra=0, can_delete=True, max_num=400, validate_max=True
)


def business_hour_initial(campaign: Campaign) -> list[dict]:
    return [{"weekday": w.weekday, "start": w.start_minute, "end": w.end_minute} for w in campaign.business_hours.all()]


def holiday_initial(campaign: Campaign) -> list[dict]:
    return [{"date": h.date, "name": h.name} for h in campaign.holidays.all()]
