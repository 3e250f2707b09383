"""Every URL pattern of the site, walked from the root resolver, and one row of each kind to fill their
parameters: the persona x URL table and the endpoint fuzz test share them."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from campaigns.models import (
    Attempt,
    BusinessHourWindow,
    Campaign,
    Contact,
    DialPlan,
    DoNotCallEntry,
    DoNotCallImport,
    ImportJob,
    LeadSubmission,
    RedialRequest,
    WebhookEvent,
)
from campaigns.services import do_not_call
from retryadmin.lib.personas import AGENT, CAMPAIGN_MANAGER, SALES_MANAGER, STAFF_PERSONAS, SUPERVISOR
from strategies.models import AutoClassification, CallResult, Outcome, ProviderMapping, Strategy, StrategyRule
from wrapup.models import AgentSession

ANONYMOUS = "anonymous"
ADMINISTRATOR = "Administrator"
PERSONAS = (ANONYMOUS, AGENT, SUPERVISOR, SALES_MANAGER, CAMPAIGN_MANAGER, ADMINISTRATOR)


@dataclass(frozen=True)
class Route:
    """One URL pattern: `route` is its full pattern text (the table's key), `view` its callback."""

    route: str
    name: str | None
    view: object

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


def every_route() -> list[Route]:
    """Every URL pattern under the root URLconf, admin included, in resolver order."""

    def walk(resolver: URLResolver, prefix: str, namespace: str):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else None
                yield Route(prefix + str(entry.pattern), name, entry.callback)

    return list(walk(get_resolver(), "", ""))


@dataclass
class World:
    users: dict[str, User | None]
    values: dict[str, object]

    def url(self, route: Route) -> str:
        """A path that resolves to `route`, with real rows for its parameters."""
        text = route.route
        if text.startswith("admin/^(?P<app_label>"):
            return "/admin/campaigns/"
        if text == "admin/(?P<url>.*)$":
            return "/admin/no-such-page/"
        if text.startswith("admin/r/"):
            return f"/admin/r/{self.values['campaign_type']}/{self.values['campaign']}/"
        match = re.match(r"admin/(\w+)/(\w+)/", text)
        model_key = f"{match.group(1)}.{match.group(2)}" if match else ""

        def value(param: re.Match) -> str:
            name = param.group(1)
            if name == "slug":
                return "us_reg_f_7_in_7"
            if name in ("object_id", "id"):
                return str(self.values[model_key])
            if text.startswith("strategies/"):
                return str(self.values["strategy"])
            if text.startswith("campaigns/callbacks/") or text.startswith("agent/redials/"):
                return str(self.values["redial"])
            if text.startswith("agent/attempts/"):
                return str(self.values["attempt"])
            if text.startswith("campaigns/do-not-call/") and name != "pk":
                return str(self.values[{"list_pk": "dnc_list", "entry_pk": "dnc_entry", "job_pk": "dnc_job"}[name]])
            return str(self.values[{"pk": "campaign", "contact_pk": "contact", "job_pk": "job"}[name]])

        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, text)


