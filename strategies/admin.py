from django.contrib import admin, messages

from .models import AutoClassification, CallResult, Outcome, ProviderMapping


class SystemRowAdminMixin:
    """Catalog rows shipped with the product can be disabled, never deleted."""

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_system:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Disable the selected rows")
    def disable_rows(self, request, queryset):
        count = queryset.update(is_active=False)
        self.message_user(request, f"Disabled {count} row(s).", messages.SUCCESS)

    @admin.action(description="Enable the selected rows")
    def enable_rows(self, request, queryset):
        count = queryset.update(is_active=True)
        self.message_user(request, f"Enabled {count} row(s).", messages.SUCCESS)


class MappingInline(admin.TabularInline):
    model = ProviderMapping
    extra = 0
    fields = ("provider", "raw", "note", "is_active")
    show_change_link = True


@admin.register(Outcome)
class OutcomeAdmin(SystemRowAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "category", "is_connected", "is_final", "sip_code", "is_system", "is_active")
    list_filter = ("category", "is_connected", "is_final", "is_active", "is_system")
    search_fields = ("code", "name", "description")
    ordering = ("category", "code")
    inlines = [MappingInline]
    actions = ["disable_rows", "enable_rows"]

    def get_readonly_fields(self, request, obj=None):
        # The code of a shipped outcome is referenced by mappings, strategies and scenario files.
        if obj is not None and obj.is_system:
            return ("code", "category", "is_connected", "is_final")
        return ()

    def get_changeform_initial_data(self, request):
        return {"category": "mapped", "code": "mapped."}


@admin.register(ProviderMapping)
class ProviderMappingAdmin(SystemRowAdminMixin, admin.ModelAdmin):
    list_display = ("provider", "raw", "outcome", "note", "is_system", "is_active")
    list_filter = ("provider", "is_active", "is_system", "outcome__category")
    search_fields = ("raw", "outcome__code", "outcome__name", "note")
    list_select_related = ("outcome",)
    autocomplete_fields = ("outcome",)
    actions = ["disable_rows", "enable_rows"]


@admin.register(CallResult)
class CallResultAdmin(SystemRowAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "handling", "position", "is_system", "is_active")
    list_filter = ("handling", "is_active")
    search_fields = ("code", "name")
    actions = ["disable_rows", "enable_rows"]


@admin.register(AutoClassification)
class AutoClassificationAdmin(admin.ModelAdmin):
    list_display = ("outcome", "call_result", "is_system")
    list_select_related = ("outcome", "call_result")
    autocomplete_fields = ("outcome",)
    search_fields = ("outcome__code", "call_result__code")
