"""Access per persona, list, detail, create/edit/delete flows of the strategy screens."""

import pytest
from django.urls import reverse

from strategies.models import Strategy
from tests.factories import CampaignFactory, DialPlanFactory, StrategyFactory

from .helpers import strategy_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy():
    return StrategyFactory(name="Standard telephony", rules={"sip.customer_no_answer": (1, "h")})


def urls(pk):
    return {
        "list": reverse("strategies:list"),
        "detail": reverse("strategies:detail", args=[pk]),
        "create": reverse("strategies:create"),
        "edit": reverse("strategies:edit", args=[pk]),
        "delete": reverse("strategies:delete", args=[pk]),
    }


READ = ("list", "detail")
WRITE = ("create", "edit", "delete")


@pytest.mark.parametrize("persona", ["sales_manager", "supervisor"])
def test_read_only_personas_may_look_but_not_change(client, request, persona, strategy):
    client.force_login(request.getfixturevalue(persona))
    for name, url in urls(strategy.pk).items():
        assert client.get(url).status_code == (200 if name in READ else 403), name
    assert client.post(urls(strategy.pk)["delete"]).status_code == 403
    assert client.post(urls(strategy.pk)["edit"], strategy_data(name="Hijacked")).status_code == 403
    strategy.refresh_from_db()
    assert strategy.name == "Standard telephony"


@pytest.mark.parametrize("persona", ["sales_manager", "supervisor"])
def test_read_only_personas_see_no_edit_buttons(client, request, persona, strategy):
    client.force_login(request.getfixturevalue(persona))
    for url in (urls(strategy.pk)["list"], urls(strategy.pk)["detail"]):
        html = client.get(url).content.decode()
        assert urls(strategy.pk)["edit"] not in html
        assert urls(strategy.pk)["delete"] not in html
        assert urls(strategy.pk)["create"] not in html


def test_agent_gets_403_everywhere(client, agent, strategy):
    client.force_login(agent)
    for url in urls(strategy.pk).values():
        assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_login(client, strategy):
    for url in urls(strategy.pk).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_campaign_manager_may_open_every_screen_and_sees_the_buttons(client, campaign_manager, strategy):
    client.force_login(campaign_manager)
    for url in urls(strategy.pk).values():
        assert client.get(url).status_code == 200
    html = client.get(urls(strategy.pk)["list"]).content.decode()
    assert urls(strategy.pk)["edit"] in html and urls(strategy.pk)["create"] in html


def test_list_shows_type_rule_count_and_campaigns(client, campaign_manager, strategy):
    CampaignFactory(
        name="Diwali offers", dial_plan=DialPlanFactory(name="Plan for Diwali offers", telephony_strategy=strategy)
    )
    StrategyFactory(name="Lead ladder", kind=Strategy.LADDER, steps=[(10, "m"), (None, "h")])
    client.force_login(campaign_manager)
    html = client.get(reverse("strategies:list")).content.decode()
    assert "Telephony outcome" in html and "1 rule" in html and "Diwali offers" in html
    assert "Attempt ladder" in html and "2 steps" in html


def test_list_search_and_type_filter(client, campaign_manager):
    StrategyFactory(name="Busy lines", rules={"sip.customer_busy": (1, "h")})
    biz = StrategyFactory(name="Business default", kind=Strategy.BUSINESS, rules={"busy": (2, "h")})
    biz.description = "for the sales floor"
    biz.save()
    client.force_login(campaign_manager)

    def names(**params):
        return [row["strategy"].name for row in client.get(reverse("strategies:list"), params).context["rows"]]

    assert names(q="busy") == ["Busy lines"]
    assert names(q="sales floor") == ["Business default"]
    assert names(kind="business") == ["Business default"]
    assert names(kind="telephony") == ["Busy lines"]
    assert names(kind="nonsense") == ["Business default", "Busy lines"]
    assert names(q="nothing like it") == []


