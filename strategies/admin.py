from django.contrib import admin, messages
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string

from . import services
from .forms import (
    AdminLadderStepForm,
    BaseLadderStepFormSet,
    BaseRuleFormSet,
    PreviewSampleForm,
    RuleForm,
    StrategyForm,
)
from .models import AutoClassification, CallResult, LadderStep, Outcome, ProviderMapping, Strategy, StrategyRule


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
        self.message_user(request, f"Disabled {count} row{pluralize(count)}.", messages.SUCCESS)

    @admin.action(description="Enable the selected rows")
    def enable_rows(self, request, queryset):
        count = queryset.update(is_active=True)
        self.message_user(request, f"Enabled {count} row{pluralize(count)}.", messages.SUCCESS)


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


class StrategyPartInlineMixin:
    """Rules and steps are part of their strategy: whoever may view the strategy sees them."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("strategies.view_strategy") or super().has_view_permission(request, obj)


class AdminRuleFormSet(BaseRuleFormSet):
    grouped_pickers = False


class StrategyRuleInline(StrategyPartInlineMixin, admin.TabularInline):
    model = StrategyRule
    form = RuleForm
    formset = AdminRuleFormSet
    fields = ("outcome", "call_result", "amount", "unit")
    autocomplete_fields = ("outcome",)
    extra = 0
    verbose_name = "rule"
    verbose_name_plural = "rules (telephony: an outcome; business: a call result)"


class LadderStepInline(StrategyPartInlineMixin, admin.TabularInline):
    model = LadderStep
    form = AdminLadderStepForm
    formset = BaseLadderStepFormSet
    fields = ("position", "amount", "unit")
    ordering = ("position",)
    extra = 0
    verbose_name = "ladder step"
    verbose_name_plural = "ladder steps (attempt ladder only; blank = No retry)"


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    form = StrategyForm
    list_display = ("name", "kind", "rule_count", "campaigns_using", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "description")
    fields = ("name", "description", "kind", "ladder_outcomes", "preview")
    readonly_fields = ("preview",)
    inlines = [StrategyRuleInline, LadderStepInline]

    def get_queryset(self, request):
        # Counts annotated and campaigns prefetched: the changelist costs the same few queries for any page.
        return services.strategies_with_counts()

    @admin.display(description="rules", ordering="rule_count")
    def rule_count(self, obj):
        if obj.kind == Strategy.Kind.LADDER:
            return f"{obj.step_count} step{'s' if obj.step_count != 1 else ''}"
        return obj.rule_count

    @admin.display(description="campaigns using it")
    def campaigns_using(self, obj):
        return ", ".join(services.campaign_names(obj)) or "-"

    @admin.display(description="preview (sample campaign)")
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return "Save the strategy to see the retries it would schedule."
        spec = services.spec_from_strategy(obj)
        sample_form = PreviewSampleForm(spec=spec)
        timeline = services.preview_timeline(spec, sample_form.sample(), services.catalog_from_db())
        return render_to_string("strategies/admin_preview.html", {"timeline": timeline, "sample": sample_form.sample()})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.drop_parts_of_other_types(form.instance)
