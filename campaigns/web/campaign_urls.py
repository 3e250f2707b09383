from django.urls import path

from campaigns.web import campaign_views, contact_views, import_views, rule_views

urlpatterns = [
    path("", campaign_views.campaign_list, name="list"),
    path("new/", campaign_views.campaign_create, name="create"),
    path("rules/", rule_views.organisation_rules, name="required_rules"),
    path("rules/presets/<slug:slug>/", rule_views.organisation_rules_preset, name="required_rules_preset"),
    path("<int:pk>/rules/", rule_views.campaign_rules, name="rules"),
    path("<int:pk>/rules/presets/<slug:slug>/", rule_views.campaign_rules_preset, name="rules_preset"),
    path("<int:pk>/", campaign_views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", campaign_views.campaign_edit, name="edit"),
    path("<int:pk>/calling-now/", campaign_views.calling_now, name="calling_now"),
    path("<int:pk>/pause/", campaign_views.campaign_pause, name="pause"),
    path("<int:pk>/resume/", campaign_views.campaign_resume, name="resume"),
    path("<int:pk>/contacts/", contact_views.contact_list, name="contacts"),
    path("<int:pk>/contacts/new/", contact_views.contact_create, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/", contact_views.contact_detail, name="contact_detail"),
    path("<int:pk>/contacts/<int:contact_pk>/notes/", contact_views.contact_notes, name="contact_notes"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/do-not-call/",
        contact_views.contact_do_not_call,
        name="contact_do_not_call",
    ),
    path("<int:pk>/imports/", import_views.import_upload, name="import_upload"),
    path("<int:pk>/imports/<int:job_pk>/", import_views.import_detail, name="import_detail"),
    path("<int:pk>/imports/<int:job_pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("<int:pk>/imports/<int:job_pk>/status/", import_views.import_status, name="import_status"),
    path("<int:pk>/imports/<int:job_pk>/errors.csv", import_views.import_errors_csv, name="import_errors"),
]
