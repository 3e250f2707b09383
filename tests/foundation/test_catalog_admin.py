"""The outcome catalog in the Django admin: filters, search, mapped outcomes, system rows, bad input."""

import pytest
from django.urls import reverse

from strategies.models import Outcome, ProviderMapping

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_user(client, make_user):
    client.force_login(make_user(None, username="root", is_superuser=True, is_staff=True))
    return client


def outcome_add(client, **data):
    payload = {
        "code": "mapped.customer_network_not_reachable",
        "name": "Customer Network Not Reachable",
        "category": "mapped",
        "description": "",
        "is_active": "on",
        "mappings-TOTAL_FORMS": 0,
        "mappings-INITIAL_FORMS": 0,
        **data,
    }
    return client.post(reverse("admin:strategies_outcome_add"), payload)


def test_outcome_list_filters_and_search(admin_client_user):
    url = reverse("admin:strategies_outcome_changelist")
    assert admin_client_user.get(url + "?category__exact=sip").context["cl"].result_count == 24
    assert admin_client_user.get(url + "?q=busy").context["cl"].result_count >= 2


def test_mapping_list_filters_by_provider_and_searches_raw_values(admin_client_user):
    url = reverse("admin:strategies_providermapping_changelist")
    assert admin_client_user.get(url + "?provider__exact=twilio").context["cl"].result_count == 10
    assert admin_client_user.get(url + "?q=486").context["cl"].result_count >= 1


def test_outcome_change_page_shows_its_mappings_inline(admin_client_user):
    busy = Outcome.objects.get(code="sip.customer_busy")
    page = admin_client_user.get(reverse("admin:strategies_outcome_change", args=[busy.pk])).content.decode()
    assert "486" in page and "mappings-TOTAL_FORMS" in page


def test_an_admin_adds_a_mapped_outcome_and_maps_a_raw_status_to_it(admin_client_user):
    response = outcome_add(admin_client_user)
    assert response.status_code == 302, response.context["adminform"].form.errors
    outcome = Outcome.objects.get(code="mapped.customer_network_not_reachable")
    assert not outcome.is_system
    response = admin_client_user.post(
        reverse("admin:strategies_providermapping_add"),
        {"provider": "ozonetel", "raw": "NetworkNotReachable", "outcome": outcome.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    assert ProviderMapping.objects.get(provider="ozonetel", raw="NetworkNotReachable").outcome == outcome


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"code": ""}, "code", "This field is required."),
        ({"code": "sip.my_thing"}, "code", "must start with 'mapped.'"),
        ({"code": "Mapped Thing"}, "code", "category.slug"),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_bad_outcome_input_is_a_form_error(admin_client_user, data, field, message):
    response = outcome_add(admin_client_user, **data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and message in " ".join(errors[field])


def test_a_duplicate_mapping_is_a_form_error(admin_client_user):
    busy = Outcome.objects.get(code="sip.customer_busy")
    response = admin_client_user.post(
        reverse("admin:strategies_providermapping_add"),
        {"provider": "sip", "raw": "486", "outcome": busy.pk, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors)
    assert ProviderMapping.objects.filter(provider="sip", raw="486").count() == 1


def test_an_empty_raw_value_is_a_form_error(admin_client_user):
    busy = Outcome.objects.get(code="sip.customer_busy")
    response = admin_client_user.post(
        reverse("admin:strategies_providermapping_add"), {"provider": "sip", "raw": "  ", "outcome": busy.pk}
    )
    assert response.status_code == 200
    assert "raw" in response.context["adminform"].form.errors


def test_system_rows_cannot_be_deleted_only_disabled(admin_client_user):
    busy = Outcome.objects.get(code="sip.customer_busy")
    assert admin_client_user.get(reverse("admin:strategies_outcome_delete", args=[busy.pk])).status_code == 403
    mapping = ProviderMapping.objects.get(provider="sip", raw="486")
    assert (
        admin_client_user.get(reverse("admin:strategies_providermapping_delete", args=[mapping.pk])).status_code == 403
    )
    admin_client_user.post(
        reverse("admin:strategies_providermapping_changelist"),
        {"action": "disable_rows", "_selected_action": [mapping.pk]},
    )
    mapping.refresh_from_db()
    assert not mapping.is_active


def test_a_supervisor_edits_mappings_but_an_agent_cannot_open_the_admin(client, supervisor, agent):
    client.force_login(supervisor)
    assert client.get(reverse("admin:strategies_providermapping_changelist")).status_code == 200
    assert client.get(reverse("admin:strategies_providermapping_add")).status_code == 200
    client.force_login(agent)
    assert client.get(reverse("admin:strategies_providermapping_changelist")).status_code == 302
