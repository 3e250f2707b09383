"""Campaign screens: list, form, pause/resume and dashboard. Thin: forms parse, `campaign_services` acts."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from campaigns.models import WEEKDAY_CHOICES, Campaign, Contact, minutes_to_hhmm
from campaigns.queries import counts
from campaigns.queries import dashboard as dashboard_queries
from campaigns.services import best_time as best_time_services
from campaigns.services import campaigns as campaign_services
from campaigns.web import rule_views
from campaigns.web.forms import (
    BusinessHourFormSet,
    CampaignForm,
    HolidayFormSet,
    business_hour_initial,
    holiday_initial,
)
from campaigns.web.rule_forms import presets, rule_formset

VIEW_CAMPAIGN = "campaigns.view_campaign"


def _can(request, permission: str) -> bool:
    return request.user.has_perm(permission)


@permission_required(VIEW_CAMPAIGN, raise_exception=True)
def campaign_list(request):
    campaigns = counts.campaigns_with_counts()
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "campaigns": campaigns,
            # The oldest cached counts on the page, None when every campaign was counted just now.
            "counts_as_of": min((c.counts_as_of for c in campaigns if c.counts_as_of), default=None),
            "statuses": Contact.STATUS_CHOICES,
            "can_add": _can(request, "campaigns.add_campaign"),
        },
    )


def _campaign_form_page(request, campaign: Campaign | None):
    instance = campaign or Campaign()
    if request.method == "POST":
        form = CampaignForm(request.POST, instance=instance)
        hours = BusinessHourFormSet(request.POST, prefix="hours")
        holidays = HolidayFormSet(request.POST, prefix="holidays")
        # A client that sends no rule editor (an older page, a script) leaves the rules as they are.
        sends_rules = "rules-TOTAL_FORMS" in request.POST
        rules = rule_formset(request.POST if sends_rules else None, campaign=campaign)
        if all([form.is_valid(), hours.is_valid(), holidays.is_valid(), not sends_rules or rules.is_valid()]):
            try:
                saved = campaign_services.save_campaign(
                    form.save(commit=False),
                    telephony_strategy=form.cleaned_data["telephony_strategy"],
                    business_strategy=form.cleaned_data["business_strategy"],
                    windows=hours.windows(),
                    holidays=holidays.holidays(),
                    rule_changes=rules.changes() if sends_rules else [],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, f"Campaign {saved.name} saved.")
                return redirect("campaigns:detail", pk=saved.pk)
    else:
        form = CampaignForm(instance=instance)
        hours = BusinessHourFormSet(
            prefix="hours", initial=business_hour_initial(campaign) if campaign else _default_hours()
        )
        holidays = HolidayFormSet(prefix="holidays", initial=holiday_initial(campaign) if campaign else [])
        rules = rule_formset(campaign=campaign)
    return render(
        request,
        "campaigns/campaign_form.html",
        {
            "form": form,
            "hours": hours,
            "holidays": holidays,
            "rules": rules,
            "presets": presets(),
            "required_rules": rule_views.required_rules(),
            "campaign": campaign,
            "weekdays": WEEKDAY_CHOICES,
        },
    )


def _default_hours() -> list[dict]:
    """A new campaign starts open Monday to Friday, 09:00-17:00."""
    return [{"weekday": weekday, "start": 9 * 60, "end": 17 * 60} for weekday in range(5)]


@permission_required("campaigns.add_campaign", raise_exception=True)
def campaign_create(request):
    return _campaign_form_page(request, None)


@permission_required("campaigns.change_campaign", raise_exception=True)
def campaign_edit(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.select_related("dial_plan"), pk=pk)
    return _campaign_form_page(request, campaign)


@require_POST
@permission_required("campaigns.change_campaign", raise_exception=True)
def campaign_pause(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    if campaign_services.pause_campaign(campaign):
        messages.success(request, f"{campaign.name} is paused: no calls are dispatched until it is resumed.")
    else:
        messages.warning(request, f"{campaign.name} is {campaign.get_status_display().lower()}, not active.")
    return redirect("campaigns:detail", pk=pk)


@require_POST
@permission_required("campaigns.change_campaign", raise_exception=True)
def campaign_resume(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    if campaign_services.resume_campaign(campaign):
        messages.success(request, f"{campaign.name} is active again.")
    else:
        messages.warning(request, f"{campaign.name} is {campaign.get_status_display().lower()}, not paused.")
    return redirect("campaigns:detail", pk=pk)


@permission_required(VIEW_CAMPAIGN, raise_exception=True)
def calling_now(request, pk: int):
    """The dashboard's "Open now until 17:00" / "Closed now, opens Tue 09:00" line, fetched after the page."""
    campaign = get_object_or_404(Campaign.objects.prefetch_related("business_hours", "holidays"), pk=pk)
    return render(request, "campaigns/calling_now.html", {"calling": dashboard_queries.calling_now(campaign)})


