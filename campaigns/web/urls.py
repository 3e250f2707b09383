"""Supervisor screens under /campaigns/. Each area keeps its own url and view modules."""

from django.urls import include, path

app_name = "campaigns"
urlpatterns = [
    path("", include("campaigns.web.campaign_urls")),
    path("callbacks/", include("campaigns.web.callback_urls")),
    path("report/", include("campaigns.web.report_urls")),
    path("queue/", include("campaigns.web.queue_urls")),
    path("do-not-call/", include("campaigns.web.dnc_urls")),
]
