"""Helpers of the admin's large-table tests."""

from django.urls import reverse


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