@permission_required(VIEW_CAMPAIGN, raise_exception=True)
def campaign_detail(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.select_related("dial_plan", "connect_rate_table"), pk=pk)
    dashboard = dashboard_queries.campaign_dashboard(campaign)
    required_rules, campaign_rules = rule_views.rules_in_force(campaign)
    # Read with the campaign (select_related): the heatmap costs no query of its own.
    stored = getattr(campaign, "connect_rate_table", None)
    connect_rates = best_time_services.table_from_cells(stored.cells, stored.base_rate) if stored else None
    chart_data = {
        "status": {
            "labels": [label for _, label, _ in dashboard.contacts_by_status],
            "values": [n for _, _, n in dashboard.contacts_by_status],
        },
        "today": {
            "labels": [name for name, _, _ in dashboard.today_by_outcome],
            "values": [n for _, _, n in dashboard.today_by_outcome],
        },
        "overall": {
            "labels": [name for name, _, _ in dashboard.all_by_outcome],
            "values": [n for _, _, n in dashboard.all_by_outcome],
        },
        "due": {
            "labels": [hour.strftime("%H:%M") for hour, _ in dashboard.due_by_hour],
            "values": [n for _, n in dashboard.due_by_hour],
        },
    }
    return render(
        request,
        "campaigns/dashboard.html",
        {
            "campaign": campaign,
            "dashboard": dashboard,
            "chart_data": chart_data,
            "calendar_rows": _calendar_rows(campaign),
            "contact_window": (
                f"{minutes_to_hhmm(campaign.contact_window_start)}-{minutes_to_hhmm(campaign.contact_window_end)}"
                if campaign.contact_window_start is not None
                else ""
            ),
            "holidays": list(campaign.holidays.all()[:50]),
            "connect_rates": connect_rates,
            "heatmap": best_time_services.heatmap(connect_rates) if connect_rates else [],
            "required_rules": required_rules,
            "campaign_rules": campaign_rules,
            "can_view_rules": _can(request, rule_views.VIEW_RULES),
            "can_change_rules": rule_views.can_change_campaign_rules(request.user),
            "can_change": _can(request, "campaigns.change_campaign"),
            "can_view_contacts": _can(request, "campaigns.view_contact"),
            "can_import": _can(request, "campaigns.add_contact"),
        },
    )


def _calendar_rows(campaign: Campaign) -> list[tuple[str, str]]:
    """(weekday name, "09:00-13:00, 14:00-18:00" or "closed") for the seven days."""
    by_day: dict[int, list[str]] = {weekday: [] for weekday, _ in WEEKDAY_CHOICES}
    for window in campaign.business_hours.all():
        by_day[window.weekday].append(f"{minutes_to_hhmm(window.start_minute)}-{minutes_to_hhmm(window.end_minute)}")
    return [(name, ", ".join(by_day[weekday]) or "closed") for weekday, name in WEEKDAY_CHOICES]
