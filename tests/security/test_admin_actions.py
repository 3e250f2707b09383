"""Admin actions are offered only to those with the permission they need: Django offers an action that
declares none to anyone who may view the list (issue 13: view-only personas disabled mappings)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from strategies.models import CallResult, Outcome, ProviderMapping

pytestmark = pytest.mark.django_db

ROW_ACTIONS = ("disable_rows", "enable_rows")


def every_admin_action():
    """(model admin, action name, function) for every action of every registered ModelAdmin."""
    for model_admin in admin.site._registry.values():
        for function, name, _description in model_admin._get_base_actions():
            yield model_admin, name, function


def test_the_registry_has_actions_to_check():
    names = {name for _admin, name, _function in every_admin_action()}
    assert {"disable_rows", "enable_rows", "reset_lockouts", "delete_selected"} <= names


def test_every_admin_action_declares_the_permissions_it_needs():
    lacking = sorted(
        f"{type(model_admin).__module__}.{type(model_admin).__name__}.{name}"
        for model_admin, name, function in every_admin_action()
        if not getattr(function, "allowed_permissions", None)
    )
    assert lacking == []


def test_every_declared_permission_is_one_the_model_admin_can_check():
    for model_admin, name, function in every_admin_action():
        for permission in getattr(function, "allowed_permissions", ()):
            assert callable(getattr(model_admin, f"has_{permission}_permission", None)), (model_admin, name)


def changelist(model):
    return reverse(f"admin:strategies_{model._meta.model_name}_changelist")


def an_active_row(model):
    return model.objects.filter(is_active=True).order_by("pk").first()


def post_action(client, model, action, row):
    return client.post(changelist(model), {"action": action, "_selected_action": [row.pk], "index": 0})


# Every persona whose view of these lists is read-only (Supervisor owns outcomes and mappings).
VIEW_ONLY = [
    ("Campaign Manager", Outcome),
    ("Campaign Manager", CallResult),
    ("Campaign Manager", ProviderMapping),
    ("Supervisor", CallResult),
]


@pytest.mark.parametrize("persona, model", VIEW_ONLY, ids=[f"{p}-{m.__name__}" for p, m in VIEW_ONLY])
def test_a_view_only_persona_is_not_offered_the_row_actions_and_posting_them_changes_nothing(
    client, make_user, persona, model
):
    client.force_login(make_user(persona))
    page = client.get(changelist(model))
    assert page.status_code == 200
    for action in ROW_ACTIONS:
        assert f'value="{action}"'.encode() not in page.content
    row = an_active_row(model)
    post_action(client, model, "disable_rows", row)
    row.refresh_from_db()
    assert row.is_active is True
    model.objects.filter(pk=row.pk).update(is_active=False)
    post_action(client, model, "enable_rows", row)
    row.refresh_from_db()
    assert row.is_active is False


@pytest.mark.parametrize("model", [Outcome, CallResult, ProviderMapping])
def test_a_sales_manager_may_not_open_the_lists_nor_post_the_actions(client, sales_manager, model):
    client.force_login(sales_manager)
    assert client.get(changelist(model)).status_code == 403
    row = an_active_row(model)
    assert post_action(client, model, "disable_rows", row).status_code == 403
    row.refresh_from_db()
    assert row.is_active is True


@pytest.mark.parametrize("model", [Outcome, ProviderMapping])
def test_the_supervisor_who_may_change_them_disables_and_enables_rows(client, supervisor, model):
    client.force_login(supervisor)
    page = client.get(changelist(model))
    for action in ROW_ACTIONS:
        assert f'value="{action}"'.encode() in page.content
    row = an_active_row(model)
    post_action(client, model, "disable_rows", row)
    row.refresh_from_db()
    assert row.is_active is False
    post_action(client, model, "enable_rows", row)
    row.refresh_from_db()
    assert row.is_active is True