def test_list_query_count_does_not_grow_with_rows(client, campaign_manager, django_assert_max_num_queries):
    for i in range(12):
        strategy = StrategyFactory(
            name=f"S{i:02d}", rules={"sip.customer_no_answer": (1, "h"), "sip.customer_busy": (2, "h")}
        )
        CampaignFactory(
            name=f"Campaign {i}", dial_plan=DialPlanFactory(name=f"Plan for Campaign {i}", telephony_strategy=strategy)
        )
    client.force_login(campaign_manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("strategies:list"))
    assert len(response.context["rows"]) == 12


def test_detail_shows_rules_and_the_preview(client, sales_manager, strategy):
    client.force_login(sales_manager)
    html = client.get(reverse("strategies:detail", args=[strategy.pk])).content.decode()
    assert "Customer No Answer" in html
    assert 'data-testid="timeline-step"' in html
    assert "+1h" in html


def test_detail_says_1_hour_and_30_minutes_not_1_hours(client, sales_manager):
    strategy = StrategyFactory(
        name="Plurals", rules={"sip.customer_no_answer": (1, "h"), "sip.customer_busy": (30, "m")}
    )
    client.force_login(sales_manager)
    html = client.get(reverse("strategies:detail", args=[strategy.pk])).content.decode()
    assert "<td>1 hour</td>" in html and "<td>30 minutes</td>" in html
    assert "1 hours" not in html


def test_create_flow_redirects_to_the_new_strategy(client, campaign_manager):
    client.force_login(campaign_manager)
    response = client.post(
        reverse("strategies:create"), strategy_data(rules=[("sip.customer_no_answer", None, 1, "h")])
    )
    strategy = Strategy.objects.get()
    assert response.url == reverse("strategies:detail", args=[strategy.pk])
    page = client.get(response.url)
    assert "Strategy No answer retries created." in page.content.decode()


def test_edit_flow_changes_name_and_delay(client, campaign_manager, strategy):
    client.force_login(campaign_manager)
    rule = strategy.rules.get()
    data = strategy_data(name="Renamed", rules=[("sip.customer_no_answer", None, 3, "m")])
    data.update({"rules-INITIAL_FORMS": "1", "rules-0-id": str(rule.pk)})
    response = client.post(reverse("strategies:edit", args=[strategy.pk]), data)
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.name == "Renamed"
    assert [(r.amount, r.unit) for r in strategy.rules.all()] == [(3, "m")]


def test_delete_flow_asks_then_deletes(client, campaign_manager, strategy):
    client.force_login(campaign_manager)
    page = client.get(reverse("strategies:delete", args=[strategy.pk]))
    assert "cannot be undone" in page.content.decode()
    response = client.post(reverse("strategies:delete", args=[strategy.pk]))
    assert response.url == reverse("strategies:list")
    assert not Strategy.objects.filter(pk=strategy.pk).exists()


def test_delete_is_refused_while_a_campaign_uses_it(client, campaign_manager, strategy):
    CampaignFactory(
        name="Diwali offers", dial_plan=DialPlanFactory(name="Plan for Diwali offers", telephony_strategy=strategy)
    )
    client.force_login(campaign_manager)
    page = client.get(reverse("strategies:delete", args=[strategy.pk])).content.decode()
    assert "cannot be deleted while it is in use" in page and "Diwali offers" in page
    assert 'type="submit" class="btn btn-danger"' not in page
    response = client.post(reverse("strategies:delete", args=[strategy.pk]), follow=True)
    assert Strategy.objects.filter(pk=strategy.pk).exists()
    assert "Not deleted: Standard telephony is used by dial plan Plan for Diwali offers (campaigns Diwali offers)" in (
        response.content.decode()
    )


def test_missing_strategy_is_404(client, campaign_manager):
    client.force_login(campaign_manager)
    assert client.get(reverse("strategies:detail", args=[999999])).status_code == 404
    assert client.get(reverse("strategies:edit", args=[999999])).status_code == 404
