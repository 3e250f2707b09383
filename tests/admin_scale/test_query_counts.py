"""Each changelist of a large table, with its searches and filters, runs the same few queries for 10 rows or 30:
nothing is fetched per row, and nothing counts or lists the whole table (see bench/admin_pages.py for times)."""

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Attempt, Contact, LeadSubmission, RedialRequest, WebhookEvent
from strategies.models import Outcome
from tests.factories import LeadSubmissionFactory, WebhookEventFactory

from .helpers import changelist

pytestmark = pytest.mark.django_db

AUTOCOMPLETE = {"app_label": "campaigns", "model_name": "redialrequest", "field_name": "contact"}

# (page, url params, most queries): session, user, the capped count, the page, then the page's own extras
# (the campaign filter's choices, the date hierarchy's first, last and probes, a search's id look-ups).
PAGES = [
    (Contact, {}, 5),
    (Contact, {"q": "+4416329600"}, 6),
    (Contact, {"q": "Person 1"}, 6),
    (Contact, {"status__exact": "pending", "campaign__id__exact": "1"}, 5),
    (Attempt, {}, 8),
    (Attempt, {"q": "+441632960001"}, 9),
    (Attempt, {"q": "CA1"}, 9),
    (Attempt, {"provider": "twilio", "decision_reason": "-", "source__exact": "auto"}, 8),
    (Attempt, {"started_at__year": "2026", "started_at__month": "4"}, 7),
    (RedialRequest, {}, 8),
    (RedialRequest, {"q": "+441632960001"}, 11),
    (RedialRequest, {"q": "Person"}, 11),
    (RedialRequest, {"ownership": "common", "due": "overdue"}, 8),
    (RedialRequest, {"due_at__year": "2026", "due_at__month": "4", "due_at__day": "2"}, 5),
    (WebhookEvent, {}, 8),
    (LeadSubmission, {}, 4),
    (LeadSubmission, {"q": "+441632960001"}, 5),
    ("autocomplete", {}, 4),
    ("autocomplete", {"term": "+441632960001"}, 5),
    ("autocomplete", {"term": "Person"}, 5),
]


@pytest.fixture
def grow(campaign, make_contacts, make_attempts, make_redials):
    """grow(n): n more contacts, each with an attempt, a callback, a webhook event and a lead submission."""
    made = {"n": 0}

    def _grow(n: int) -> None:
        contacts = make_contacts(campaign, n, first=made["n"])
        attempts = make_attempts(contacts, provider="twilio")
        for attempt in attempts:
            attempt.provider_call_id = f"CA{attempt.pk}"
        Attempt.objects.bulk_update(attempts, ["provider_call_id"])
        make_redials(contacts)
        outcome = Outcome.objects.get(code="sip.customer_busy")
        WebhookEventFactory.create_bulk(
            len(attempts),
            call_id=factory.Iterator([f"CA{a.pk}" for a in attempts]),
            raw_status="busy",
            outcome=outcome,
            attempt=factory.Iterator(attempts),
        )
        LeadSubmissionFactory.create_bulk(
            len(contacts),
            contact=factory.Iterator(contacts),
            idempotency_key=factory.Iterator([f"k{c.pk}" for c in contacts]),
            received_at=timezone.now(),
        )
        made["n"] += n

    return _grow


def queries(client, model, params) -> int:
    url = "/admin/autocomplete/" if model == "autocomplete" else changelist(model)
    params = {**AUTOCOMPLETE, **params} if model == "autocomplete" else params
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "model, params, most",
    PAGES,
    ids=[f"{m if isinstance(m, str) else m._meta.model_name}-{'&'.join(p) or 'all'}" for m, p, _ in PAGES],
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, grow, model, params, most):
    grow(10)
    few = queries(admin_client, model, params)
    grow(20)
    assert queries(admin_client, model, params) == few
    assert few <= most
