from django.urls import path

from . import views_reports as views

urlpatterns = [
    path("", views.call_report, name="report"),
    path("export.csv", views.call_report_csv, name="report_csv"),
    path("summary/", views.call_report_summary, name="report_summary"),
]
