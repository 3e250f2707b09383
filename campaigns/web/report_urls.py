from django.urls import path

from campaigns.web import report_views as views

urlpatterns = [
    path("", views.call_report, name="report"),
    path("export.csv", views.call_report_csv, name="report_csv"),
    path("summary/", views.call_report_summary, name="report_summary"),
]
