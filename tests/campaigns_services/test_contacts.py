import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Contact, RedialRequest
from campaigns.services.contacts import create_contact, derive_contact_zone, set_do_not_call

from .helpers import local

pytestmark = pytest.mark.django_db


def test_derive_contact_zone_uses_the_numbers_single_zone():
    assert derive_contact_zone("+442071234567", "Asia/Kolkata") == "Europe/London"


def test_derive_contact_zone_falls_back_to_the_campaign_zone_for_a_multi_zone_number():
    assert derive_contact_zone("+18005551234", "Europe/Paris") == "Europe/Paris"


def test_derive_contact_zone_gives_an_india_zone_that_zoneinfo_loads():
    from zoneinfo import ZoneInfo

    zone = derive_contact_zone("+919876543210", "Europe/London")
    assert zone == "Asia/Kolkata"  # phonenumbers says Asia/Calcutta, its legacy alias
    ZoneInfo(zone)


def test_derive_contact_zone_falls_back_for_garbage():
    assert derive_contact_zone("not a number", "Europe/London") == "Europe/London"


def test_create_contact_derives_the_zone_and_normalises_spaces(campaign):
    contact = create_contact(campaign=campaign, phone=" +44 20 7123 4567 ", name=" Ann ")
    assert contact.phone == "+442071234567"
    assert contact.zone == "Europe/London"
    assert contact.name == "Ann"
    assert contact.status == Contact.PENDING


def test_create_contact_reads_a_00_prefix_as_the_csv_import_does(campaign):
    # One rule for every way a number comes in: 00 is the international prefix, as "+".
    contact = create_contact(campaign=campaign, phone="0044 20 7123 4567")
    assert contact.phone == "+442071234567" and contact.zone == "Europe/London"


def test_create_contact_keeps_an_explicit_zone(campaign):
    contact = create_contact(campaign=campaign, phone="+12125551234", zone="America/Chicago")
    assert contact.zone == "America/Chicago"


def test_create_contact_rejects_a_number_that_is_not_e164_naming_the_phone_field(campaign):
    with pytest.raises(ValidationError) as error:
        create_contact(campaign=campaign, phone="020 7123 4567")
    assert "phone" in error.value.message_dict
    assert not Contact.objects.exists()


def test_create_contact_rejects_an_unknown_zone_naming_the_zone_field(campaign):
    with pytest.raises(ValidationError) as error:
        create_contact(campaign=campaign, phone="+442071234567", zone="Mars/Olympus")
    assert "Mars/Olympus" in error.value.message_dict["zone"][0]


def test_create_contact_rejects_a_duplicate_phone_in_the_campaign(campaign, make_campaign):
    create_contact(campaign=campaign, phone="+442071234567")
    with pytest.raises(ValidationError) as error:
        create_contact(campaign=campaign, phone="+44 20 7123 4567")
    assert "already a contact" in error.value.message_dict["phone"][0]
    other = make_campaign()
    assert create_contact(campaign=other, phone="+442071234567").campaign == other


def test_create_contact_rejects_custom_fields_that_are_not_a_mapping(campaign):
    with pytest.raises(ValidationError) as error:
        create_contact(campaign=campaign, phone="+442071234567", custom_fields=["a"])
    assert "custom_fields" in error.value.message_dict


def test_set_do_not_call_cancels_open_requests(campaign, supervisor):
    from campaigns.services.redials import add_redial

    contact = create_contact(campaign=campaign, phone="+442071234567")
    request = add_redial(campaign=campaign, contact=contact, due_at=local(1, 10), now=local(0, 10))
    set_do_not_call(contact, by=supervisor, reason="asked on the phone")
    contact.refresh_from_db()
    request.refresh_from_db()
    assert contact.status == Contact.DO_NOT_CALL
    assert contact.status_reason == "asked on the phone"
    assert request.status == RedialRequest.CANCELLED
    assert "super" in request.close_reason