def build_world() -> World:
    """A user per persona and one row of every kind the URLs name."""
    users: dict[str, User | None] = {ANONYMOUS: None}
    for persona in PERSONAS[1:-1]:
        user = User.objects.create_user(
            username=persona.lower().replace(" ", "_") + "_t",
            password="pw-test-123",
            is_staff=persona in STAFF_PERSONAS,
        )
        user.groups.add(Group.objects.get(name=persona))
        users[persona] = user
    users[ADMINISTRATOR] = User.objects.create_superuser("root_t", "root@example.com", "pw-test-123")
    agent = users[AGENT]

    strategy = Strategy.objects.create(name="Table strategy", kind=Strategy.TELEPHONY)
    no_answer = Outcome.objects.get(code="sip.customer_no_answer")
    StrategyRule.objects.create(strategy=strategy, outcome=no_answer, amount=1, unit="h")
    plan = DialPlan.objects.create(name="Table plan", telephony_strategy=strategy)
    campaign = Campaign.objects.create(
        name="Table campaign", zone="Europe/London", dial_plan=plan, lead_api_key="k" * 40
    )
    BusinessHourWindow.objects.bulk_create(
        BusinessHourWindow(campaign=campaign, weekday=day, start_minute=0, end_minute=1440) for day in range(7)
    )
    contact = Contact.objects.create(campaign=campaign, phone="+442079460000", name="Table contact")
    now = timezone.now()
    attempt = Attempt.objects.create(
        contact=contact,
        campaign=campaign,
        number=1,
        agent=agent,
        started_at=now - timedelta(minutes=5),
        outcome=no_answer,
    )
    redial = RedialRequest.objects.create(
        contact=contact,
        campaign=campaign,
        due_at=now + timedelta(hours=1),
        owner=agent,
        source=RedialRequest.SOURCE_AGENT,
    )
    job = ImportJob.objects.create(campaign=campaign, created_by=users[CAMPAIGN_MANAGER], file="imports/table.csv")
    event = WebhookEvent.objects.create(provider="sip", body="{}", status=WebhookEvent.REJECTED)
    lead = LeadSubmission.objects.create(campaign=campaign, idempotency_key="table", contact=contact, payload={})
    session = AgentSession.objects.create(agent=agent, campaign=campaign)
    # The campaign's own list (the organisation's is reached through `organisation/`), one number on it,
    # and one import waiting for confirmation, so the entry and the import pages have real rows.
    dnc_list = do_not_call.campaign_list(campaign)
    dnc_entry, _ = do_not_call.add_number(
        dnc_list, "+442079460001", source=DoNotCallEntry.Source.SUPERVISOR, by=users[SUPERVISOR], reason="asked"
    )
    dnc_job = DoNotCallImport.objects.create(
        list=dnc_list, created_by=users[SUPERVISOR], file="dnc-imports/table.csv", original_name="table.csv"
    )
    values = {
        "strategy": strategy.pk,
        "campaign": campaign.pk,
        "contact": contact.pk,
        "attempt": attempt.pk,
        "redial": redial.pk,
        "job": job.pk,
        "dnc_list": dnc_list.pk,
        "dnc_entry": dnc_entry.pk,
        "dnc_job": dnc_job.pk,
        "campaign_type": ContentType.objects.get_for_model(Campaign).pk,
        "auth.group": Group.objects.get(name=SUPERVISOR).pk,
        "auth.user": users[AGENT].pk,
        "strategies.outcome": no_answer.pk,
        "strategies.providermapping": ProviderMapping.objects.order_by("pk").first().pk,
        "strategies.callresult": CallResult.objects.order_by("pk").first().pk,
        "strategies.autoclassification": AutoClassification.objects.order_by("pk").first().pk,
        "strategies.strategy": strategy.pk,
        "campaigns.dialplan": plan.pk,
        "campaigns.campaign": campaign.pk,
        "campaigns.importjob": job.pk,
        "campaigns.contact": contact.pk,
        "campaigns.attempt": attempt.pk,
        "campaigns.leadsubmission": lead.pk,
        "campaigns.webhookevent": event.pk,
        "campaigns.redialrequest": redial.pk,
        "wrapup.agentsession": session.pk,
    }
    values.update(_axes_rows())
    return World(users, values)


def _axes_rows() -> dict[str, int]:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    common = {"user_agent": "table", "ip_address": "192.0.2.1", "username": "someone", "http_accept": "*/*"}
    return {
        "axes.accessattempt": AccessAttempt.objects.create(**common, path_info="/login/", failures_since_start=1).pk,
        "axes.accesslog": AccessLog.objects.create(**common, path_info="/login/").pk,
        "axes.accessfailurelog": AccessFailureLog.objects.create(**common, path_info="/login/").pk,
    }


def request_rolled_back(client, method: str, path: str, **kwargs):
    """The response to one request whose writes are undone afterwards, so each row of a table sees the
    same world (a delete or a pause does not change the next row's answer)."""
    cookies = copy.deepcopy(client.cookies)  # a sign-out is undone too
    with transaction.atomic():
        response = getattr(client, method.lower())(path, **kwargs)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response
