"""Supervisor screens under /campaigns/. Each area keeps its own url and view modules."""

from django.urls import include, path

app_name = "campaigns"
urlpatterns = [
    path("", include("campaigns.urls_campaigns")),
    path("callbacks/", include("campaigns.urls_callbacks")),
    path("report/", include("campaigns.urls_reports")),
    path("queue/", include("campaigns.urls_queue")),
]
