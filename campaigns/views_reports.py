from django.contrib.auth.decorators import permission_required
from django.shortcuts import render


@permission_required("campaigns.view_report", raise_exception=True)
def call_report(request):
    return render(request, "campaigns/call_report.html", {})
