"""Dialer URLs may not reach our own network: refused at save and again at dial time, unless the host is
named in DIALER_ALLOWED_HOSTS; redirects are not followed and a dialer's answer is never stored."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from campaigns.dispatch import claim
from campaigns.dispatch import dial as dialing
from campaigns.models import Campaign, RedialRequest
from retryadmin.lib import outbound
from tests.factories import ALL_DAY, CampaignFactory, RedialRequestFactory

REFUSED = [
    "http://127.0.0.1/dial",
    "http://127.0.0.2:8080/dial",
    "http://[::1]/dial",
    "http://10.1.2.3/dial",
    "http://192.168.0.10/dial",
    "http://172.16.5.5/dial",
    "http://169.254.169.254/latest/meta-data/",
    "http://224.0.0.1/",
    "http://0.0.0.0/",
    "http://240.0.0.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fe80::1]/",
    "http://localhost/dial",
    "http://LOCALHOST./dial",
]


@pytest.fixture(autouse=True)
def _nothing_allowed(settings):
    settings.DIALER_ALLOWED_HOSTS = []
    settings.DIALER_BACKOFF_SECONDS = 0.01
    settings.DIALER_RETRIES = 1


@pytest.mark.parametrize("url", REFUSED)
def test_internal_addresses_are_refused(url):
    with pytest.raises(outbound.OutboundURLRefused, match="may be called"):
        outbound.check_url(url)


def test_a_name_with_any_private_address_is_refused():
    def resolve(host, port, proto):
        return [(2, 1, 6, "", ("93.184.216.34", port)), (2, 1, 6, "", ("10.0.0.8", port))]

    with pytest.raises(outbound.OutboundURLRefused, match="private"):
        outbound.check_url("https://dialer.example/", resolve=resolve)


def test_public_and_allowed_hosts_pass(settings):
    outbound.check_url("https://93.184.216.34/dial")
    outbound.check_url(
        "https://dialer.example/", resolve=lambda host, port, proto: [(2, 1, 6, "", ("93.184.216.34", port))]
    )
    settings.DIALER_ALLOWED_HOSTS = ["10.1.2.3", "dialer.lan"]
    outbound.check_url("http://10.1.2.3/dial")
    outbound.check_url("http://DIALER.LAN/dial")


def test_production_allows_https_only(settings):
    settings.DIALER_HTTPS_ONLY = True
    with pytest.raises(outbound.OutboundURLRefused, match="https"):
        outbound.check_url("http://93.184.216.34/dial")
    outbound.check_url("https://93.184.216.34/dial")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/d", "http://[::1]/d", "http://10.0.0.1/d", "http://169.254.1.1/d", "http://localhost:9000/d"],
)
def test_refused_when_the_campaign_is_saved(url, campaign_manager, client, campaign):
    campaign.dialer_backend = Campaign.DIALER_WEBHOOK
    campaign.dialer_url = url
    with pytest.raises(ValidationError) as refusal:
        campaign.full_clean()
    assert "dialer_url" in refusal.value.message_dict


@pytest.mark.django_db
def test_an_allowed_host_is_saved(settings, campaign):
    settings.DIALER_ALLOWED_HOSTS = ["127.0.0.1"]
    campaign.dialer_backend = Campaign.DIALER_WEBHOOK
    campaign.dialer_url = "http://127.0.0.1:9000/dial"
    campaign.full_clean()


class Stub:
    """A local HTTP server answering every POST with one (status, headers, body); counts the requests."""

    def __init__(self, status, body=b"", headers=()):
        self.hits = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                stub.hits += 1
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _dial(url):
    campaign = CampaignFactory(
        hours=ALL_DAY, dialing_mode=Campaign.AUTO_DIAL, dialer_backend=Campaign.DIALER_WEBHOOK, dialer_url=url
    )
    (request,) = RedialRequestFactory.create_bulk_with_contacts(1, campaign=campaign, due=True)
    claim.claim_due()
    request.refresh_from_db()
    outcome = dialing.dial_claimed(request.id, str(request.claim_token))
    request.refresh_from_db()
    return outcome, request


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_refused_again_at_dial_time(host):
    stub = Stub(200, json.dumps({"call_id": "X"}).encode())
    try:
        # Saved while allowed (or written straight to the row): the dial checks again.
        outcome, request = _dial(f"http://{host}:{stub.port}/dial")
    finally:
        stub.close()
    assert stub.hits == 0
    assert outcome == "released" and request.status == RedialRequest.SCHEDULED
    assert "may be called" in request.last_error


@pytest.mark.django_db
def test_redirects_are_not_followed_and_answers_never_stored(settings):
    settings.DIALER_ALLOWED_HOSTS = ["127.0.0.1"]
    target = Stub(200, b'{"call_id": "should-not-be-reached"}')
    redirect = Stub(302, b"", headers=[("Location", f"http://127.0.0.1:{target.port}/internal")])
    failing = Stub(500, b"Traceback: internal password=hunter2")
    try:
        outcome, request = _dial(f"http://127.0.0.1:{redirect.port}/dial")
        assert target.hits == 0 and outcome == "released"
        assert request.last_error.endswith("HTTP 302: redirect not followed")
        _, failed = _dial(f"http://127.0.0.1:{failing.port}/dial")
    finally:
        for stub in (target, redirect, failing):
            stub.close()
    assert "hunter2" not in failed.last_error and "Traceback" not in failed.last_error
    assert failed.last_error.endswith("HTTP 500: the dialer failed")
