from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, render

from campaigns.models import Campaign
from campaigns.queries.queue import queue_overview as overview_lines
from campaigns.queries.queue import upcoming_queues


@permission_required("campaigns.view_redialrequest", raise_exception=True)
def queue_overview(request):
    campaigns = Campaign.objects.filter(status=Campaign.ACTIVE).order_by("name")
    return render(request, "campaigns/queue_overview.html", {"lines": overview_lines(campaigns)})


@permission_required("campaigns.view_redialrequest", raise_exception=True)
def campaign_queue(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    return render(
        request,
        "campaigns/queue_detail.html",
        {"campaign": campaign, "queues": upcoming_queues(campaign), "campaigns": Campaign.objects.order_by("name")},
    )
