"""The admin's searches of contacts, attempts and callbacks find the rows the contact list would, through ids
and indexes rather than joins over every contact."""

import pytest

from campaigns.admin import contacts as contact_admin
from campaigns.models import Attempt, Contact, RedialRequest
from tests.factories import CampaignFactory

from .helpers import changelist

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(campaign, make_contacts):
    other = CampaignFactory(name="Other", zone="UTC")
    mine = make_contacts(campaign, 3)  # +441632960000 .. 0002, Person 0 .. 2
    Contact.objects.filter(pk=mine[1].pk).update(name="Anna Schmidt")
    theirs = make_contacts(other, 1)  # the same number as mine[0], in another campaign
    return {"mine": mine, "theirs": theirs[0], "other": other}


def names(response):
    return sorted(str(row) for row in response.context["cl"].result_list)


@pytest.mark.parametrize(
    "q, expected",
    [
        ("+441632960001", ["Anna Schmidt +441632960001"]),  # the whole number
        ("441632960002", ["Person 2 +441632960002"]),  # its start without the +
        ("960002", ["Person 2 +441632960002"]),  # its last digits
        ("schmi", ["Anna Schmidt +441632960001"]),  # a name by any part, any case
        ("+441632960000", ["Person 0 +441632960000", "Person 0 +441632960000"]),  # in every campaign
        ("+15550001234", []),
        ("Nobody", []),
    ],
)
def test_contact_search_matches_numbers_by_start_or_end_and_names(admin_client, people, q, expected):
    assert names(admin_client.get(changelist(Contact), {"q": q})) == expected


def test_contact_search_keeps_the_list_filters(admin_client, people):
    response = admin_client.get(changelist(Contact), {"q": "+441632960000", "campaign__id__exact": people["other"].pk})
    assert [c.pk for c in response.context["cl"].result_list] == [people["theirs"].pk]


def test_contact_autocomplete_searches_the_same_way(admin_client, people):
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "campaigns", "model_name": "redialrequest", "field_name": "contact", "term": "960001"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Anna Schmidt +441632960001"]


def test_attempt_search_by_number_or_call_id(admin_client, people, make_attempts):
    mine, theirs = people["mine"], people["theirs"]
    attempts = make_attempts(mine)
    Attempt.objects.filter(pk=attempts[2].pk).update(provider="twilio", provider_call_id="CA123")
    theirs_attempt = make_attempts([theirs])[0]
    url = changelist(Attempt)

    def found(q):
        return sorted(a.pk for a in admin_client.get(url, {"q": q}).context["cl"].result_list)

    # A number is a contact's, in every campaign that holds it.
    assert found("+441632960000") == sorted([attempts[0].pk, theirs_attempt.pk])
    assert found(" CA123 ") == [attempts[2].pk]
    assert found("CA999") == []
    assert found("960000") == []  # attempts match whole numbers only, as before


def test_attempt_filters_offer_known_values_without_reading_the_table(admin_client, people, make_attempts):
    attempts = make_attempts(people["mine"])
    Attempt.objects.filter(pk=attempts[0].pk).update(provider="twilio", decision_reason="retry")
    url = changelist(Attempt)
    assert [a.pk for a in admin_client.get(url, {"provider": "twilio"}).context["cl"].result_list] == [attempts[0].pk]
    blank = admin_client.get(url, {"provider": "-"}).context["cl"].result_list
    assert sorted(a.pk for a in blank) == sorted(a.pk for a in attempts[1:])
    assert [a.pk for a in admin_client.get(url, {"decision_reason": "retry"}).context["cl"].result_list] == [
        attempts[0].pk
    ]
    assert admin_client.get(url, {"decision_reason": "-"}).context["cl"].result_count == 2


@pytest.mark.parametrize("id_list_max", [1000, 0], ids=["id list", "joined contacts"])
def test_redial_search_by_number_name_or_call_id(admin_client, people, make_redials, monkeypatch, id_list_max):
    # With a limit of 0 every contact search is "broad": the contacts are joined instead of listed.
    monkeypatch.setattr(contact_admin, "SEARCH_ID_LIST_MAX", id_list_max)
    mine, theirs = people["mine"], people["theirs"]
    redials = make_redials([*mine, theirs])
    RedialRequest.objects.filter(pk=redials[2].pk).update(provider_call_id="CA777")
    url = changelist(RedialRequest)

    def found(q):
        return sorted(r.pk for r in admin_client.get(url, {"q": q}).context["cl"].result_list)

    assert found("+441632960000") == sorted([redials[0].pk, redials[3].pk])
    assert found("960001") == [redials[1].pk]
    assert found("anna") == [redials[1].pk]
    assert found("CA777") == [redials[2].pk]
    assert found("Nobody") == []
