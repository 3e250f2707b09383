"""Rule 8's lists: the number check, which lists apply to a campaign, adding and removing one number."""

import random
from datetime import timedelta

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.models import Contact, DoNotCallEntry, DoNotCallList, DoNotCallRemoval, RedialRequest
from campaigns.services import do_not_call

pytestmark = pytest.mark.django_db

Source = DoNotCallEntry.Source


def test_fast_number_check_says_what_phonenumbers_says_for_every_country_code():
    rng = random.Random(8)
    checked = 0
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        for _ in range(60):
            digits = (
                str(code) + str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(rng.randint(5, 11)))
            )
            text = "+" + digits
            try:
                parsed = phonenumbers.parse(text, None)
                valid = phonenumbers.is_valid_number(parsed)
                expected = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) if valid else None
            except phonenumbers.NumberParseException:
                expected = None
            phone, problem = do_not_call.check_number(text)
            assert phone == expected, text
            assert (problem is None) == (expected is not None), text
            checked += 1
    assert checked > 10_000


def test_number_check_reads_numbers_as_people_write_them_and_names_the_problem():
    assert do_not_call.check_number(" +44 20 7946 0961 ") == ("+442079460961", None)
    assert do_not_call.check_number("0044 20 7946 0961") == ("+442079460961", None)
    assert do_not_call.check_number("+390612345678")[0] == "+390612345678"  # Italy keeps its leading zero
    phone, problem = do_not_call.check_number("020 7946 0961")
    assert phone is None and "country code" in problem
    phone, problem = do_not_call.check_number("+4420")
    assert phone is None and "not a valid phone number" in problem


def test_the_organisation_list_covers_every_campaign_and_a_campaign_list_only_its_own(make_campaign):
    london, paris = make_campaign(), make_campaign()
    do_not_call.add_number(do_not_call.organisation_list(), "+442079460001", source=Source.SUPERVISOR)
    do_not_call.add_number(do_not_call.campaign_list(london), "+442079460002", source=Source.API)
    assert do_not_call.is_listed(london.pk, "+442079460001") and do_not_call.is_listed(paris.pk, "+442079460001")
    assert do_not_call.is_listed(london.pk, "+442079460002")
    assert not do_not_call.is_listed(paris.pk, "+442079460002")
    assert do_not_call.listed_phones(paris.pk, ["+442079460001", "+442079460002"]) == {"+442079460001"}


def test_an_expired_entry_lists_nothing(campaign):
    today = timezone.localdate()
    listing = do_not_call.campaign_list(campaign)
    DoNotCallEntry.objects.create(
        list=listing, phone="+442079460003", source=Source.IMPORT, added_at=timezone.now(), expires_on=today
    )
    DoNotCallEntry.objects.create(
        list=listing,
        phone="+442079460004",
        source=Source.IMPORT,
        added_at=timezone.now(),
        expires_on=today - timedelta(days=1),
    )
    assert do_not_call.is_listed(campaign.pk, "+442079460003")
    assert not do_not_call.is_listed(campaign.pk, "+442079460004")


def test_one_organisation_list_and_one_entry_per_number_and_list(campaign):
    organisation = do_not_call.organisation_list()
    assert do_not_call.organisation_list() == organisation
    with pytest.raises(IntegrityError), transaction.atomic():
        DoNotCallList.objects.create(campaign=None)
    first, created = do_not_call.add_number(organisation, "+442079460005", source=Source.SUPERVISOR, reason="asked")
    again, created_again = do_not_call.add_number(organisation, "+44 20 7946 0005", source=Source.API, reason="other")
    assert created and not created_again and again == first and again.reason == "asked"
    with pytest.raises(IntegrityError), transaction.atomic():
        DoNotCallEntry.objects.create(list=organisation, phone=first.phone, source=Source.API, added_at=timezone.now())


