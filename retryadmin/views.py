from django.http import JsonResponse
from django.shortcuts import redirect, render

from .context_processors import navigation


def home(request):
    """Send each persona to the first screen it may use."""
    items = navigation(request)["nav_items"]
    if items:
        return redirect(items[0]["url"])
    return render(request, "home.html")


def healthz(request):
    return JsonResponse({"status": "ok"})
