"""Rule 8 at every door: a listed number is never dialled, offered to an agent or given a callback by hand.

"Listed directly" writes the entry as a concurrent import would, without the immediate stop that adding
one number does, so each door has to find the number on the list by itself.
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.dispatch import claim
from campaigns.dispatch import dial as dialing
from campaigns.models import Attempt, Campaign, Contact, DoNotCallEntry, LeadSubmission, RedialRequest
from campaigns.services import attempts as attempt_services
from campaigns.services import do_not_call
from campaigns.services import queue as queue_services
from campaigns.services import redials as redial_services
from campaigns.services.contacts import RedialRefused
from tests.factories import ALL_DAY, CampaignFactory, RedialRequestFactory
from tests.wrapup.helpers import ANSWERED, BUSY, NOW, call_result, outcome
from wrapup.models import AgentSession
from wrapup.services import presence, wrap_up

pytestmark = pytest.mark.django_db

Source = DoNotCallEntry.Source


def session_of(agent) -> AgentSession:
    return AgentSession.objects.get(agent=agent)


def in_wrap_up(agent, campaign, contact, now=NOW):
    """Join, take `contact` (the only one due), and end the call connected."""
    assert presence.join_campaign(agent, campaign, now=now) == contact
    ended = wrap_up.simulate_call_end(session_of(agent), outcome=outcome(ANSWERED), duration_seconds=90, now=now)
    assert ended.in_wrap_up
    return ended.attempt


def make_dispatch_campaign(**fields):
    return CampaignFactory(hours=ALL_DAY, **fields)


def make_requests(campaign, count):
    return RedialRequestFactory.create_bulk_with_contacts(count, campaign=campaign, due=True)


def list_directly(phone, campaign=None, reason="registry"):
    listing = do_not_call.campaign_list(campaign) if campaign else do_not_call.organisation_list()
    return DoNotCallEntry.objects.create(
        list=listing, phone=phone, source=Source.IMPORT, reason=reason, added_at=timezone.now()
    )


# --- Manual redials -------------------------------------------------------------------------------


def test_a_redial_added_in_wrap_up_is_refused_naming_the_list(agent, campaign, make_contact):
    contact = make_contact(campaign)
    attempt = in_wrap_up(agent, campaign, contact)
    list_directly(contact.phone, reason="national registry")
    with pytest.raises(RedialRefused) as caught:
        wrap_up.add_wrap_up_redial(agent, attempt, due_at=NOW + timedelta(hours=3), personal=True, now=NOW)
    message = caught.value.messages[0]
    assert "organisation's do-not-call list" in message and "national registry" in message
    assert not RedialRequest.objects.filter(contact=contact, status=RedialRequest.SCHEDULED).exists()


def test_a_callback_listed_after_it_was_scheduled_cannot_be_rescheduled(
    campaign, make_contact, make_redial, supervisor
):
    contact = make_contact(campaign)
    redial = make_redial(contact, timezone.now() + timedelta(hours=2))
    list_directly(contact.phone, campaign=campaign)
    with pytest.raises(RedialRefused) as caught:
        redial_services.reschedule_redial(redial, due_at=timezone.now() + timedelta(hours=5), by=supervisor)
    assert "campaign's do-not-call list" in caught.value.messages[0]
    with pytest.raises(RedialRefused):
        redial_services.add_redial(campaign=campaign, contact=contact, due_at=timezone.now() + timedelta(hours=5))


def test_the_callbacks_screen_shows_the_refusal(client, campaign, make_contact, make_redial, supervisor):
    contact = make_contact(campaign)
    redial = make_redial(contact, timezone.now() + timedelta(hours=2))
    planned = redial.due_at
    list_directly(contact.phone)
    client.force_login(supervisor)
    due = timezone.now().astimezone(timezone.get_current_timezone()) + timedelta(days=1)
    response = client.post(
        f"/campaigns/callbacks/{redial.pk}/reschedule/", {"date": due.date(), "time": due.strftime("%H:%M")}
    )
    assert response.status_code in (200, 400)
    assert "do-not-call list" in response.content.decode()
    redial.refresh_from_db()
    assert redial.due_at == planned and redial.status == RedialRequest.SCHEDULED


# --- Lead intake and the out-of-hours queue ---------------------------------------------------------


def test_a_listed_lead_is_stored_not_called_with_the_reason(client, make_campaign):
    campaign = make_campaign(lead_api_key="dnc-lead-key-0123")
    list_directly("+442079460961", reason="asked by letter")
    response = client.post(
        "/api/leads/",
        json.dumps({"name": "Ada", "phone": "+44 20 7946 0961"}),
        content_type="application/json",
        HTTP_X_API_KEY="dnc-lead-key-0123",
        HTTP_IDEMPOTENCY_KEY="lead-dnc-1",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["redial_request_id"] is None and body["due_at"] is None
    assert "do-not-call list" in body["explanation"] and "asked by letter" in body["explanation"]
    contact = Contact.objects.get(pk=body["contact_id"])
    assert contact.campaign == campaign and contact.phone == "+442079460961"
    assert contact.status == Contact.DO_NOT_CALL and contact.status_reason == "do_not_call"
    assert LeadSubmission.objects.filter(contact=contact).exists()
    assert not RedialRequest.objects.filter(contact=contact).exists()


def test_the_out_of_hours_queue_refuses_a_listed_number(make_campaign, make_contact):
    campaign = make_campaign(open_minutes=(9 * 60, 17 * 60), queue_spacing_seconds=30)
    contact = make_contact(campaign)
    list_directly(contact.phone, campaign=campaign)
    with pytest.raises(RedialRefused) as caught:
        queue_services.queue_lead(campaign=campaign, contact=contact, now=NOW.replace(hour=20))
    assert "do-not-call list" in caught.value.messages[0]
    assert not RedialRequest.objects.filter(contact=contact).exists()


# --- Allocation -----------------------------------------------------------------------------------


def test_allocation_never_offers_a_listed_number(agent, campaign, make_contact, make_redial):
    listed_due = make_contact(campaign)
    make_redial(listed_due, NOW - timedelta(minutes=5))
    listed_fresh = make_contact(campaign)
    callable_contact = make_contact(campaign)
    list_directly(listed_due.phone)
    list_directly(listed_fresh.phone, campaign=campaign)
    assert presence.join_campaign(agent, campaign, now=NOW) == callable_contact
    session = session_of(agent)
    assert session.state == AgentSession.IN_CALL and session.current_contact == callable_contact


# --- The engine's rule 1, after a call -------------------------------------------------------------


def test_a_call_to_a_listed_number_schedules_nothing(campaign, make_contact):
    contact = make_contact(campaign)
    list_directly(contact.phone)
    attempt, _ = attempt_services.record_attempt(
        campaign=campaign, contact=contact, outcome=outcome(BUSY), started_at=NOW, now=NOW
    )
    attempt.refresh_from_db()
    contact.refresh_from_db()
    assert attempt.decision_reason == "do_not_call" and attempt.next_attempt_at is None
    assert "do-not-call list" in attempt.decision_explanation
    assert contact.status == Contact.DO_NOT_CALL
    assert not RedialRequest.objects.filter(contact=contact, status__in=RedialRequest.OPEN_STATUSES).exists()


def test_the_agents_do_not_call_result_lists_the_number_on_the_campaigns_list(
    agent, campaign, make_campaign, make_contact
):
    contact = make_contact(campaign)
    other_campaign = make_campaign()
    same_number_elsewhere = Contact.objects.create(campaign=other_campaign, phone=contact.phone)
    attempt = in_wrap_up(agent, campaign, contact)
    ended = wrap_up.choose_call_result(agent, attempt, call_result("do_not_call"), now=NOW + timedelta(minutes=1))
    assert ended.redial is None
    entry = DoNotCallEntry.objects.get(phone=contact.phone)
    assert entry.list.campaign == campaign and entry.source == Source.AGENT and entry.added_by == agent
    contact.refresh_from_db()
    attempt.refresh_from_db()
    assert contact.status == Contact.DO_NOT_CALL and attempt.decision_reason == "do_not_call"
    assert do_not_call.is_listed(campaign.pk, contact.phone)
    assert not do_not_call.is_listed(other_campaign.pk, same_number_elsewhere.phone)


# --- The re-check at dispatch -----------------------------------------------------------------------


def test_dispatch_cancels_requests_listed_after_they_were_scheduled_with_one_query_per_batch():
    campaign = make_dispatch_campaign()
    requests = make_requests(campaign, 7)
    listed = [requests[1], requests[4], requests[6]]
    for request in listed[:2]:
        list_directly(request.contact.phone)
    list_directly(listed[2].contact.phone, campaign=campaign)
    with CaptureQueriesContext(connection) as queries:
        result = claim.claim_due(batch_size=3)
    entry_table = DoNotCallEntry._meta.db_table
    assert result.batches == 3
    assert sum(entry_table in q["sql"] for q in queries.captured_queries) == 3
    assert result.cancelled == 3 and sorted(result.ready) == sorted(r.id for r in requests if r not in listed)
    for request in RedialRequest.objects.filter(id__in=[r.id for r in listed]):
        assert request.status == RedialRequest.CANCELLED and request.close_reason == "do_not_call"
        assert request.dispatch_attempts == 0 and request.claim_token is None
        assert request.contact.status == Contact.DO_NOT_CALL


def test_a_number_listed_while_its_batch_is_in_flight_is_not_dialled(monkeypatch, django_capture_on_commit_callbacks):
    campaign = make_dispatch_campaign(dialing_mode=Campaign.AUTO_DIAL)
    requests = make_requests(campaign, 3)
    target = requests[2]

    def claiming_then_listing(claim_batch):
        def claim_then_list(now, lease_at, limit, skip):
            rows = claim_batch(now, lease_at, limit, skip)
            # An import lists the number after this batch claimed it: the claim's own check did not see it.
            list_directly(target.contact.phone)
            return rows

        return claim_then_list

    for name in ("_claim_batch_generic", "_claim_batch_pg"):
        monkeypatch.setattr(claim, name, claiming_then_listing(getattr(claim, name)))
    with django_capture_on_commit_callbacks(execute=True):
        result = claim.claim_due(batch_size=10)
    # The dial is the last door: it finds the number listed and cancels the request instead of calling.
    outcomes = dialing.dial_tokens({token: request_id for request_id, token in result.dialing})
    assert outcomes == {requests[0].id: "dialing", requests[1].id: "dialing", target.id: "do_not_call"}
    target.refresh_from_db()
    assert target.status == RedialRequest.CANCELLED and target.close_reason == "do_not_call"
    assert target.dialed_at is None
    assert target.contact.status == Contact.DO_NOT_CALL
    assert target.dispatch_attempts == 0


def test_a_number_listed_after_the_claim_committed_makes_the_dial_stale(supervisor):
    campaign = make_dispatch_campaign(dialing_mode=Campaign.AUTO_DIAL)
    [request] = make_requests(campaign, 1)
    now = timezone.now()
    rows = claim._claim_batch_generic(now, now + timedelta(minutes=5), 10, set())
    token = rows[0].token
    do_not_call.add_number(
        do_not_call.organisation_list(),
        request.contact.phone,
        source=Source.SUPERVISOR,
        by=supervisor,
        stored_phone=True,
    )
    assert dialing.dial_claimed(request.id, token) == "stale"
    request.refresh_from_db()
    assert request.status == RedialRequest.CANCELLED and request.close_reason == "do_not_call"
    assert not Attempt.objects.exists()
