"""The JSON API under /api/ (no login: each endpoint authenticates with its own key)."""

from django.urls import path

from campaigns.api import do_not_call, leads

app_name = "api"
urlpatterns = [
    path("leads/", leads.lead_intake, name="leads"),
    path("dnc/", do_not_call.add_do_not_call, name="dnc"),
]
