"""The webhook dialer against a real HTTP stub on 127.0.0.1: body, signature, retries, failures."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from campaigns.dispatch import claim
from campaigns.dispatch import dial as dialing
from campaigns.dispatch.dialers import IDEMPOTENCY_HEADER, SIGNATURE_HEADER
from campaigns.models import Campaign, RedialRequest
from tests.factories import ALL_DAY, CampaignFactory, RedialRequestFactory

from .due import make_campaign, make_requests

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-tests"


class Stub:
    """Answers with the queued (status, body) replies, then with the last one; records every request."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.received = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stub.received.append((dict(self.headers), body))
                status, payload = stub.replies.pop(0) if len(stub.replies) > 1 else stub.replies[0]
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dial"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _fast_backoff(settings):
    settings.DIALER_BACKOFF_SECONDS = 0.01
    settings.DIALER_RETRIES = 2


def _claimed_webhook(url):
    campaign = CampaignFactory(
        hours=ALL_DAY,
        dialing_mode=Campaign.AUTO_DIAL,
        dialer_backend=Campaign.DIALER_WEBHOOK,
        dialer_url=url,
        dialer_secret=SECRET,
    )
    (request,) = RedialRequestFactory.create_bulk_with_contacts(1, campaign=campaign, due=True)
    claim.claim_due()
    request.refresh_from_db()
    return request


def test_posts_signed_json_and_stores_the_call_id():
    with Stub([(200, {"call_id": "CA123"})]) as stub:
        request = _claimed_webhook(stub.url)
        assert dialing.dial_claimed(request.id, str(request.claim_token)) == "dialing"

    (headers, body) = stub.received[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == expected
    payload = json.loads(body)
    assert payload["request_id"] == request.id
    assert payload["claim_token"] == str(request.claim_token)
    assert payload["phone"] == request.contact.phone
    assert payload["campaign"]["name"] == request.campaign.name
    assert payload["due_at"] == request.due_at.isoformat()
    assert "callback_url" in payload
    request.refresh_from_db()
    assert request.status == RedialRequest.DIALING and request.provider_call_id == "CA123"
    assert request.last_error == ""


def test_retries_server_errors_then_succeeds():
    with Stub([(503, {}), (500, {}), (201, {"call_id": 77})]) as stub:
        request = _claimed_webhook(stub.url)
        assert dialing.dial_claimed(request.id, str(request.claim_token)) == "dialing"
    assert len(stub.received) == 3
    assert len({body for _, body in stub.received}) == 1  # the same body each time
    request.refresh_from_db()
    assert request.provider_call_id == "77"


def test_persistent_failure_is_recorded_and_released_then_failed_at_the_limit(settings):
    settings.DISPATCH_MAX_ATTEMPTS = 2
    with Stub([(500, {"error": "down"})]) as stub:
        request = _claimed_webhook(stub.url)
        assert dialing.dial_claimed(request.id, str(request.claim_token)) == "released"
        assert len(stub.received) == 3  # 1 try + 2 retries
        request.refresh_from_db()
        assert request.status == RedialRequest.SCHEDULED and request.claim_token is None
        assert "HTTP 500" in request.last_error

        # Second dispatch attempt (the row's due_at moved by the backoff; claim it as if that time came).
        claim.claim_due(now=request.due_at)
        request.refresh_from_db()
        assert request.dispatch_attempts == 2
        assert dialing.dial_claimed(request.id, str(request.claim_token)) == "failed"
    request.refresh_from_db()
    assert request.status == RedialRequest.FAILED and "HTTP 500" in request.last_error
    assert request.close_reason == "dialer failed 2 times"


def test_client_error_is_not_retried():
    with Stub([(400, {"error": "bad phone"})]) as stub:
        request = _claimed_webhook(stub.url)
        assert dialing.dial_claimed(request.id, str(request.claim_token)) == "released"
    assert len(stub.received) == 1


def test_connection_refused_is_recorded():
    with Stub([(200, {})]) as stub:
        url = stub.url
    request = _claimed_webhook(url)  # the stub is closed now: nothing listens on that port
    assert dialing.dial_claimed(request.id, str(request.claim_token)) == "released"
    request.refresh_from_db()
    assert "ConnectionError" in request.last_error


def test_non_json_success_body_means_no_call_id():
    with Stub([(200, "ok")]) as stub:
        request = _claimed_webhook(stub.url)
        assert dialing.dial_claimed(request.id, str(request.claim_token)) == "dialing"
    request.refresh_from_db()
    assert request.provider_call_id == ""


def _reclaim(request):
    """Due again at once and claimed again: a new claim token."""
    RedialRequest.objects.filter(id=request.id).update(due_at=request.due_at)
    claim.claim_due()
    request.refresh_from_db()
    return request


def test_the_dial_key_is_sent_as_idempotency_key_and_kept_while_the_dialer_does_not_answer(settings):
    settings.DISPATCH_RETRY_BACKOFF_SECONDS = 0
    with Stub([(503, {}), (503, {}), (503, {}), (200, {"call_id": "CA9"})]) as stub:
        request = _claimed_webhook(stub.url)
        first_token = str(request.claim_token)
        assert dialing.dial_claimed(request.id, first_token) == "released"
        request = _reclaim(request)
        assert str(request.claim_token) != first_token
        assert dialing.dial_claimed(request.id, str(request.claim_token)) == "dialing"
    keys = {headers[IDEMPOTENCY_HEADER] for headers, _ in stub.received}
    body_keys = {json.loads(body)["dial_key"] for _, body in stub.received}
    assert len(stub.received) == 4 and keys == body_keys == {first_token}
    request.refresh_from_db()
    assert str(request.dial_key) == first_token and request.dialed_at is not None


def test_a_refusal_is_an_answer_the_next_hand_off_gets_a_new_key(settings):
    settings.DISPATCH_RETRY_BACKOFF_SECONDS = 0
    with Stub([(400, {"error": "no"}), (200, {"call_id": "CA10"})]) as stub:
        request = _claimed_webhook(stub.url)
        assert dialing.dial_claimed(request.id, str(request.claim_token)) == "released"
        request.refresh_from_db()
        assert request.dial_key is None
        request = _reclaim(request)
        assert dialing.dial_claimed(request.id, str(request.claim_token)) == "dialing"
    keys = [headers[IDEMPOTENCY_HEADER] for headers, _ in stub.received]
    assert len(keys) == 2 and keys[0] != keys[1]


def test_a_chunk_is_dialled_concurrently_in_one_set(django_assert_max_num_queries):
    campaign = make_campaign(
        dialing_mode=Campaign.AUTO_DIAL, dialer_backend=Campaign.DIALER_WEBHOOK, dialer_secret=SECRET
    )
    with Stub([(200, {"call_id": "X"})]) as stub:
        Campaign.objects.filter(id=campaign.id).update(dialer_url=stub.url)
        make_requests(campaign, 20)
        claim.claim_due()
        pairs = list(RedialRequest.objects.values_list("id", "claim_token"))
        # One UPDATE to dialing, one read, one UPDATE for the answers, whatever the chunk's size.
        with django_assert_max_num_queries(3):
            counts = dialing.dial_claimed_batch([[i, str(t)] for i, t in pairs])
    assert counts == {"dialing": 20}
    assert len({headers[IDEMPOTENCY_HEADER] for headers, _ in stub.received}) == 20
    assert RedialRequest.objects.filter(status=RedialRequest.DIALING, dialed_at__isnull=False).count() == 20
