from django.contrib import admin

from .models import AgentSession


@admin.register(AgentSession)
class AgentSessionAdmin(admin.ModelAdmin):
    """Agents' presence is changed from the workspace, never by hand: read-only here."""

    list_display = ("agent", "campaign", "state", "current_contact", "state_changed_at", "wrap_up_deadline_at")
    list_filter = ("state", "campaign")
    list_select_related = ("agent", "campaign", "current_contact")
    search_fields = ("agent__username", "agent__first_name", "agent__last_name")
    readonly_fields = (
        "agent",
        "campaign",
        "state",
        "current_attempt",
        "current_contact",
        "state_changed_at",
        "wrap_up_deadline_at",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
