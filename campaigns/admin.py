"""The Django admin for campaigns, contacts, attempts, callbacks and webhook events.

The supervisor screens are the daily tool; this is the power tool. Every action goes through the
services, never by writing fields directly, so the admin enforces the same rules as the screens.
"""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from retryadmin.personas import AGENT
from strategies import engine
from strategies.models import ProviderMapping

from . import services
from .admin_paging import BLANK, LargeTableAdmin, fixed_values_filter
from .campaign_services import match_contacts
from .formfields import MinuteOfDayField
from .models import (
    Attempt,
    BusinessHourWindow,
    Campaign,
    Contact,
    DialPlan,
    Holiday,
    ImportJob,
    LeadSubmission,
    RedialRequest,
    WebhookEvent,
)


def local_time(instant, zone_name: str) -> str:
    """`instant` shown in `zone_name` with the zone's abbreviation; empty for None."""
    if instant is None:
        return ""
    local = instant.astimezone(zoneinfo.ZoneInfo(zone_name))
    # Queued calls are spaced by seconds; show them only where they matter.
    return local.strftime("%a %d %b %Y %H:%M" + (":%S" if local.second else "") + " %Z")


def search_contacts(term: str, contacts=None):
    """`contacts` (default: all) of any campaign that the contact list's search finds for `term`: a number by its
    start or end, else a name by any part. The campaign ids are listed, not joined: the phone indexes lead with
    the campaign, and with a list PostgreSQL ranges over each campaign's part of them."""
    campaign_ids = list(Campaign.objects.values_list("pk", flat=True))
    contacts = Contact.objects.all() if contacts is None else contacts
    return match_contacts(contacts.filter(campaign_id__in=campaign_ids), term)


def contact_ids_with_phone(term: str) -> list[int]:
    """Ids of the contacts whose number is exactly `term`, one per campaign at most, through the phone index.

    A list rather than a join: an exact number OR'ed with another column then reads two indexes, where the
    join compared UPPER(phone) (the admin's "=" is iexact), which no index serves, for a million contacts."""
    return list(Contact.objects.filter(phone=term).values_list("pk", flat=True))


# A search finding more contacts than this joins them (a semi-join PostgreSQL can hash or merge) instead of
# listing their ids: an IN list of thousands of ids would cost more to send and to probe than the join.
SEARCH_ID_LIST_MAX = 1000


def related_contacts_match(term: str) -> Q:
    """A condition on `contact_id` for rows (callbacks) whose contact the contact search finds for `term`."""
    contacts = search_contacts(term)
    ids = list(contacts.values_list("pk", flat=True)[: SEARCH_ID_LIST_MAX + 1])
    if len(ids) <= SEARCH_ID_LIST_MAX:
        return Q(contact_id__in=ids)
    return Q(contact_id__in=contacts.values("pk"))


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


@admin.register(Contact)
class ContactAdmin(LargeTableAdmin):
    list_display = ("name", "phone", "campaign", "status", "status_reason", "zone")
    list_filter = ("status", "campaign")
    list_select_related = ("campaign",)
    # Shown as the search box's fields; get_search_results searches them as the contact list does.
    search_fields = ("phone", "name")
    search_help_text = "A number by its start or its last digits, or a name by any part."
    autocomplete_fields = ("campaign",)
    readonly_fields = ("status", "status_reason", "created_at", "updated_at")

    def get_search_results(self, request, queryset, search_term):
        # Also the autocomplete of every contact field: a million contacts are searched through indexes.
        if not search_term.strip():
            return queryset, False
        return search_contacts(search_term, queryset), False


