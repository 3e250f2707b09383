"""The Django admin for campaigns, contacts, attempts, callbacks and webhook events.

The supervisor screens are the daily tool; this is the power tool. Every action goes through the
services, never by writing fields directly, so the admin enforces the same rules as the screens.
"""

from django.contrib import admin, messages
from django.db.models import Q
from django.template.defaultfilters import pluralize

from campaigns.admin.paging import BLANK, LargeTableAdmin, fixed_values_filter
from campaigns.models import Attempt, Campaign, Contact, LeadSubmission, WebhookEvent
from campaigns.queries.contacts import match_contacts
from campaigns.telephony.services import reprocess_events
from strategies import engine
from strategies.models import ProviderMapping


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
        count = reprocess_events(queryset.filter(status=WebhookEvent.UNMAPPED))
        self.message_user(request, f"Re-processed {count} event{pluralize(count)}.", messages.SUCCESS)
