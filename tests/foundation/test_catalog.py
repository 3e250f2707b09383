import pytest
from django.db import IntegrityError, transaction

from strategies.models import AutoClassification, CallResult, Outcome, ProviderMapping
from strategies.services import fallback_outcome, resolve_outcome

pytestmark = pytest.mark.django_db


def test_fresh_database_holds_the_whole_shipped_catalog():
    assert Outcome.objects.count() == 66  # 65 + platform.no_dialer_result (issue 14)
    assert CallResult.objects.count() == 15  # 14 shipped first, and Do Not Call (rule 8)
    assert ProviderMapping.objects.count() == 63
    assert AutoClassification.objects.count() == 13
    assert not Outcome.objects.filter(is_system=False).exists()


def test_catalog_flags_are_read_from_the_csv():
    unwanted = Outcome.objects.get(code="sip.unwanted")
    assert unwanted.is_final and not unwanted.is_connected and unwanted.sip_code == 607
    assert Outcome.objects.get(code="platform.call_complete").is_connected
    assert CallResult.objects.get(code="instant_retry").handling == "instant"
    assert AutoClassification.objects.get(outcome__code="twilio.fax_detected").call_result.code == "fax"


def test_resolve_outcome_maps_raw_provider_values():
    assert resolve_outcome("sip", "486").code == "sip.customer_busy"
    assert resolve_outcome("sip", 486).code == "sip.customer_busy"
    assert resolve_outcome("twilio", "no-answer") is not None
    assert resolve_outcome("sip", "999") is None
    assert resolve_outcome("sip", "") is None
    assert fallback_outcome().code == "platform.customer_call_failed"


def test_disabled_mapping_no_longer_resolves():
    ProviderMapping.objects.filter(provider="sip", raw="486").update(is_active=False)
    assert resolve_outcome("sip", "486") is None


def test_mapping_is_unique_per_provider_and_raw_value():
    outcome = Outcome.objects.get(code="sip.customer_busy")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderMapping.objects.create(provider="sip", raw="486", outcome=outcome)
