"""The claim's hand-off to the dial task: published by a thread while the next batch is claimed, or in the
caller's thread inside a caller's transaction; a chunk the broker refuses is released, never lost."""

import pytest
from celery import current_app
from django.db import transaction

from campaigns.dispatch import claim, handoff
from campaigns.models import Campaign, RedialRequest
from tests.factories import ALL_DAY, CampaignFactory, RedialRequestFactory


def _auto_dial_requests(count):
    campaign = CampaignFactory(hours=ALL_DAY, dialing_mode=Campaign.AUTO_DIAL)
    return RedialRequestFactory.create_bulk_with_contacts(count, campaign=campaign, due=True)


class _Broker:
    """Records what the claim publishes; refuses every message from the `refuse_from`-th on (1-based)."""

    def __init__(self, refuse_from=None):
        self.refuse_from = refuse_from
        self.messages = []

    def send_task(self, name, args=(), **options):
        if self.refuse_from is not None and len(self.messages) + 1 >= self.refuse_from:
            raise ConnectionRefusedError("broker down")
        self.messages.append((name, args[0], options.get("argsrepr")))


@pytest.fixture
def broker(monkeypatch, settings):
    settings.DISPATCH_DIAL_CHUNK = 2
    fake = _Broker()
    monkeypatch.setattr(current_app._get_current_object(), "send_task", fake.send_task)
    return fake


@pytest.mark.django_db(transaction=True)
def test_on_its_own_the_claim_publishes_every_batch_from_a_thread_and_waits_for_it(broker, monkeypatch):
    requests = _auto_dial_requests(7)
    threads = []
    real_submit = handoff.DialPublisher.submit

    def submit(self, pairs):
        real_submit(self, pairs)
        threads.append(self._thread is not None)

    monkeypatch.setattr(handoff.DialPublisher, "submit", submit)
    result = claim.claim_due(batch_size=3)

    assert threads == [True, True, True], "each of the three batches went to the publishing thread"
    published = [pair for _, chunk, _ in broker.messages for pair in chunk]
    assert sorted(request_id for request_id, _ in published) == sorted(r.id for r in requests)
    assert len(broker.messages) == 5  # chunks of 2 per batch of 3, 3 and 1
    assert all(name == handoff.DIAL_BATCH_TASK for name, _, _ in broker.messages)
    assert broker.messages[0][2] == "[2 (request id, claim token) pairs]"  # no repr of the pairs themselves
    assert sorted(map(tuple, published)) == sorted(result.dialing)
    tokens = dict(RedialRequest.objects.values_list("id", "claim_token"))
    assert all(str(tokens[request_id]) == token for request_id, token in result.dialing)
    assert result.unpublished == 0


@pytest.mark.django_db(transaction=True)
def test_on_its_own_a_refusing_broker_stops_the_claim_and_every_refused_request_goes_back(broker):
    broker.refuse_from = 3  # the second batch's second chunk on
    requests = _auto_dial_requests(9)

    result = claim.claim_due(batch_size=4)

    sent = {request_id for _, chunk, _ in broker.messages for request_id, _ in chunk}
    assert len(sent) == 4 and {request_id for request_id, _ in result.dialing} == sent
    rows = {r.id: r for r in RedialRequest.objects.filter(id__in=[r.id for r in requests])}
    claimed = {i for i, r in rows.items() if r.status == RedialRequest.CLAIMED}
    assert claimed == sent, "only what the broker took stays claimed"
    released = [r for r in rows.values() if r.id not in sent]
    assert result.unpublished == len(released) == 5
    for row in released:
        assert row.status == RedialRequest.SCHEDULED and row.claim_token is None and row.dispatch_attempts == 0
        assert row.last_error.startswith("broker unavailable")
    # The claim stopped at the refusal: it did not take the released rows again, batch after batch.
    assert result.claimed == 9 and result.batches <= 3


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_hand_off_waits_for_its_commit(broker, django_capture_on_commit_callbacks):
    requests = _auto_dial_requests(3)
    broker.refuse_from = 2
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        result = claim.claim_due(batch_size=10)
        assert broker.messages == [] and result.dialing == []
    assert len(result.dialing) == 2 and result.unpublished == 1
    refused = RedialRequest.objects.get(id__in=[r.id for r in requests], status=RedialRequest.SCHEDULED)
    assert refused.last_error.startswith("broker unavailable") and refused.dispatch_attempts == 0