@admin.register(Attempt)
class AttemptAdmin(LargeTableAdmin):
    """Attempts are history: read-only for everybody."""

    list_display = (
        "started_at",
        "contact",
        "campaign",
        "number",
        "outcome",
        "call_result",
        "agent",
        "source",
        "provider",
        "provider_call_id",
        "decision_reason",
    )
    # Known values rather than the field filters, whose SELECT DISTINCT reads millions of attempts per page view.
    list_filter = (
        "source",
        fixed_values_filter("provider", "provider", [*ProviderMapping.PROVIDER_CHOICES, (BLANK, "None")]),
        fixed_values_filter(
            "decision_reason",
            "decision",
            [
                (engine.REASON_RETRY, "Retry"),
                (engine.REASON_FINAL, "Final outcome"),
                (engine.REASON_MAX_ATTEMPTS, "Max attempts reached"),
                (engine.REASON_NO_RULE, "No rule"),
                (engine.REASON_NO_WINDOW, "No calling window"),
                (engine.REASON_ENDED, "Campaign ended"),
                (BLANK, "Not decided"),
            ],
        ),
        "campaign",
    )
    list_select_related = ("contact", "campaign", "outcome", "call_result", "agent")
    search_fields = ("=contact__phone", "=provider_call_id")
    search_help_text = "A contact's number (+447911123456) or a provider's call id, exactly."
    # Cheap through LargeTableAdmin's period probes on the (started_at, id) report index.
    date_hierarchy = "started_at"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(contact_id__in=contact_ids_with_phone(term)) | Q(provider_call_id=term)), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OwnershipFilter(admin.SimpleListFilter):
    title = "owner"
    parameter_name = "ownership"

    def lookups(self, request, model_admin):
        return [("personal", "Personal"), ("common", "Common")]

    def queryset(self, request, queryset):
        if self.value() == "personal":
            return queryset.filter(owner__isnull=False)
        if self.value() == "common":
            return queryset.filter(owner__isnull=True)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("upcoming", "Upcoming")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(status__in=RedialRequest.OPEN_STATUSES, due_at__lt=now)
        if self.value() == "upcoming":
            return queryset.filter(status__in=RedialRequest.OPEN_STATUSES, due_at__gte=now)
        return queryset


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Common (any free agent)",
        help_text="Leave empty to make the callbacks common.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(groups__name=AGENT, is_active=True).order_by("username")
        )


