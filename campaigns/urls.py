from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("callbacks/", views.callback_list, name="callbacks"),
    path("report/", views.call_report, name="report"),
]
