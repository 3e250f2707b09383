"""Supervisors own unmapped statuses: they see the webhook events in the admin and re-process them."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from campaigns.models import WebhookEvent

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:campaigns_webhookevent_changelist"


def test_the_supervisor_group_may_view_webhook_events():
    codenames = set(Group.objects.get(name="Supervisor").permissions.values_list("codename", flat=True))
    assert "view_webhookevent" in codenames
    assert "change_webhookevent" not in codenames and "delete_webhookevent" not in codenames


def test_a_supervisor_sees_the_webhook_event_list_and_an_event(client, supervisor):
    event = WebhookEvent.objects.create(
        provider="twilio", call_id="CA1", raw_status="odd", status=WebhookEvent.UNMAPPED
    )
    client.force_login(supervisor)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert b'value="reprocess_unmapped"' in response.content
    assert client.get(reverse("admin:campaigns_webhookevent_change", args=[event.pk])).status_code == 200


def test_a_supervisor_runs_re_process(client, supervisor):
    event = WebhookEvent.objects.create(
        provider="twilio", call_id="CA1", raw_status="odd", status=WebhookEvent.UNMAPPED
    )
    client.force_login(supervisor)
    response = client.post(
        reverse(CHANGELIST), {"action": "reprocess_unmapped", "_selected_action": [event.pk], "index": 0}, follow=True
    )
    assert response.status_code == 200
    # Nothing to re-map for a bare event, but the action ran for the supervisor instead of being refused.
    assert "Re-processed 0 events." in [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("persona", ["Campaign Manager", "Sales Manager"])
def test_other_personas_still_may_not_open_webhook_events(client, make_user, persona):
    client.force_login(make_user(persona))
    assert client.get(reverse(CHANGELIST)).status_code == 403
