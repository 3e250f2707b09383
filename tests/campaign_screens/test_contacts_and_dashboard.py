"""Contact list, contact detail, adding a contact, and the dashboard: right numbers, bounded queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from campaigns.queries import contacts as contact_queries
from campaigns.queries import dashboard as dashboard_queries
from strategies.models import Outcome
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


# Contact i of a test: +4479110<i> named "Person <i>".
PEOPLE = {"phone": "+4479110{:05d}", "name": "Person {}"}


def outcome(connected):
    return Outcome.objects.filter(is_connected=connected, is_final=False).order_by("code").first()


def test_campaign_list_counts_contacts_by_status_in_bounded_queries(
    client, campaign_manager, django_assert_max_num_queries
):
    for i in range(15):
        other = Campaign.objects.create(name=f"C{i:02d}", zone="UTC")
        ContactFactory.create_bulk(3, campaign=other, numbered=PEOPLE, start=i * 10)
    campaign = Campaign.objects.get(name="C00")
    ContactFactory.create_bulk(2, campaign=campaign, numbered=PEOPLE, status=Contact.DONE, start=900)
    client.force_login(campaign_manager)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("campaigns:list"))
    c00 = next(c for c in response.context["campaigns"] if c.name == "C00")
    assert c00.status_counts == {"pending": 3, "done": 2} and c00.contact_total == 5
    assert "text-bg-success" in response.content.decode()


def test_contact_list_pages_by_keyset_in_bounded_queries(
    client, campaign, campaign_manager, django_assert_max_num_queries
):
    ContactFactory.create_bulk(120, campaign=campaign, numbered=PEOPLE)
    client.force_login(campaign_manager)
    url = reverse("campaigns:contacts", args=[campaign.pk])
    with django_assert_max_num_queries(8):
        first = client.get(url)
    page = first.context["page"]
    assert len(page.contacts) == 50 and page.count == 120 and page.previous_before is None
    with django_assert_max_num_queries(8):
        second = client.get(url, {"after": page.next_after})
    page2 = second.context["page"]
    assert page2.contacts[0].pk == page.contacts[-1].pk + 1 and page2.previous_before == page2.contacts[0].pk
    back = client.get(url, {"before": page2.previous_before}).context["page"]
    assert [c.pk for c in back.contacts] == [c.pk for c in page.contacts]
    last = client.get(url, {"after": page2.next_after}).context["page"]
    assert len(last.contacts) == 20 and last.next_after is None


def test_contact_count_is_capped(campaign, monkeypatch):
    monkeypatch.setattr(contact_queries, "COUNT_CAP", 30)
    ContactFactory.create_bulk(40, campaign=campaign, numbered=PEOPLE)
    page = contact_queries.contact_page(contact_queries.filter_contacts(campaign))
    assert page.count == 30 and page.count_capped


def test_contact_filters(client, campaign, campaign_manager):
    ContactFactory.create_bulk(5, campaign=campaign, numbered=PEOPLE)
    ContactFactory.create_bulk(
        3, campaign=campaign, numbered=PEOPLE, status=Contact.DONE, start=100, zone="Asia/Kolkata"
    )
    target = Contact.objects.get(phone="+447911000002")
    RedialRequest.objects.create(contact=target, campaign=campaign, due_at=timezone.now() + dt.timedelta(hours=1))
    client.force_login(campaign_manager)
    url = reverse("campaigns:contacts", args=[campaign.pk])

    def names(**params):
        return sorted(c.name for c in client.get(url, params).context["page"].contacts)

    assert len(names(status="done")) == 3
    assert len(names(zone="Asia/Kolkata")) == 3
    assert names(callback="yes") == ["Person 2"]
    assert len(names(callback="no")) == 7
    assert names(q="person 10") == ["Person 100", "Person 101", "Person 102"]
    assert names(q="+447911000003") == ["Person 3"]
    assert names(q="1000004") == ["Person 4"]
    assert len(names(status="nonsense")) == 8  # an unknown filter value is ignored, not a 500
    assert client.get(url, {"after": "abc"}).status_code == 200


def test_contact_detail_shows_timeline_in_campaign_zone(client, campaign, campaign_manager, agent):
    contact = Contact.objects.create(
        campaign=campaign, phone="+447911123456", name="Ann", custom_fields={"plan": "Gold"}
    )
    started = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)  # 10:00 in London (BST)
    Attempt.objects.create(
        contact=contact,
        campaign=campaign,
        number=1,
        agent=agent,
        started_at=started,
        outcome=outcome(False),
        decision_reason="scheduled",
        decision_explanation="No answer at 10:00 +1h = 11:00",
        next_attempt_at=started + dt.timedelta(hours=1),
    )
    RedialRequest.objects.create(contact=contact, campaign=campaign, due_at=started + dt.timedelta(hours=1))
    client.force_login(campaign_manager)
    page = client.get(reverse("campaigns:contact_detail", args=[campaign.pk, contact.pk])).content.decode()
    assert "Wed 1 Jul 2026 10:00" in page and "Wed 1 Jul 2026 11:00" in page
    assert "No answer at 10:00 +1h = 11:00" in page and "plan" in page and "Gold" in page
    assert agent.username in page and "Open callback" in page


def test_contact_detail_of_another_campaign_is_404(client, campaign, campaign_manager):
    other = Campaign.objects.create(name="Other", zone="UTC")
    contact = Contact.objects.create(campaign=other, phone="+447911123456")
    client.force_login(campaign_manager)
    assert client.get(reverse("campaigns:contact_detail", args=[campaign.pk, contact.pk])).status_code == 404


def test_notes_are_saved(client, campaign, campaign_manager):
    contact = Contact.objects.create(campaign=campaign, phone="+447911123456")
    client.force_login(campaign_manager)
    client.post(reverse("campaigns:contact_notes", args=[campaign.pk, contact.pk]), {"notes": "Prefers evenings"})
    contact.refresh_from_db()
    assert contact.notes == "Prefers evenings"


def test_do_not_call_cancels_the_open_callback(client, campaign, campaign_manager):
    contact = Contact.objects.create(campaign=campaign, phone="+447911123456")
    request = RedialRequest.objects.create(contact=contact, campaign=campaign, due_at=timezone.now())
    client.force_login(campaign_manager)
    response = client.post(
        reverse("campaigns:contact_do_not_call", args=[campaign.pk, contact.pk]), {"reason": "asked us to stop"}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    request.refresh_from_db()
    assert contact.status == Contact.DO_NOT_CALL and "asked us to stop" in contact.status_reason
    assert request.status == RedialRequest.CANCELLED


def test_add_contact_derives_the_zone(client, campaign, campaign_manager):
    client.force_login(campaign_manager)
    response = client.post(
        reverse("campaigns:contact_create", args=[campaign.pk]),
        {"name": "Priya", "phone": "+91 98765 43210", "zone": "", "custom_fields": "plan: Gold\ncity: Pune"},
    )
    contact = Contact.objects.get(name="Priya")
    assert response.status_code == 302
    # phonenumbers names India by its legacy alias Asia/Calcutta; both are the same IANA zone.
    assert contact.phone == "+919876543210" and contact.zone in ("Asia/Kolkata", "Asia/Calcutta")
    assert contact.custom_fields == {"plan": "Gold", "city": "Pune"}


@pytest.mark.parametrize(
    "data, field",
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"phone": "+447911123456"}, "phone"),  # already in the campaign
        ({"phone": "+447911123457", "zone": "Nowhere/City"}, "zone"),
        ({"phone": "+447911123457", "custom_fields": "no colon here"}, "custom_fields"),
        ({"phone": "+447911123457", "name": "x" * 201}, "name"),
    ],
)
def test_add_contact_errors_name_the_field(client, campaign, campaign_manager, data, field):
    Contact.objects.create(campaign=campaign, phone="+447911123456")
    client.force_login(campaign_manager)
    response = client.post(reverse("campaigns:contact_create", args=[campaign.pk]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert Contact.objects.count() == 1


def test_dashboard_numbers_and_bounded_queries(client, campaign, campaign_manager, django_assert_max_num_queries):
    ContactFactory.create_bulk(30, campaign=campaign, numbered=PEOPLE)
    contacts = list(Contact.objects.filter(campaign=campaign)[:30])
    now = timezone.now()
    yes, no = outcome(True), outcome(False)
    for i, contact in enumerate(contacts):
        Attempt.objects.create(
            contact=contact, campaign=campaign, number=1, started_at=now - dt.timedelta(days=3), outcome=no
        )
        if i < 10:
            Attempt.objects.create(
                contact=contact, campaign=campaign, number=2, started_at=now - dt.timedelta(minutes=1), outcome=yes
            )
        if 10 <= i < 20:
            RedialRequest.objects.create(
                contact=contact, campaign=campaign, due_at=now + dt.timedelta(hours=2, minutes=i)
            )
        if i >= 25:
            RedialRequest.objects.create(contact=contact, campaign=campaign, due_at=now - dt.timedelta(hours=1))
    client.force_login(campaign_manager)
    # 15: the attempt rules in force (required and the campaign's own) are one more query.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("campaigns:detail", args=[campaign.pk]))
    dashboard = response.context["dashboard"]
    assert dashboard.contact_total == 30
    assert dashboard.all_total == 40 and dashboard.all_connected == 10 and dashboard.all_rate == 25.0
    assert dashboard.today_connected == 10
    assert dashboard.due_total == 10 and dashboard.overdue == 5
    assert len(dashboard.due_by_hour) == dashboard_queries.DUE_HOURS
    page = response.content.decode()
    assert "chart.umd.min.js" in page and 'id="dashboard-data"' in page and "25.0%" in page
