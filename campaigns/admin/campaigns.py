"""Admin of campaigns, dial plans and import jobs."""

from django import forms
from django.contrib import admin

from campaigns.models import BusinessHourWindow, Campaign, DialPlan, Holiday, ImportJob
from campaigns.web.formfields import MinuteOfDayField


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


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("original_name", "campaign", "mode", "status", "imported_rows", "error_count", "created_at")
    list_filter = ("status", "mode")
    list_select_related = ("campaign",)
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False
