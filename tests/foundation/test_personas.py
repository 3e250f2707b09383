import pytest
from django.contrib.auth.models import Group

from retryadmin.lib.personas import PERSONA_PERMISSIONS

pytestmark = pytest.mark.django_db


def test_every_persona_group_exists_with_its_permissions():
    for persona in PERSONA_PERMISSIONS:
        group = Group.objects.get(name=persona)
        assert group.permissions.exists(), persona


def test_agent_holds_only_the_workspace_permission(agent):
    assert agent.has_perm("wrapup.use_workspace")
    assert not agent.has_perm("strategies.view_strategy")
    assert not agent.has_perm("campaigns.view_campaign")
    assert not agent.is_staff


def test_sales_manager_reads_but_does_not_change(sales_manager):
    assert sales_manager.has_perm("campaigns.view_campaign")
    assert sales_manager.has_perm("campaigns.view_report")
    assert not sales_manager.has_perm("campaigns.change_campaign")
    assert not sales_manager.has_perm("strategies.change_strategy")


def test_supervisor_runs_callbacks_and_mappings(supervisor):
    assert supervisor.has_perm("campaigns.change_redialrequest")
    assert supervisor.has_perm("strategies.change_providermapping")
    assert not supervisor.has_perm("strategies.change_strategy")


def test_pages_need_a_login(client):
    for url in ["/", "/strategies/", "/campaigns/", "/agent/"]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url
    assert client.get("/login/").status_code == 200


def test_navigation_shows_each_persona_only_what_it_may_use(client, agent, campaign_manager):
    client.force_login(agent)
    page = client.get("/agent/").content.decode()
    assert "Workspace" in page and "Strategies" not in page and ">Admin<" not in page
    assert client.get("/strategies/").status_code == 403
    client.force_login(campaign_manager)
    page = client.get("/strategies/").content.decode()
    assert "Strategies" in page and "Campaigns" in page and "Workspace" not in page


def test_home_sends_each_persona_where_its_work_is(
    client, agent, supervisor, sales_manager, campaign_manager, make_user
):
    # README's table: supervisors at callbacks (not Strategies), sales at reports, managers at strategies.
    expected = [
        (agent, "/agent/"),
        (supervisor, "/campaigns/callbacks/"),
        (sales_manager, "/campaigns/report/"),
        (campaign_manager, "/strategies/"),
        (make_user(None, username="root", is_superuser=True), "/strategies/"),
    ]
    for user, url in expected:
        client.force_login(user)
        assert client.get("/").url == url, user.username


def test_agent_has_no_admin_access(client, agent):
    client.force_login(agent)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url


@pytest.mark.parametrize(
    "path, current",
    [
        ("/campaigns/", "Campaigns"),
        ("/campaigns/1/contacts/", "Campaigns"),
        ("/campaigns/callbacks/", "Callbacks"),
        ("/campaigns/queue/2/", "Queue"),
        ("/campaigns/report/", "Reports"),
        ("/strategies/new/", "Strategies"),
    ],
)
def test_navigation_marks_one_current_item(rf, supervisor, path, current):
    from retryadmin.context_processors import navigation

    request = rf.get(path)
    request.user = supervisor
    active = [item["label"] for item in navigation(request)["nav_items"] if item["active"]]
    assert active == [current]
