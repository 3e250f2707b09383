"""Do-not-call list screens (rule 8): the lists, one list (search, counts, add, remove, export), its imports.

Campaign Managers and Supervisors add and remove numbers; Sales Managers look; Agents only list a
number through the "Do Not Call" call result.
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from campaigns.imports import do_not_call as dnc_import
from campaigns.imports import jobs
from campaigns.imports.reading import CsvRejected
from campaigns.models import Campaign, DoNotCallEntry, DoNotCallImport, DoNotCallList
from campaigns.queries import do_not_call as dnc_queries
from campaigns.services import do_not_call
from campaigns.web.dnc_forms import AddNumberForm, DncUploadForm, RemoveNumberForm, SearchForm

VIEW = "campaigns.view_donotcallentry"
ADD = "campaigns.add_donotcallentry"
REMOVE = "campaigns.delete_donotcallentry"


@permission_required(VIEW, raise_exception=True)
def list_index(request):
    return render(request, "campaigns/dnc_index.html", {"lists": dnc_queries.lists_with_counts()})


@permission_required(VIEW, raise_exception=True)
def organisation(request):
    return redirect("campaigns:dnc_list", list_pk=do_not_call.organisation_list().pk)


@permission_required(VIEW, raise_exception=True)
def for_campaign(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    return redirect("campaigns:dnc_list", list_pk=do_not_call.campaign_list(campaign).pk)


def _list_or_404(list_pk: int) -> DoNotCallList:
    return get_object_or_404(DoNotCallList.objects.select_related("campaign"), pk=list_pk)


def _list_page(request, do_not_call_list, add_form=None, status=200):
    search = SearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    return render(
        request,
        "campaigns/dnc_list.html",
        {
            "dnc_list": do_not_call_list,
            "search": search,
            "q": q,
            "entries": dnc_queries.search_entries(do_not_call_list, q),
            "counts": dnc_queries.counts_by_source(do_not_call_list),
            "removals": dnc_queries.recent_removals(do_not_call_list),
            "imports": DoNotCallImport.objects.filter(list=do_not_call_list).select_related("created_by")[:5],
            "add_form": add_form or AddNumberForm(),
            "remove_form": RemoveNumberForm(),
            "can_add": request.user.has_perm(ADD),
            "can_remove": request.user.has_perm(REMOVE),
        },
        status=status,
    )


@permission_required(VIEW, raise_exception=True)
def list_detail(request, list_pk: int):
    return _list_page(request, _list_or_404(list_pk))


@require_POST
@permission_required(ADD, raise_exception=True)
def add_number(request, list_pk: int):
    do_not_call_list = _list_or_404(list_pk)
    form = AddNumberForm(request.POST)
    if form.is_valid():
        try:
            entry, created = do_not_call.add_number(
                do_not_call_list,
                form.cleaned_data["phone"],
                source=DoNotCallEntry.Source.SUPERVISOR,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            if created:
                messages.success(request, f"{entry.phone} is on the list; its open callbacks are cancelled.")
            else:
                messages.info(request, f"{entry.phone} was already on the list.")
            return redirect(f"{reverse('campaigns:dnc_list', args=[list_pk])}?q={entry.phone}")
    return _list_page(request, do_not_call_list, add_form=form, status=400)


@require_POST
@permission_required(REMOVE, raise_exception=True)
def remove_number(request, list_pk: int, entry_pk: int):
    entry = get_object_or_404(DoNotCallEntry.objects.select_related("list__campaign"), pk=entry_pk, list_id=list_pk)
    form = RemoveNumberForm(request.POST)
    if not form.is_valid():
        # Bad input is a 4xx naming the field, not a redirect that looks like success.
        messages.error(request, f"Why it comes off: say why {entry.phone} comes off the list; it was not removed.")
        return _list_page(request, entry.list, status=400)
    do_not_call.remove_number(entry, by=request.user, why=form.cleaned_data["why"])
    messages.success(request, f"{entry.phone} is off the list; the removal is recorded.")
    return redirect("campaigns:dnc_list", list_pk=list_pk)


class _Echo:
    def write(self, value):
        return value


@require_GET
@permission_required(VIEW, raise_exception=True)
def export_csv(request, list_pk: int):
    do_not_call_list = _list_or_404(list_pk)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["phone", "source", "reason", "added_by", "added_at", "expires_on"])
        for phone, source, reason, added_by, added_at, expires_on in dnc_queries.export_rows(do_not_call_list):
            yield writer.writerow(
                [
                    phone,
                    source,
                    reason,
                    added_by or "",
                    added_at.isoformat(),
                    expires_on.isoformat() if expires_on else "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="do-not-call-{do_not_call_list.pk}.csv"'
    return response


# --- Imports -------------------------------------------------------------------------------------


@permission_required(ADD, raise_exception=True)
def import_upload(request, list_pk: int):
    do_not_call_list = _list_or_404(list_pk)
    form = DncUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = dnc_import.create_dnc_import(
            do_not_call_list=do_not_call_list,
            upload=form.cleaned_data["file"],
            by=request.user,
            inspection=form.inspection,
            reason=form.cleaned_data["reason"],
            expires_on=form.cleaned_data["expires_on"],
        )
        return redirect("campaigns:dnc_import", list_pk=list_pk, job_pk=job.pk)
    return render(request, "campaigns/dnc_import_upload.html", {"dnc_list": do_not_call_list, "form": form})


def _job_or_404(list_pk: int, job_pk: int) -> DoNotCallImport:
    return get_object_or_404(DoNotCallImport.objects.select_related("list__campaign"), pk=job_pk, list_id=list_pk)


@permission_required(VIEW, raise_exception=True)
def import_detail(request, list_pk: int, job_pk: int):
    """The preview before confirmation, then the progress bar, then the report."""
    job = _job_or_404(list_pk, job_pk)
    context = {
        "dnc_list": job.list,
        "job": job,
        "status": dnc_import.dnc_job_status(job),
        "can_import": request.user.has_perm(ADD),
        "shown_errors": job.errors[:500],
    }
    if job.confirmed_at is None:
        try:
            context["preview"] = dnc_import.preview_rows(job)
        except (CsvRejected, FileNotFoundError, OSError) as error:
            context["preview_error"] = str(error) or "The uploaded file can no longer be read; upload it again."
    return render(request, "campaigns/dnc_import_detail.html", context)


@require_POST
@permission_required(ADD, raise_exception=True)
def import_confirm(request, list_pk: int, job_pk: int):
    job = _job_or_404(list_pk, job_pk)
    if not dnc_import.confirm_dnc_import(job):
        messages.info(request, "This import was already confirmed.")
    return redirect("campaigns:dnc_import", list_pk=list_pk, job_pk=job_pk)


@require_GET
@permission_required(VIEW, raise_exception=True)
def import_status(request, list_pk: int, job_pk: int):
    return JsonResponse(dnc_import.dnc_job_status(_job_or_404(list_pk, job_pk)))


@require_GET
@permission_required(VIEW, raise_exception=True)
def import_errors_csv(request, list_pk: int, job_pk: int):
    job = _job_or_404(list_pk, job_pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    jobs.write_error_report(job, response)
    response["Content-Disposition"] = f'attachment; filename="dnc-import-{job.pk}-errors.csv"'
    return response
