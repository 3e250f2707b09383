"""Campaign rows: save with their hours and holidays, pause and resume, lead API keys."""

from __future__ import annotations

import secrets
from datetime import date

from django.db import transaction
from django.utils import timezone

from campaigns.models import BusinessHourWindow, Campaign, DialPlan, Holiday
from campaigns.services import attempt_rules
from campaigns.services.attempt_rules import RuleChange
from strategies.models import Strategy


def generate_lead_api_key() -> str:
    return secrets.token_urlsafe(32)


def rotate_lead_api_keys(campaigns) -> list[tuple[Campaign, str]]:
    """Give each campaign a new lead API key; returns (campaign, new key) pairs, the only time a caller
    sees the keys. The old keys stop working at once."""
    rotated = []
    with transaction.atomic():
        for campaign in campaigns:
            campaign.lead_api_key = generate_lead_api_key()
            campaign.save(update_fields=["lead_api_key", "updated_at"])
            rotated.append((campaign, campaign.lead_api_key))
    return rotated


def dial_plan_for(telephony: Strategy | None, business: Strategy | None) -> DialPlan | None:
    """The dial plan holding exactly this pair of strategies, created when none does yet.

    Returns None when both are empty: the campaign then retries nothing by strategy.
    """
    if telephony is None and business is None:
        return None
    existing = DialPlan.objects.filter(telephony_strategy=telephony, business_strategy=business).order_by("pk").first()
    if existing:
        return existing
    base = " + ".join(s.name for s in (telephony, business) if s is not None)[:110]
    name, suffix = base, 2
    while DialPlan.objects.filter(name=name).exists():
        name, suffix = f"{base} ({suffix})", suffix + 1
    return DialPlan.objects.create(name=name, telephony_strategy=telephony, business_strategy=business)


def save_campaign(
    campaign: Campaign,
    *,
    telephony_strategy: Strategy | None,
    business_strategy: Strategy | None,
    windows: list[tuple[int, int, int]],
    holidays: list[tuple[date, str]],
    rule_changes: list[RuleChange] = (),
    by=None,
) -> Campaign:
    """Save a validated campaign with its dial plan, business hours (weekday, start, end), holidays
    (date, name) and changes to its attempt rules (recorded as made `by` that user, as is a change of the
    repeat band), all in one transaction: the calendar is replaced, never merged. Raises ValidationError
    (nothing saved) when a rule is not valid."""
    with transaction.atomic():
        campaign.dial_plan = dial_plan_for(telephony_strategy, business_strategy)
        if campaign.pk is None and not campaign.lead_api_key:
            campaign.lead_api_key = generate_lead_api_key()
        band_before = (
            Campaign.objects.filter(pk=campaign.pk).values_list("avoid_repeat_hours", flat=True).first()
            if campaign.pk
            else 0
        )
        campaign.save()
        if band_before is not None and band_before != campaign.avoid_repeat_hours:
            attempt_rules.record_avoid_repeat_change(campaign, band_before, campaign.avoid_repeat_hours, by=by)
        attempt_rules.apply_rule_changes(campaign, list(rule_changes), by=by)
        campaign.business_hours.all().delete()
        BusinessHourWindow.objects.bulk_create(
            BusinessHourWindow(campaign=campaign, weekday=weekday, start_minute=start, end_minute=end)
            for weekday, start, end in windows
        )
        campaign.holidays.all().delete()
        Holiday.objects.bulk_create(Holiday(campaign=campaign, date=day, name=name) for day, name in holidays)
    return campaign


def pause_campaign(campaign: Campaign) -> bool:
    """Pause an active campaign; False (and no change) when it was not active."""
    return _move_status(campaign, Campaign.ACTIVE, Campaign.PAUSED)


def resume_campaign(campaign: Campaign) -> bool:
    """Resume a paused campaign; False (and no change) when it was not paused (an ended one stays ended)."""
    return _move_status(campaign, Campaign.PAUSED, Campaign.ACTIVE)


def _move_status(campaign: Campaign, expected: str, new: str) -> bool:
    # A conditional UPDATE: two managers pressing at once cannot flip it twice.
    changed = Campaign.objects.filter(pk=campaign.pk, status=expected).update(status=new, updated_at=timezone.now())
    campaign.refresh_from_db(fields=["status", "updated_at"])
    return bool(changed)
