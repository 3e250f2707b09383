from django.urls import path

from campaigns.web import queue_views as views

urlpatterns = [
    path("", views.queue_overview, name="queue"),
    path("<int:pk>/", views.campaign_queue, name="queue_detail"),
]
