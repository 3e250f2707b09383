"""Telephony webhooks under /webhooks/ (no login: each endpoint authenticates its provider)."""

app_name = "webhooks"
urlpatterns: list = []