def test_adding_refuses_bad_fields_by_name(campaign):
    listing = do_not_call.campaign_list(campaign)
    with pytest.raises(ValidationError) as caught:
        do_not_call.add_number(
            listing,
            "12345",
            source=Source.SUPERVISOR,
            reason="x" * 201,
            expires_on=timezone.localdate() - timedelta(days=1),
        )
    assert set(caught.value.message_dict) == {"phone", "reason", "expires_on"}
    assert not DoNotCallEntry.objects.exists()


def test_adding_a_number_stops_its_open_contacts_at_once(campaign, make_campaign, make_contact, make_redial):
    contact = make_contact(campaign)
    request = make_redial(contact, timezone.now() + timedelta(hours=2))
    other = make_campaign()
    elsewhere = Contact.objects.create(campaign=other, phone=contact.phone, status=Contact.SCHEDULED)
    other_request = make_redial(elsewhere, timezone.now() + timedelta(hours=2))
    do_not_call.add_number(
        do_not_call.campaign_list(campaign), contact.phone, source=Source.SUPERVISOR, stored_phone=True
    )
    request.refresh_from_db()
    contact.refresh_from_db()
    assert request.status == RedialRequest.CANCELLED and request.close_reason == "do_not_call"
    assert contact.status == Contact.DO_NOT_CALL and contact.status_reason == "do_not_call"
    # The campaign's own list does not reach another campaign; the organisation's does.
    other_request.refresh_from_db()
    assert other_request.status == RedialRequest.SCHEDULED
    do_not_call.add_number(do_not_call.organisation_list(), contact.phone, source=Source.SUPERVISOR, stored_phone=True)
    other_request.refresh_from_db()
    assert other_request.status == RedialRequest.CANCELLED and other_request.close_reason == "do_not_call"


def test_removal_is_recorded_with_who_when_and_why(campaign, supervisor):
    entry, _ = do_not_call.add_number(
        do_not_call.campaign_list(campaign), "+442079460006", source=Source.AGENT, reason="asked on the phone"
    )
    with pytest.raises(ValidationError) as caught:
        do_not_call.remove_number(entry, by=supervisor, why="  ")
    assert "why" in caught.value.message_dict
    removal = do_not_call.remove_number(entry, by=supervisor, why="Customer asked to be called again")
    assert not DoNotCallEntry.objects.filter(pk=entry.pk).exists()
    assert not do_not_call.is_listed(campaign.pk, "+442079460006")
    stored = DoNotCallRemoval.objects.get()
    assert stored == removal
    assert (stored.phone, stored.source, stored.reason, stored.removed_by) == (
        "+442079460006",
        Source.AGENT,
        "asked on the phone",
        supervisor,
    )
    assert stored.why == "Customer asked to be called again" and stored.removed_at is not None


def test_the_dispatch_lookup_reads_the_lists_as_is_listed_does(make_campaign):
    london, paris = make_campaign(), make_campaign()
    today = timezone.localdate()
    numbers = ["+442079460011", "+442079460012", "+442079460013", "+442079460014"]
    contacts = [Contact.objects.create(campaign=london, phone=p) for p in numbers]
    contacts.append(Contact.objects.create(campaign=paris, phone=numbers[1]))
    now = timezone.now()
    organisation, own, theirs = (
        do_not_call.organisation_list(),
        do_not_call.campaign_list(london),
        do_not_call.campaign_list(paris),
    )
    DoNotCallEntry.objects.create(list=organisation, phone=numbers[0], source=Source.IMPORT, added_at=now)
    DoNotCallEntry.objects.create(list=own, phone=numbers[1], source=Source.API, added_at=now, expires_on=today)
    DoNotCallEntry.objects.create(
        list=organisation, phone=numbers[2], source=Source.IMPORT, added_at=now, expires_on=today - timedelta(days=1)
    )
    DoNotCallEntry.objects.create(list=theirs, phone=numbers[3], source=Source.API, added_at=now)
    found = do_not_call.listed_contact_ids([c.pk for c in contacts])
    assert found == {c.pk for c in contacts if do_not_call.is_listed(c.campaign_id, c.phone)}
    assert found == {contacts[0].pk, contacts[1].pk}
