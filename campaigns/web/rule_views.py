"""Attempt rule screens: a campaign's own rules (with the repeat band) and the organisation's required
rules, each with one-click presets and the log of every change. Thin: forms parse, the service acts."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from campaigns.models import AttemptRule, AttemptRuleChange, Campaign
from campaigns.services import attempt_rules as rule_services
from campaigns.web.rule_forms import AvoidRepeatForm, presets, rule_formset

VIEW_RULES = "campaigns.view_attemptrule"
CHANGE_RULES = "campaigns.change_attemptrule"
MANAGE_REQUIRED = "campaigns.manage_required_rules"
LOG_ROWS = 200


def can_change_campaign_rules(user) -> bool:
    return all(user.has_perm(f"campaigns.{action}_attemptrule") for action in ("add", "change", "delete"))


def required_rules():
    return list(AttemptRule.objects.filter(campaign__isnull=True).order_by("id"))


def rules_in_force(campaign: Campaign) -> tuple[list[AttemptRule], list[AttemptRule]]:
    """(the organisation's required rules, the campaign's own), in one query."""
    rows = list(AttemptRule.objects.filter(Q(campaign__isnull=True) | Q(campaign=campaign)).order_by("id"))
    return [r for r in rows if r.campaign_id is None], [r for r in rows if r.campaign_id is not None]


def rule_log(campaign: Campaign | None) -> list[AttemptRuleChange]:
    """The newest changes to the campaign's rules (None: the required rules), with their settings in words."""
    changes = list(
        AttemptRuleChange.objects.filter(campaign=campaign)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")[:LOG_ROWS]
    )
    for change in changes:
        change.before_text = rule_services.describe(change.before)
        change.after_text = rule_services.describe(change.after)
    return changes


def _service_error(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@permission_required(VIEW_RULES, raise_exception=True)
def campaign_rules(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    can_edit = can_change_campaign_rules(request.user)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        rules = rule_formset(request.POST, campaign=campaign)
        avoid_form = AvoidRepeatForm(request.POST)
        if rules.is_valid() and avoid_form.is_valid():
            try:
                changed = rule_services.apply_rule_changes(campaign, rules.changes(), by=request.user)
                if rule_services.set_avoid_repeat(
                    campaign, avoid_form.cleaned_data["avoid_repeat_hours"], by=request.user
                ):
                    changed += 1
            except ValidationError as error:
                _service_error(request, error)
                status = 400
            else:
                messages.success(request, f"Attempt rules of {campaign.name} saved ({changed} changed).")
                return redirect("campaigns:rules", pk=pk)
        else:
            status = 400
    else:
        rules = rule_formset(campaign=campaign)
        avoid_form = AvoidRepeatForm(initial={"avoid_repeat_hours": campaign.avoid_repeat_hours})
    return render(
        request,
        "campaigns/attempt_rules.html",
        {
            "campaign": campaign,
            "rules": rules,
            "avoid_form": avoid_form,
            "presets": presets(),
            "can_edit": can_edit,
            "required_rules": required_rules(),
            "own_rules": list(campaign.attempt_rules.order_by("id")),
            "changes": rule_log(campaign),
        },
        status=status,
    )


@require_POST
@permission_required("campaigns.add_attemptrule", raise_exception=True)
def campaign_rules_preset(request, pk: int, slug: str):
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        rule = rule_services.add_preset(campaign, slug, by=request.user)
    except ValidationError as error:
        _service_error(request, error)
    else:
        messages.success(request, f"{rule} added to {campaign.name}.")
    return redirect("campaigns:rules", pk=pk)


@permission_required(VIEW_RULES, raise_exception=True)
def organisation_rules(request):
    can_edit = request.user.has_perm(MANAGE_REQUIRED)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        rules = rule_formset(request.POST, required=True)
        if rules.is_valid():
            try:
                changed = rule_services.apply_rule_changes(None, rules.changes(), by=request.user)
            except ValidationError as error:
                _service_error(request, error)
                status = 400
            else:
                messages.success(request, f"Required attempt rules saved ({changed} changed).")
                return redirect("campaigns:required_rules")
        else:
            status = 400
    else:
        rules = rule_formset(required=True)
    return render(
        request,
        "campaigns/attempt_rules.html",
        {
            "campaign": None,
            "rules": rules,
            "avoid_form": None,
            "presets": presets(),
            "can_edit": can_edit,
            "own_rules": required_rules(),
            "changes": rule_log(None),
        },
        status=status,
    )


@require_POST
@permission_required(MANAGE_REQUIRED, raise_exception=True)
def organisation_rules_preset(request, slug: str):
    try:
        rule = rule_services.add_preset(None, slug, by=request.user)
    except ValidationError as error:
        _service_error(request, error)
    else:
        messages.success(request, f"{rule} is now required of every campaign.")
    return redirect("campaigns:required_rules")
