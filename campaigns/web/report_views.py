"""The call report: filtered attempts, a summary line, keyset pages, and a streamed CSV export."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from campaigns.queries import reports
from campaigns.web import report_forms
from retryadmin.lib.paging import decode_cursor, encode_cursor

REPORT_PERMISSION = "campaigns.view_report"


def _report_form(request) -> report_forms.ReportFilterForm:
    data = request.GET.copy()
    data.pop("after", None)
    return report_forms.ReportFilterForm(data)


@permission_required(REPORT_PERMISSION, raise_exception=True)
def call_report(request):
    form = _report_form(request)
    context = {"form": form}
    if not form.is_valid():
        return render(request, "campaigns/call_report.html", context)
    raw_cursor = request.GET.get("after", "")
    cursor = decode_cursor(raw_cursor)
    if raw_cursor and cursor is None:
        form.add_error(None, "This page link is damaged; showing the first page.")
    qs = reports.filter_attempts(form.cleaned_data)
    rows, next_cursor = reports.page_of(qs, cursor)
    form.data = report_forms.effective_data(form)
    context.update(
        # The summary aggregates every matching attempt (1.5M rows for half a year of a large centre): the
        # page comes first and the summary follows in its own request, so the list never waits for it.
        report_ready=True,
        summary_query=request.GET.urlencode(),
        rows=[
            {
                "attempt": a,
                "local": reports.local_started_at(a),
                "source": reports.source_label(a),
                "utm": reports.utm_label(a),
                "agent": reports.agent_name(a.agent),
            }
            for a in rows
        ],
        next_cursor=encode_cursor(next_cursor) if next_cursor else "",
        is_first_page=cursor is None,
        data=form.cleaned_data,
    )
    return render(request, "campaigns/call_report.html", context)


@permission_required(REPORT_PERMISSION, raise_exception=True)
def call_report_summary(request):
    """The report's summary cards for the same filters, loaded by the report page after it renders."""
    form = _report_form(request)
    if not form.is_valid():
        return HttpResponse("The summary needs valid filters.", status=400, content_type="text/plain; charset=utf-8")
    summary = reports.summarize(reports.filter_attempts(form.cleaned_data))
    return render(request, "campaigns/report_summary.html", {"summary": summary})


def _field_label(form, name: str) -> str:
    field = form.fields.get(name)
    if field is None:
        return "filters"
    return field.label or name.replace("_", " ")


@permission_required(REPORT_PERMISSION, raise_exception=True)
def call_report_csv(request):
    form = _report_form(request)
    if not form.is_valid():
        problems = "; ".join(f"{_field_label(form, name)}: {' '.join(errors)}" for name, errors in form.errors.items())
        return HttpResponse(
            f"The export was not made; fix the filters: {problems}\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    data = form.cleaned_data
    qs = reports.filter_attempts(data)
    name = f"call-report-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}"
    if data.get("campaign") is not None:
        name += f"-campaign{data['campaign'].pk}"
    response = StreamingHttpResponse(reports.csv_lines(qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
