"""A worker SIGKILLed while the webhook dialer's HTTP call is in flight: the dialer sees one dial key per
request, however many deliveries the re-claims after the lease bring.

The dialer is a real HTTP server on 127.0.0.1 in the test process. It records every delivery and stalls the
first one of each key until the worker has been killed, so the kill lands with the call in flight.
"""

import json
import os
import signal
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from campaigns.dispatch.dialers import IDEMPOTENCY_HEADER, SIGNATURE_HEADER
from campaigns.models import Campaign, RedialRequest
from retryadmin.lib.signing import body_signature as sign
from tests.dispatch.due import make_campaign, make_requests
from tests.integration.test_dispatch_worker import LEASE, System, _wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SECRET = "in-flight-secret"


class StallingDialer:
    """Records (request id, Idempotency-Key, body dial_key, signature ok) per delivery; holds the first
    delivery of each key until `release` is set, then answers 200 with a call id."""

    def __init__(self):
        self.deliveries: list[tuple[int, str, str, bool]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                payload = json.loads(body)
                key = self.headers.get(IDEMPOTENCY_HEADER, "")
                signed = self.headers.get(SIGNATURE_HEADER, "") == sign(body, SECRET)
                with outer.lock:
                    first = all(k != key for _, k, _, _ in outer.deliveries)
                    outer.deliveries.append((payload["request_id"], key, payload["dial_key"], signed))
                if first:
                    outer.release.wait(60)
                answer = json.dumps({"call_id": f"call-{key}"}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the worker that asked was killed meanwhile

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dial"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def seen(self) -> dict[int, list[tuple[str, str, bool]]]:
        by_request = defaultdict(list)
        with self.lock:
            for request_id, key, body_key, signed in self.deliveries:
                by_request[request_id].append((key, body_key, signed))
        return dict(by_request)


@pytest.mark.redis
@pytest.mark.timeout(240)
@pytest.mark.django_db(transaction=True)
def test_worker_killed_with_the_dialer_call_in_flight_the_dialer_sees_one_key(tmp_path):
    with StallingDialer() as dialer:
        campaign = make_campaign(
            "In flight",
            dialing_mode=Campaign.AUTO_DIAL,
            dialer_backend=Campaign.DIALER_WEBHOOK,
            dialer_url=dialer.url,
            dialer_secret=SECRET,
        )
        requests = make_requests(campaign, 5)
        ids = {r.id for r in requests}
        system = System(
            tmp_path,
            os.environ["REDIS_URL"],
            DIALER_READ_TIMEOUT_SECONDS="60",
            DIALER_TOTAL_SECONDS="90",
        )
        try:
            system.start_worker()
            system.start_beat()
            _wait_until(lambda: set(dialer.seen()) >= ids, 90, "every request's call in flight at the dialer")
            system.worker.send_signal(signal.SIGKILL)
            system.worker.wait()
            assert not RedialRequest.objects.filter(id__in=ids, dialed_at__isnull=False).exists()
            dialer.release.set()
            system.start_worker()
            # Past the lease the sweep returns the rows, a claim takes them again with new tokens, and the
            # new worker hands them off again: with the same dial keys, now answered at once.
            time.sleep(LEASE)
            _wait_until(
                lambda: RedialRequest.objects.filter(id__in=ids, dialed_at__isnull=False).count() == len(ids),
                120,
                "every request accepted after the re-claim",
            )
        finally:
            system.stop()

    seen = dialer.seen()
    rows = {r.id: r for r in RedialRequest.objects.filter(id__in=ids)}
    for request_id in ids:
        deliveries = seen[request_id]
        keys = {key for key, _, _ in deliveries}
        assert len(deliveries) >= 2, "the request was not handed off again after the kill"
        assert len(keys) == 1, f"request {request_id} reached the dialer under {len(keys)} keys"
        assert all(key == body_key and signed for key, body_key, signed in deliveries)
        row = rows[request_id]
        assert str(row.dial_key) == keys.pop()
        assert row.status == RedialRequest.DIALING and row.lease_expires_at is None
        assert row.provider_call_id == f"call-{row.dial_key}"
        assert row.dispatch_attempts >= 2
