from django.urls import path

from campaigns.web import dnc_views as views

urlpatterns = [
    path("", views.list_index, name="dnc_index"),
    path("organisation/", views.organisation, name="dnc_organisation"),
    path("campaign/<int:pk>/", views.for_campaign, name="dnc_for_campaign"),
    path("<int:list_pk>/", views.list_detail, name="dnc_list"),
    path("<int:list_pk>/add/", views.add_number, name="dnc_add"),
    path("<int:list_pk>/entries/<int:entry_pk>/remove/", views.remove_number, name="dnc_remove"),
    path("<int:list_pk>/export.csv", views.export_csv, name="dnc_export"),
    path("<int:list_pk>/imports/", views.import_upload, name="dnc_import_upload"),
    path("<int:list_pk>/imports/<int:job_pk>/", views.import_detail, name="dnc_import"),
    path("<int:list_pk>/imports/<int:job_pk>/confirm/", views.import_confirm, name="dnc_import_confirm"),
    path("<int:list_pk>/imports/<int:job_pk>/status/", views.import_status, name="dnc_import_status"),
    path("<int:list_pk>/imports/<int:job_pk>/errors.csv", views.import_errors_csv, name="dnc_import_errors"),
]
