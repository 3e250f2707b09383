"""Attempt rules (PRODUCT.md rule 9): add, change and remove a campaign's own rules or the organisation's
required ones, each change recorded with who made it, when, and the rule before and after."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns.models import AttemptRule, AttemptRuleChange, Campaign
from strategies.engine import ATTEMPT_RULE_PRESETS, COUNT_OUTCOMES
from strategies.engine import AttemptRule as EngineRule

RULE_FIELDS = ("name", "max_attempts", "within_amount", "within_unit", "count", "outcome_codes", "scope")


@dataclass(frozen=True)
class RuleChange:
    """One change a form asks for: add (rule None), change (rule and fields), or remove (fields None)."""

    rule: AttemptRule | None
    fields: dict | None


def fields_from_engine(rule: EngineRule) -> dict:
    """The model fields of an engine rule (a preset). Raises ValueError for a window not in hours or days."""
    if rule.within.unit not in ("h", "d"):
        raise ValueError(f"{rule.label}: attempt rule windows are in hours or days")
    return {
        "name": rule.name,
        "max_attempts": rule.max_attempts,
        "within_amount": rule.within.amount,
        "within_unit": rule.within.unit,
        "count": rule.count,
        "outcome_codes": sorted(rule.outcomes),
        "scope": rule.scope,
    }


def preset_fields(slug: str) -> dict:
    """The fields of the preset named `slug`; raises ValidationError naming the field for an unknown one."""
    try:
        return fields_from_engine(ATTEMPT_RULE_PRESETS[slug])
    except KeyError:
        known = ", ".join(ATTEMPT_RULE_PRESETS)
        raise ValidationError({"preset": f"Unknown preset {slug!r}: use one of {known}."}) from None


def _set_fields(rule: AttemptRule, fields: dict) -> None:
    for name in RULE_FIELDS:
        if name in fields:
            setattr(rule, name, fields[name])
    if rule.count != COUNT_OUTCOMES:
        rule.outcome_codes = []
    else:
        rule.outcome_codes = sorted(set(rule.outcome_codes or []))
    rule.full_clean(exclude=["campaign"])
    try:
        rule.to_engine()
    except ValueError as error:
        raise ValidationError(str(error)) from None


def _record(rule: AttemptRule, campaign: Campaign | None, action: str, before, after, by, now) -> AttemptRuleChange:
    return AttemptRuleChange.objects.create(
        rule=rule if action != AttemptRuleChange.REMOVED else None,
        campaign=campaign,
        changed_by=by if getattr(by, "pk", None) else None,
        changed_at=now,
        action=action,
        before=before,
        after=after,
    )


def apply_rule_changes(campaign: Campaign | None, changes: list[RuleChange], *, by) -> int:
    """Apply the changes to `campaign`'s rules (None: the organisation's required rules) in one transaction,
    recording each. A change whose settings are the same as the rule's is skipped. Returns how many were
    recorded. Raises ValidationError (and changes nothing) when a rule is not valid or belongs elsewhere."""
    campaign_id = campaign.pk if campaign is not None else None
    now = timezone.now()
    recorded = 0
    with transaction.atomic():
        for change in changes:
            rule = change.rule
            if rule is not None:
                rule = AttemptRule.objects.select_for_update().filter(pk=rule.pk, campaign_id=campaign_id).first()
                if rule is None:
                    raise ValidationError("That attempt rule no longer exists here; reload the page.")
            if rule is None:
                if change.fields is None:
                    continue
                rule = AttemptRule(campaign_id=campaign_id)
                _set_fields(rule, change.fields)
                rule.save()
                _record(rule, campaign, AttemptRuleChange.ADDED, None, rule.snapshot(), by, now)
            elif change.fields is None:
                before = rule.snapshot()
                _record(rule, campaign, AttemptRuleChange.REMOVED, before, None, by, now)
                rule.delete()
            else:
                before = rule.snapshot()
                _set_fields(rule, change.fields)
                if rule.snapshot() == before:
                    continue
                rule.save()
                _record(rule, campaign, AttemptRuleChange.CHANGED, before, rule.snapshot(), by, now)
            recorded += 1
    return recorded


def add_preset(campaign: Campaign | None, slug: str, *, by) -> AttemptRule:
    """Add the preset `slug` to the campaign's rules (None: the required rules), recorded; raises
    ValidationError for an unknown preset."""
    fields = preset_fields(slug)
    with transaction.atomic():
        apply_rule_changes(campaign, [RuleChange(None, fields)], by=by)
        return AttemptRule.objects.filter(campaign=campaign).order_by("-id").first()


def set_avoid_repeat(campaign: Campaign, hours: int, *, by) -> bool:
    """Set the campaign's repeat band (rule 10), recorded in the rules' log; False when it was already so."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        before = locked.avoid_repeat_hours
        if before == hours:
            return False
        locked.avoid_repeat_hours = hours
        locked.full_clean(validate_unique=False, validate_constraints=False)
        locked.save(update_fields=["avoid_repeat_hours", "updated_at"])
        record_avoid_repeat_change(locked, before, hours, by=by)
    campaign.avoid_repeat_hours = hours
    return True


def record_avoid_repeat_change(campaign: Campaign, before: int, after: int, *, by) -> AttemptRuleChange:
    """Record a change of the repeat band in the campaign's rule log (saved by the caller's transaction)."""
    return _record(
        None,
        campaign,
        AttemptRuleChange.CHANGED,
        {"repeat_band_hours": before},
        {"repeat_band_hours": after},
        by,
        timezone.now(),
    )


def describe(snapshot: dict | None) -> str:
    """A change log entry's settings in words: "US Regulation F: 7 calls in 7 days (7 in 7d, all, number)"."""
    if not snapshot:
        return ""
    if "repeat_band_hours" in snapshot:
        hours = snapshot["repeat_band_hours"]
        return f"repeat band {hours}h" if hours else "repeat band off"
    what = snapshot.get("count", "")
    if what == COUNT_OUTCOMES:
        what = "outcomes " + ", ".join(snapshot.get("outcomes") or [])
    detail = f"{snapshot.get('max_attempts')} in {snapshot.get('within')}, {what}, per {snapshot.get('scope')}"
    name = snapshot.get("name")
    return f"{name} ({detail})" if name else detail