class RescheduleForm(forms.Form):
    due_at = forms.DateTimeField(
        label="New due time",
        help_text="In the campaign's time zone, e.g. 2026-11-24 10:30.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


@admin.register(RedialRequest)
class RedialRequestAdmin(LargeTableAdmin):
    list_display = ("contact", "campaign", "due_local", "owner_display", "source", "status", "short_explanation")
    list_filter = (OwnershipFilter, OverdueFilter, "status", "source", "campaign")
    list_select_related = ("contact", "campaign", "owner")
    search_fields = ("=contact__phone", "contact__name", "=provider_call_id")
    search_help_text = "A contact's number by its start or last digits, a contact's name, or a call id."
    # Cheap through LargeTableAdmin's period probes on the (due_at, id) index.
    date_hierarchy = "due_at"
    autocomplete_fields = ("contact", "campaign")
    actions = ["cancel_requests", "make_common", "reassign_requests", "reschedule_requests"]
    readonly_fields = (
        "contact",
        "campaign",
        "due_at",
        "owner",
        "source",
        "status",
        "explanation",
        "queue_opening_at",
        "claim_token",
        "lease_expires_at",
        "claimed_at",
        "dispatch_attempts",
        "last_error",
        "provider_call_id",
        "close_reason",
        "closed_at",
        "created_by",
        "created_at",
        "updated_at",
    )
    fields = ("remarks", *readonly_fields)

    def has_add_permission(self, request):
        # A callback is made through the services (wrap-up, callbacks screen), which validate it.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        match = related_contacts_match(term)
        # The call id's requests are looked up first (an index probe; a call id is one dispatch's, so one request
        # or none): OR'ed into the query, the call id would stop PostgreSQL from joining a broad name search.
        by_call_id = list(RedialRequest.objects.filter(provider_call_id=term).values_list("pk", flat=True))
        if by_call_id:
            match |= Q(pk__in=by_call_id)
        return queryset.filter(match), False

    @admin.display(description="due (campaign time)", ordering="due_at")
    def due_local(self, obj):
        return local_time(obj.due_at, obj.campaign.zone)

    @admin.display(description="owner", ordering="owner__username")
    def owner_display(self, obj):
        return obj.owner.get_username() if obj.owner_id else "Common"

    @admin.display(description="why")
    def short_explanation(self, obj):
        """The latest line of the explanation, shortened; the change page shows it whole."""
        lines = (obj.explanation or "").strip().splitlines()
        text = lines[-1] if lines else ""
        return text if len(text) <= 48 else text[:45] + "..."

    def _apply(self, request, queryset, verb: str, apply_one) -> None:
        done, refused = 0, []
        for redial in queryset.select_related("contact", "campaign", "owner"):
            try:
                apply_one(redial)
                done += 1
            except ValidationError as error:
                refused.append(f"{redial.contact}: {' '.join(error.messages)}")
        if done:
            self.message_user(request, f"{verb} {done} callback(s).", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description="Cancel the selected callbacks", permissions=["change"])
    def cancel_requests(self, request, queryset):
        self._apply(
            request, queryset, "Cancelled", lambda r: services.cancel_redial(r, by=request.user, reason="admin")
        )

    @admin.action(description="Make the selected callbacks common", permissions=["change"])
    def make_common(self, request, queryset):
        self._apply(
            request, queryset, "Made common", lambda r: services.reassign_redial(r, owner=None, by=request.user)
        )

    def _intermediate(self, request, queryset, form, title, action):
        return render(
            request,
            "admin/campaigns/redialrequest/action_form.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "form": form,
                "queryset": queryset,
                "action": action,
                "opts": self.model._meta,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Reassign the selected callbacks to an agent", permissions=["change"])
    def reassign_requests(self, request, queryset):
        if "apply" in request.POST:
            form = ReassignForm(request.POST)
            if form.is_valid():
                owner = form.cleaned_data["owner"]
                self._apply(
                    request, queryset, "Reassigned", lambda r: services.reassign_redial(r, owner=owner, by=request.user)
                )
                return None
        else:
            form = ReassignForm()
        return self._intermediate(request, queryset, form, "Reassign callbacks", "reassign_requests")

    @admin.action(description="Reschedule the selected callbacks", permissions=["change"])
    def reschedule_requests(self, request, queryset):
        if "apply" in request.POST:
            form = RescheduleForm(request.POST)
            if form.is_valid():
                wall = form.cleaned_data["due_at"].replace(tzinfo=None)

                def reschedule(redial):
                    due_at = wall.replace(tzinfo=zoneinfo.ZoneInfo(redial.campaign.zone))
                    services.reschedule_redial(redial, due_at=due_at, by=request.user)

                self._apply(request, queryset, "Rescheduled", reschedule)
                return None
        else:
            form = RescheduleForm()
        return self._intermediate(request, queryset, form, "Reschedule callbacks", "reschedule_requests")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("original_name", "campaign", "mode", "status", "imported_rows", "error_count", "created_at")
    list_filter = ("status", "mode")
    list_select_related = ("campaign",)
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(LeadSubmission)
class LeadSubmissionAdmin(LargeTableAdmin):
    list_display = ("idempotency_key", "campaign", "contact", "received_at")
    list_select_related = ("campaign", "contact")
    search_fields = ("=idempotency_key", "=contact__phone")
    readonly_fields = ("campaign", "idempotency_key", "contact", "redial_request", "payload", "received_at")

    def has_add_permission(self, request):
        return False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(contact_id__in=contact_ids_with_phone(term)) | Q(idempotency_key=term)), False


@admin.register(WebhookEvent)
class WebhookEventAdmin(LargeTableAdmin):
    list_display = ("received_at", "provider", "call_id", "raw_status", "status", "outcome", "attempt")
    list_filter = ("status", "provider")
    list_select_related = ("outcome", "attempt")
    search_fields = ("=call_id", "raw_status")
    # Cheap through LargeTableAdmin's period probes on the received_at index.
    date_hierarchy = "received_at"
    actions = ["reprocess_unmapped"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Re-process unmapped events with the current mappings", permissions=["view"])
    def reprocess_unmapped(self, request, queryset):
        from .webhooks.services import reprocess_events

        count = reprocess_events(queryset.filter(status=WebhookEvent.UNMAPPED))
        self.message_user(request, f"Re-processed {count} event(s).", messages.SUCCESS)
