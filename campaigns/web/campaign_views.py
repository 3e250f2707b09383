"""Campaign, contact and import screens. Thin: forms parse, `campaign_services` and `imports` act."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from campaigns.imports import checks, jobs, reading
from campaigns.models import WEEKDAY_CHOICES, Campaign, Contact, ImportJob, minutes_to_hhmm
from campaigns.queries import contacts as contact_queries
from campaigns.queries import counts
from campaigns.queries import dashboard as dashboard_queries
from campaigns.queries import do_not_call as dnc_queries
from campaigns.services import best_time as best_time_services
from campaigns.services import campaigns as campaign_services
from campaigns.services import contacts as contact_services
from campaigns.services import do_not_call
from campaigns.web import rule_views
from campaigns.web.contact_forms import (
    ContactCreateForm,
    ContactFilterForm,
    ContactNotesForm,
    DoNotCallForm,
    ImportUploadForm,
)
from campaigns.web.forms import (
    BusinessHourFormSet,
    CampaignForm,
    HolidayFormSet,
    business_hour_initial,
    holiday_initial,
    zone_names,
)
from campaigns.web.rule_forms import presets, rule_formset

VIEW_CAMPAIGN = "campaigns.view_campaign"
VIEW_CONTACT = ("campaigns.view_campaign", "campaigns.view_contact")


def _can(request, permission: str) -> bool:
    return request.user.has_perm(permission)


# --- Campaigns -----------------------------------------------------------------------------------


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


# --- Contacts ------------------------------------------------------------------------------------


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@permission_required(VIEW_CONTACT, raise_exception=True)
def contact_list(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    form = ContactFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    contacts = contact_queries.filter_contacts(
        campaign,
        q=filters.get("q", ""),
        status=filters.get("status", ""),
        zone=filters.get("zone", ""),
        callback=filters.get("callback", ""),
    )
    page = contact_queries.contact_page(
        contacts, after=_int_or_none(request.GET.get("after")), before=_int_or_none(request.GET.get("before"))
    )
    return render(
        request,
        "campaigns/contact_list.html",
        {
            "campaign": campaign,
            "form": form,
            "page": page,
            "zones": zone_names(),
            "can_add": _can(request, "campaigns.add_contact"),
        },
    )


@permission_required("campaigns.add_contact", raise_exception=True)
def contact_create(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    form = ContactCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_services.create_contact(campaign=campaign, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            # Whoever adds a contact by hand looks for it in the counts next.
            counts.forget_counts(campaign)
            messages.success(request, f"{contact.name or contact.phone} added.")
            return redirect("campaigns:contact_detail", pk=pk, contact_pk=contact.pk)
    return render(request, "campaigns/contact_form.html", {"campaign": campaign, "form": form})


def _add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (unknown fields become form-wide errors)."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


def _contact_or_404(pk: int, contact_pk: int) -> Contact:
    return get_object_or_404(Contact.objects.select_related("campaign"), pk=contact_pk, campaign_id=pk)


@permission_required(VIEW_CONTACT, raise_exception=True)
def contact_detail(request, pk: int, contact_pk: int):
    contact = _contact_or_404(pk, contact_pk)
    return _contact_detail_page(request, contact)


def _contact_detail_page(request, contact, notes_form=None, dnc_form=None, status=200):
    return render(
        request,
        "campaigns/contact_detail.html",
        {
            "campaign": contact.campaign,
            "contact": contact,
            "attempts": contact_queries.contact_timeline(contact),
            "open_request": contact_queries.open_redial_request(contact),
            "last_closed_request": dnc_queries.last_closed_request(contact),
            "dnc_entry": do_not_call.listed_entry(contact.campaign_id, contact.phone),
            "answered_hours": best_time_services.contact_answered_hours(contact),
            "notes_form": notes_form or ContactNotesForm(instance=contact),
            "dnc_form": dnc_form or DoNotCallForm(),
            "can_change": _can(request, "campaigns.change_contact"),
        },
        status=status,
    )


@require_POST
@permission_required("campaigns.change_contact", raise_exception=True)
def contact_notes(request, pk: int, contact_pk: int):
    contact = _contact_or_404(pk, contact_pk)
    form = ContactNotesForm(request.POST, instance=contact)
    if not form.is_valid():
        return _contact_detail_page(request, contact, notes_form=form, status=400)
    form.save()
    messages.success(request, "Notes saved.")
    return redirect("campaigns:contact_detail", pk=pk, contact_pk=contact_pk)


@require_POST
@permission_required("campaigns.change_contact", raise_exception=True)
def contact_do_not_call(request, pk: int, contact_pk: int):
    contact = _contact_or_404(pk, contact_pk)
    form = DoNotCallForm(request.POST)
    if not form.is_valid():
        return _contact_detail_page(request, contact, dnc_form=form, status=400)
    contact_services.set_do_not_call(contact, by=request.user, reason=form.cleaned_data["reason"])
    counts.forget_counts(contact.campaign)
    messages.success(request, f"{contact.name or contact.phone} will not be called again; open callbacks cancelled.")
    return redirect("campaigns:contact_detail", pk=pk, contact_pk=contact_pk)


# --- Imports -------------------------------------------------------------------------------------


@permission_required("campaigns.add_contact", raise_exception=True)
def import_upload(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = jobs.create_import_job(
            campaign=campaign,
            upload=form.cleaned_data["file"],
            mode=form.cleaned_data["mode"],
            listed_handling=form.cleaned_data["listed_handling"],
            by=request.user,
            inspection=form.inspection,
        )
        return redirect("campaigns:import_detail", pk=pk, job_pk=job.pk)
    recent = ImportJob.objects.filter(campaign=campaign).select_related("created_by")[:10]
    return render(request, "campaigns/import_upload.html", {"campaign": campaign, "form": form, "recent": recent})


def _job_or_404(pk: int, job_pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.select_related("campaign"), pk=job_pk, campaign_id=pk)


@permission_required(VIEW_CONTACT, raise_exception=True)
def import_detail(request, pk: int, job_pk: int):
    """The preview before confirmation, then the progress bar, then the report."""
    job = _job_or_404(pk, job_pk)
    context = {
        "campaign": job.campaign,
        "job": job,
        "status": jobs.job_status(job),
        "can_import": _can(request, "campaigns.add_contact"),
    }
    if job.confirmed_at is None:
        try:
            inspection = reading.inspect_job_file(job)
        except (reading.CsvRejected, FileNotFoundError, OSError) as error:
            context["preview_error"] = str(error) or "The uploaded file can no longer be read; upload it again."
        else:
            columns = inspection.columns
            context["columns"] = [
                {"header": header, "role": columns.role(index), "key": _custom_key(columns, index)}
                for index, header in enumerate(columns.headers)
            ]
            width = len(columns.headers)
            check = checks.check_preview(job.campaign, inspection)
            context["preview"] = [
                (row, cells + [""] * (width - len(cells)), check.errors.get(row, []))
                for row, cells in inspection.preview
            ]
            context["preview_check"] = check
            context["preview_is_whole_file"] = check.checked >= job.total_rows
    context["shown_errors"] = job.errors[:500]
    return render(request, "campaigns/import_detail.html", context)


def _custom_key(columns, index: int) -> str:
    return dict(columns.custom).get(index, "")


@require_POST
@permission_required("campaigns.add_contact", raise_exception=True)
def import_confirm(request, pk: int, job_pk: int):
    job = _job_or_404(pk, job_pk)
    if not jobs.confirm_import(job):
        messages.info(request, "This import was already confirmed.")
    return redirect("campaigns:import_detail", pk=pk, job_pk=job_pk)


@require_GET
@permission_required(VIEW_CONTACT, raise_exception=True)
def import_status(request, pk: int, job_pk: int):
    job = _job_or_404(pk, job_pk)
    data = jobs.job_status(job)
    data["report_url"] = reverse("campaigns:import_errors", kwargs={"pk": pk, "job_pk": job_pk})
    return JsonResponse(data)


@require_GET
@permission_required(VIEW_CONTACT, raise_exception=True)
def import_errors_csv(request, pk: int, job_pk: int):
    job = _job_or_404(pk, job_pk)
    out = io.StringIO()
    jobs.write_error_report(job, out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response
