"""Fixtures for the webhook tests: provider settings, a campaign open around the clock, and contacts with
dialed redial requests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Contact, RedialRequest
from retryadmin.lib import ratelimit
from strategies.models import Strategy
from tests.factories import CampaignFactory, ContactFactory, DialPlanFactory, RedialRequestFactory, StrategyFactory

from .helpers import OZONETEL_ACCOUNT, OZONETEL_SECRET, RETRY_MINUTES, SIP_SECRET, TWILIO_TOKEN, phone


@pytest.fixture(autouse=True)
def webhook_settings(settings, monkeypatch):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.OZONETEL_WEBHOOK_SECRETS = {OZONETEL_ACCOUNT: OZONETEL_SECRET, "acct2": "another"}
    settings.SIP_WEBHOOK_SECRET = SIP_SECRET
    settings.WEBHOOK_RATE_LIMIT_PER_MINUTE = 100_000
    # A cache of our own: a shared Redis would mix these counts with other test runs'.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hooks"}}
    from django.core.cache import cache

    cache.clear()
    # Mid-window: a test that sends a limit's worth of requests must not see the minute's count reset halfway.
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_030.0)
    return settings


@pytest.fixture
def campaign(db):
    telephony = StrategyFactory(
        name="webhook telephony",
        kind=Strategy.Kind.TELEPHONY,
        rules={code: (minutes, "m") for code, minutes in RETRY_MINUTES.items()},
    )
    plan = DialPlanFactory(name="webhook plan", telephony_strategy=telephony)
    return CampaignFactory(name="Webhooks", zone="UTC", max_attempts=10, dial_plan=plan, hours=[(0, 24 * 60)])


@pytest.fixture
def dialed(campaign):
    """dialed(call_id, index=0): contact `index` (made once) in a call, with a redial request the dialer reported
    `call_id` for."""

    def _make(call_id: str = "", index: int = 0, source=RedialRequest.Source.AUTO) -> RedialRequest:
        contact = Contact.objects.filter(campaign=campaign, phone=phone(index)).first()
        if contact is None:
            contact = ContactFactory(campaign=campaign, phone=phone(index), zone="UTC")
        contact.status = Contact.Status.IN_CALL
        contact.save(update_fields=["status"])
        return RedialRequestFactory(
            contact=contact,
            due_at=timezone.now() - timedelta(minutes=5),
            status=RedialRequest.Status.DIALING,
            source=source,
            provider_call_id=call_id,
        )

    return _make
