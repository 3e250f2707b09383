from django.urls import path

from . import views_campaigns as views

urlpatterns = [
    path("", views.campaign_list, name="list"),
]
