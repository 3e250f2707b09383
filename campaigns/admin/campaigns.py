"""Admin of campaigns, dial plans and import jobs."""

from django import forms
from django.contrib import admin, messages

from campaigns.models import BusinessHourWindow, Campaign, DialPlan, Holiday, ImportJob
from campaigns.services import campaigns as campaign_services
from campaigns.web.formfields import (
    MinuteOfDayField,
    WriteOnlySecretInput,
    keep_secret_when_blank,
    show_secret_masked,
)
from campaigns.web.forms import SECRET_FIELDS
from retryadmin.lib.masking import mask_secret


class BusinessHourWindowForm(forms.ModelForm):
    start_minute = MinuteOfDayField(label="opens")
    end_minute = MinuteOfDayField(label="closes", allow_end_of_day=True)

    class Meta:
        model = BusinessHourWindow
        fields = ("weekday", "start_minute", "end_minute")


class BusinessHourWindowInline(admin.TabularInline):
    model = BusinessHourWindow
    form = BusinessHourWindowForm
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0
    fields = ("date", "name")


@admin.register(DialPlan)
class DialPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "telephony_strategy", "business_strategy")
    list_select_related = ("telephony_strategy", "business_strategy")
    search_fields = ("name",)


class CampaignAdminForm(forms.ModelForm):
    contact_window_start = MinuteOfDayField(label="contact window opens", required=False)
    contact_window_end = MinuteOfDayField(label="contact window closes", required=False, allow_end_of_day=True)

    class Meta:
        model = Campaign
        fields = "__all__"  # noqa: DJ007 - the admin narrows it through its fieldsets
        widgets = {name: WriteOnlySecretInput() for name in SECRET_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            show_secret_masked(self, name)

    def clean_dialer_secret(self):
        return keep_secret_when_blank(self, "dialer_secret")

    def clean_lead_api_key(self):
        return keep_secret_when_blank(self, "lead_api_key")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignAdminForm
    list_display = ("name", "status", "dialing_mode", "zone", "max_attempts", "daily_attempts", "dial_plan")
    list_filter = ("status", "dialing_mode", "dialer_backend")
    list_select_related = ("dial_plan",)
    search_fields = ("name",)
    autocomplete_fields = ("dial_plan",)
    inlines = [BusinessHourWindowInline, HolidayInline]
    fieldsets = [
        (None, {"fields": ("name", "zone", "status", "starts_at", "ends_at")}),
        ("Limits", {"fields": ("max_attempts", "daily_attempts", "short_call_seconds")}),
        (
            "Calendar",
            {
                "fields": (
                    "contact_window_start",
                    "contact_window_end",
                    "opening_delay_minutes",
                    "queue_spacing_seconds",
                ),
                "description": "Business hours and holidays are below. Times are local HH:MM; 24:00 may end a window.",
            },
        ),
        ("Strategies", {"fields": ("dial_plan", "redial_delay_amount", "redial_delay_unit")}),
        (
            "Dialing",
            {
                "fields": (
                    "dialing_mode",
                    "dialer_backend",
                    "dialer_url",
                    "dialer_secret",
                    "acw_timeout_seconds",
                    "requires_end_wrap_up",
                    "personal_redial_grace_minutes",
                    "lead_api_key",
                )
            },
        ),
    ]
    actions = ["rotate_lead_api_keys"]

    def get_fieldsets(self, request, obj=None):
        """Who may not change the campaign sees its secrets masked: the form's fields would show them read-only
        in full."""
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj) or (obj is None and self.has_add_permission(request)):
            return fieldsets
        masked = {name: f"{name}_masked" for name in SECRET_FIELDS}
        return [
            (title, {**options, "fields": tuple(masked.get(field, field) for field in options["fields"])})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "dialer_secret_masked", "lead_api_key_masked")

    @admin.display(description="dialer secret")
    def dialer_secret_masked(self, obj):
        return mask_secret(obj.dialer_secret)

    @admin.display(description="lead API key")
    def lead_api_key_masked(self, obj):
        return mask_secret(obj.lead_api_key)

    @admin.action(description="Rotate the lead API key of the selected campaigns", permissions=["change"])
    def rotate_lead_api_keys(self, request, queryset):
        for campaign, key in campaign_services.rotate_lead_api_keys(queryset):
            # Shown this once (a message lives until it is displayed): the page never shows it again.
            self.message_user(request, f"New lead API key of {campaign.name}: {key}", messages.SUCCESS)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("original_name", "campaign", "mode", "status", "imported_rows", "error_count", "created_at")
    list_filter = ("status", "mode")
    list_select_related = ("campaign",)
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False
