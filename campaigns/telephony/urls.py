"""Telephony webhooks under /webhooks/ (no login: each endpoint authenticates its provider)."""

from django.urls import path

from campaigns.telephony import views

app_name = "webhooks"
urlpatterns = [
    path("twilio/status/", views.twilio_status, name="twilio-status"),
    path("ozonetel/", views.ozonetel, name="ozonetel"),
    path("sip/", views.sip, name="sip"),
]
