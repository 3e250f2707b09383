from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from .models import Campaign, RedialRequest


@permission_required("campaigns.view_campaign", raise_exception=True)
def campaign_list(request):
    return render(request, "campaigns/campaign_list.html", {"campaigns": Campaign.objects.all()})


@permission_required("campaigns.view_redialrequest", raise_exception=True)
def callback_list(request):
    requests = RedialRequest.objects.filter(status__in=RedialRequest.OPEN_STATUSES).select_related(
        "contact", "campaign", "owner"
    )[:100]
    return render(request, "campaigns/callback_list.html", {"requests": requests})


@permission_required("campaigns.view_report", raise_exception=True)
def call_report(request):
    return render(request, "campaigns/call_report.html", {})
