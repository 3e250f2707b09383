"""The contact as the scheduling engine reads it (lock_contact_for_scheduling, the webhooks' request lookup):
one hand-written SELECT whose rows must read back exactly as the ORM reads the same rows."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from campaigns.models import Campaign, Contact, DialPlan, DoNotCallEntry
from campaigns.services import do_not_call, scheduling
from campaigns.services.contacts import lock_contact_for_scheduling
from strategies.models import Strategy
from tests.factories import CampaignFactory, ContactFactory, DialPlanFactory, StrategyFactory


def _values(instance) -> list:
    return [getattr(instance, field.attname) for field in instance._meta.concrete_fields]


@pytest.fixture
def planned_contact(db):
    telephony = StrategyFactory(
        name="row telephony", kind=Strategy.Kind.TELEPHONY, rules={"sip.customer_busy": (5, "m")}
    )
    business = StrategyFactory(name="row business", kind=Strategy.Kind.BUSINESS)
    plan = DialPlanFactory(telephony_strategy=telephony, business_strategy=business)
    campaign = CampaignFactory(zone="America/New_York", dial_plan=plan, max_attempts=7)
    return ContactFactory(campaign=campaign, custom_fields={"tier": "gold", "ids": [1, 2]}, zone="Europe/Paris")


def test_every_field_reads_back_as_the_orm_reads_it(planned_contact, django_assert_num_queries):
    with transaction.atomic():
        locked = lock_contact_for_scheduling(planned_contact.pk)
    stored = Contact.objects.get(pk=planned_contact.pk)
    assert _values(locked) == _values(stored)
    assert locked.custom_fields == {"tier": "gold", "ids": [1, 2]}
    campaign = Campaign.objects.get(pk=stored.campaign_id)
    plan = DialPlan.objects.select_related("telephony_strategy", "business_strategy").get(pk=campaign.dial_plan_id)
    # Everything the engine reads is attached: no further query.
    with django_assert_num_queries(0):
        assert _values(locked.campaign) == _values(campaign)
        assert _values(locked.campaign.dial_plan) == _values(plan)
        assert _values(locked.campaign.dial_plan.telephony_strategy) == _values(plan.telephony_strategy)
        assert _values(locked.campaign.dial_plan.business_strategy) == _values(plan.business_strategy)
    assert locked.scheduling_config_token == scheduling.config_token()
    assert locked.on_do_not_call_list is False
    assert locked._state.adding is False and locked._state.db == "default"


def test_a_campaign_without_a_dial_plan_reads_as_none(db, django_assert_num_queries):
    contact = ContactFactory(campaign=CampaignFactory(dial_plan=None))
    with transaction.atomic():
        locked = lock_contact_for_scheduling(contact.pk)
    with django_assert_num_queries(0):
        assert locked.campaign.dial_plan is None


def test_the_do_not_call_flag_follows_the_entries_in_force(planned_contact):
    entry, _ = do_not_call.add_number(
        do_not_call.campaign_list(planned_contact.campaign),
        planned_contact.phone,
        source=DoNotCallEntry.Source.SUPERVISOR,
        stored_phone=True,
    )
    with transaction.atomic():
        assert lock_contact_for_scheduling(planned_contact.pk).on_do_not_call_list is True
    DoNotCallEntry.objects.filter(pk=entry.pk).update(expires_on=date.today() - timedelta(days=2))
    with transaction.atomic():
        assert lock_contact_for_scheduling(planned_contact.pk).on_do_not_call_list is False


def test_a_missing_contact_raises_does_not_exist(db):
    with transaction.atomic(), pytest.raises(Contact.DoesNotExist):
        lock_contact_for_scheduling(10**12)


@pytest.mark.django_db(transaction=True)
def test_locking_outside_a_transaction_is_refused():
    contact = ContactFactory(campaign=CampaignFactory(dial_plan=None))
    # The lock would end with the statement: as select_for_update, refuse rather than pretend.
    with pytest.raises(TransactionManagementError):
        lock_contact_for_scheduling(contact.pk)
