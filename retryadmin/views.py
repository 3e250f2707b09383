from django.http import JsonResponse
from django.shortcuts import redirect, render

from .context_processors import navigation
from .lib.personas import PERSONA_HOME


def home(request):
    """Send each persona to where its work is (PERSONA_HOME); anyone else to the first screen it may use."""
    groups = set(request.user.groups.values_list("name", flat=True))
    for persona, url_name in PERSONA_HOME.items():
        if persona in groups:
            return redirect(url_name)
    items = navigation(request)["nav_items"]
    if items:
        return redirect(items[0]["url"])
    return render(request, "home.html")


def healthz(request):
    return JsonResponse({"status": "ok"})
