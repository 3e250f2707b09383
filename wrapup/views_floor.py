"""The supervisor's live floor view: the page, the partial htmx reloads every few seconds, and the campaign
dashboard's "open now" line."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, render

from campaigns.campaign_services import calling_now
from campaigns.models import Campaign

from . import floor as floor_services

VIEW_FLOOR = "wrapup.view_agentsession"


@permission_required(VIEW_FLOOR, raise_exception=True)
def floor(request):
    return render(request, "wrapup/floor.html", {"floor": floor_services.floor_view()})


@permission_required(VIEW_FLOOR, raise_exception=True)
def floor_live(request):
    return render(request, "wrapup/floor_live.html", {"floor": floor_services.floor_view()})


# Whoever may open the campaign's dashboard may read whether it is open: the same permission as the dashboard.
@permission_required("campaigns.view_campaign", raise_exception=True)
def campaign_calling(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.prefetch_related("business_hours", "holidays"), pk=pk)
    return render(request, "wrapup/floor_calling.html", {"calling": calling_now(campaign)})
