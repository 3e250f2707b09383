"""Contact import screens: upload, preview and confirm, progress, and the error report."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from campaigns.imports import checks, jobs, reading
from campaigns.models import Campaign, ImportJob
from campaigns.web.contact_forms import ImportUploadForm
from campaigns.web.contact_views import VIEW_CONTACT


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
        "can_import": request.user.has_perm("campaigns.add_contact"),
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
