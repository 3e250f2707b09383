"""Admin actions are offered only to those with the permission they need: Django offers an action that
declares none to anyone who may view the list (issue 13: view-only personas disabled mappings)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from strategies.models import CallResult, Outcome, ProviderMapping

from .url_world import PERSONAS, build_world

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


# Which personas are offered each action of each ModelAdmin (1) and which are not (0); columns in the order
# anonymous, Agent, Supervisor, Sales Manager, Campaign Manager, Administrator. Django offers, and runs,
# only the actions get_actions() returns, so this is both what the page shows and what a POST may run.
# A new action fails test_every_admin_action_is_in_the_table until it gets its row.
ACTION_TABLE = {
    ("auth.group", "delete_selected"): (0, 0, 0, 0, 0, 1),
    ("auth.user", "delete_selected"): (0, 0, 0, 0, 0, 1),
    ("axes.accessattempt", "delete_selected"): (0, 0, 0, 0, 0, 0),
    ("axes.accessattempt", "reset_lockouts"): (0, 0, 0, 0, 0, 1),
    ("axes.accessattempt", "cleanup_expired_attempts"): (0, 0, 0, 0, 0, 1),
    ("axes.accesslog", "delete_selected"): (0, 0, 0, 0, 0, 1),
    ("axes.accessfailurelog", "delete_selected"): (0, 0, 0, 0, 0, 1),
    ("strategies.outcome", "delete_selected"): (0, 0, 0, 0, 0, 0),
    ("strategies.outcome", "disable_rows"): (0, 0, 1, 0, 0, 1),
    ("strategies.outcome", "enable_rows"): (0, 0, 1, 0, 0, 1),
    ("strategies.providermapping", "delete_selected"): (0, 0, 0, 0, 0, 0),
    ("strategies.providermapping", "disable_rows"): (0, 0, 1, 0, 0, 1),
    ("strategies.providermapping", "enable_rows"): (0, 0, 1, 0, 0, 1),
    ("strategies.callresult", "delete_selected"): (0, 0, 0, 0, 0, 0),
    ("strategies.callresult", "disable_rows"): (0, 0, 0, 0, 0, 1),
    ("strategies.callresult", "enable_rows"): (0, 0, 0, 0, 0, 1),
    ("strategies.autoclassification", "delete_selected"): (0, 0, 0, 0, 0, 1),
    ("strategies.strategy", "delete_selected"): (0, 0, 0, 0, 1, 1),
    ("campaigns.dialplan", "delete_selected"): (0, 0, 0, 0, 1, 1),
    ("campaigns.campaign", "delete_selected"): (0, 0, 0, 0, 1, 1),
    ("campaigns.campaign", "rotate_lead_api_keys"): (0, 0, 0, 0, 1, 1),
    ("campaigns.importjob", "delete_selected"): (0, 0, 0, 0, 0, 1),
    ("campaigns.contact", "delete_selected"): (0, 0, 0, 0, 1, 1),
    ("campaigns.attempt", "delete_selected"): (0, 0, 0, 0, 0, 0),
    ("campaigns.leadsubmission", "delete_selected"): (0, 0, 0, 0, 0, 1),
    ("campaigns.webhookevent", "delete_selected"): (0, 0, 0, 0, 0, 0),
    ("campaigns.webhookevent", "reprocess_unmapped"): (0, 0, 1, 0, 0, 1),
    ("campaigns.redialrequest", "delete_selected"): (0, 0, 0, 0, 0, 0),
    ("campaigns.redialrequest", "cancel_requests"): (0, 0, 1, 0, 1, 1),
    ("campaigns.redialrequest", "make_common"): (0, 0, 1, 0, 1, 1),
    ("campaigns.redialrequest", "reassign_requests"): (0, 0, 1, 0, 1, 1),
    ("campaigns.redialrequest", "reschedule_requests"): (0, 0, 1, 0, 1, 1),
    ("wrapup.agentsession", "delete_selected"): (0, 0, 0, 0, 0, 0),
}


def test_every_admin_action_is_in_the_table():
    actions = {
        (model._meta.label_lower, name)
        for model, model_admin in admin.site._registry.items()
        for _function, name, _description in model_admin._get_base_actions()
    }
    assert sorted(actions - set(ACTION_TABLE)) == [], "new admin actions: give each a row in ACTION_TABLE"
    assert sorted(set(ACTION_TABLE) - actions) == [], "rows for actions that no longer exist"


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_is_offered_exactly_the_actions_of_the_table(persona):
    user = build_world().users[persona] or AnonymousUser()
    column = PERSONAS.index(persona)
    wrong = []
    for model, model_admin in admin.site._registry.items():
        request = RequestFactory().get("/admin/")
        request.user = user
        offered = set(model_admin.get_actions(request))
        for _function, name, _description in model_admin._get_base_actions():
            expected = bool(ACTION_TABLE[(model._meta.label_lower, name)][column])
            if (name in offered) != expected:
                wrong.append(f"{model._meta.label_lower}.{name}: offered={name in offered}, expected {expected}")
    assert wrong == []
