"""The supervisor's live floor view: the page, and the partial htmx reloads every few seconds."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from . import floor as floor_services

VIEW_FLOOR = "wrapup.view_agentsession"


@permission_required(VIEW_FLOOR, raise_exception=True)
def floor(request):
    return render(request, "wrapup/floor.html", {"floor": floor_services.floor_view()})


@permission_required(VIEW_FLOOR, raise_exception=True)
def floor_live(request):
    return render(request, "wrapup/floor_live.html", {"floor": floor_services.floor_view()})
