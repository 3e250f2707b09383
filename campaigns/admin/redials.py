"""Admin of redial requests: ownership and overdue filters, reassign and reschedule actions."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.utils import timezone

from campaigns.admin.contacts import related_contacts_match
from campaigns.admin.paging import LargeTableAdmin
from campaigns.models import (
    RedialRequest,
)
from campaigns.services import redials as redial_services
from retryadmin.lib.localtime import local_stamp, zone_of
from retryadmin.lib.personas import AGENT


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
        return local_stamp(obj.due_at, obj.campaign.zone)

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
            self.message_user(request, f"{verb} {done} callback{pluralize(done)}.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description="Cancel the selected callbacks", permissions=["change"])
    def cancel_requests(self, request, queryset):
        self._apply(
            request, queryset, "Cancelled", lambda r: redial_services.cancel_redial(r, by=request.user, reason="admin")
        )

    @admin.action(description="Make the selected callbacks common", permissions=["change"])
    def make_common(self, request, queryset):
        self._apply(
            request, queryset, "Made common", lambda r: redial_services.reassign_redial(r, owner=None, by=request.user)
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
                    request,
                    queryset,
                    "Reassigned",
                    lambda r: redial_services.reassign_redial(r, owner=owner, by=request.user),
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
                    due_at = wall.replace(tzinfo=zone_of(redial.campaign.zone))
                    redial_services.reschedule_redial(redial, due_at=due_at, by=request.user)

                self._apply(request, queryset, "Rescheduled", reschedule)
                return None
        else:
            form = RescheduleForm()
        return self._intermediate(request, queryset, form, "Reschedule callbacks", "reschedule_requests")
