"""Every page of the campaign screens, by persona: Campaign Manager may change, Sales Manager and
Supervisor only read, an Agent sees nothing, and an anonymous visitor is sent to log in."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign, Contact
from tests.factories import ContactFactory, ImportJobFactory

pytestmark = pytest.mark.django_db

READ_PAGES = [
    ("campaigns:list", False, False),
    ("campaigns:detail", True, False),
    ("campaigns:contacts", True, False),
    ("campaigns:contact_detail", True, True),
    ("campaigns:import_detail", True, "job"),
    ("campaigns:import_status", True, "job"),
    ("campaigns:import_errors", True, "job"),
]
CHANGE_PAGES_GET = [
    ("campaigns:create", False, False),
    ("campaigns:edit", True, False),
    ("campaigns:contact_create", True, False),
    ("campaigns:import_upload", True, False),
]
CHANGE_POSTS = [
    ("campaigns:pause", True, False),
    ("campaigns:resume", True, False),
    ("campaigns:contact_notes", True, True),
    ("campaigns:contact_do_not_call", True, True),
    ("campaigns:import_confirm", True, "job"),
]


@pytest.fixture
def objects(campaign, campaign_manager):
    contact = ContactFactory(campaign=campaign, phone="+447911123456", name="Ann")
    job = ImportJobFactory(campaign=campaign, created_by=campaign_manager, file="imports/x.csv", original_name="")
    return campaign, contact, job


def url_for(name, with_campaign, extra, objects):
    campaign, contact, job = objects
    kwargs = {}
    if with_campaign:
        kwargs["pk"] = campaign.pk
    if extra is True:
        kwargs["contact_pk"] = contact.pk
    elif extra == "job":
        kwargs["job_pk"] = job.pk
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("persona", ["campaign_manager", "sales_manager", "supervisor"])
@pytest.mark.parametrize("page", READ_PAGES, ids=[p[0] for p in READ_PAGES])
def test_staff_personas_read_every_page(request, client, objects, persona, page):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url_for(*page, objects))
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["sales_manager", "supervisor", "agent"])
@pytest.mark.parametrize("page", CHANGE_PAGES_GET, ids=[p[0] for p in CHANGE_PAGES_GET])
def test_only_the_campaign_manager_opens_change_forms(request, client, objects, persona, page):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url_for(*page, objects)).status_code == 403


@pytest.mark.parametrize("page", CHANGE_PAGES_GET, ids=[p[0] for p in CHANGE_PAGES_GET])
def test_campaign_manager_opens_change_forms(client, objects, campaign_manager, page):
    client.force_login(campaign_manager)
    assert client.get(url_for(*page, objects)).status_code == 200


@pytest.mark.parametrize("persona", ["sales_manager", "supervisor", "agent"])
@pytest.mark.parametrize("page", CHANGE_POSTS, ids=[p[0] for p in CHANGE_POSTS])
def test_readers_cannot_change_anything(request, client, objects, persona, page):
    campaign, contact, job = objects
    client.force_login(request.getfixturevalue(persona))
    response = client.post(url_for(*page, objects), {"notes": "x", "reason": "x"})
    assert response.status_code == 403
    campaign.refresh_from_db()
    contact.refresh_from_db()
    job.refresh_from_db()
    assert campaign.status == Campaign.ACTIVE
    assert contact.notes == "" and contact.status == Contact.PENDING
    assert job.confirmed_at is None


@pytest.mark.parametrize("page", READ_PAGES, ids=[p[0] for p in READ_PAGES])
def test_agent_sees_no_campaign_page(client, objects, agent, page):
    client.force_login(agent)
    assert client.get(url_for(*page, objects)).status_code == 403


@pytest.mark.parametrize("page", READ_PAGES + CHANGE_PAGES_GET, ids=[p[0] for p in READ_PAGES + CHANGE_PAGES_GET])
def test_anonymous_visitors_are_sent_to_log_in(client, objects, page):
    response = client.get(url_for(*page, objects))
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_change_actions_refuse_get(client, objects, campaign_manager):
    client.force_login(campaign_manager)
    for page in CHANGE_POSTS:
        assert client.get(url_for(*page, objects)).status_code == 405, page[0]


def test_readers_see_no_change_buttons(client, objects, sales_manager):
    campaign, contact, _ = objects
    client.force_login(sales_manager)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "Pause" not in page and "Edit" not in page and "Import CSV" not in page
    page = client.get(reverse("campaigns:contact_detail", args=[campaign.pk, contact.pk])).content.decode()
    assert "Mark do not call" not in page and "Save notes" not in page
