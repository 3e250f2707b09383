"""factory-boy factories for the rows tests need: users per persona, strategies with their rules, dial plans,
campaigns with business hours, contacts, attempts, redial requests, agent sessions, webhook events, leads and
import jobs.

Every factory makes a row that needs nothing else: a contact gets a campaign, an attempt a contact and the
catalog's no-answer outcome. `create_bulk(size, ...)` saves many rows in one INSERT; give per-row values
with `factory.Iterator([...])` or `numbered=`.
"""

from datetime import timedelta

import factory
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from campaigns.models import (
    Attempt,
    BusinessHourWindow,
    Campaign,
    Contact,
    DialPlan,
    ImportJob,
    LeadSubmission,
    RedialRequest,
    WebhookEvent,
)
from retryadmin.lib.personas import STAFF_PERSONAS
from strategies.models import CallResult, LadderStep, Outcome, ProviderMapping, Strategy, StrategyRule, Unit
from wrapup.models import AgentSession

NO_ANSWER = "sip.customer_no_answer"
TEST_PASSWORD = "pw-test-123"
# `CampaignFactory(hours=ALL_DAY)`: open around the clock every day.
ALL_DAY = ((0, 24 * 60),)


def outcome(code: str) -> Outcome:
    """The catalog's outcome `code` (the data migration loads the catalog into every test database)."""
    return Outcome.objects.get(code=code)


def call_result(code: str) -> CallResult:
    """The catalog's call result `code`."""
    return CallResult.objects.get(code=code)


class BulkFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def create_bulk(cls, size: int, *, numbered: dict[str, str] | None = None, start: int = 0, **kwargs) -> list:
        """`size` rows built by this factory and saved by one bulk_create: no save() and no post-generation
        hook runs, and every related row must be given (saved) in `kwargs`. `numbered={"phone": "+4479110{:05d}"}`
        gives row i (counted from `start`) the format's value for i."""
        for field, template in (numbered or {}).items():
            kwargs[field] = factory.Iterator([template.format(i) for i in range(start, start + size)])
        return cls._meta.model.objects.bulk_create(cls.build_batch(size, **kwargs))


class UserFactory(DjangoModelFactory):
    """A user in one persona's group (`persona="Agent"`), staff when the persona works in the admin."""

    class Meta:
        model = User

    persona = None
    username = factory.LazyAttributeSequence(lambda o, n: f"{(o.persona or 'user').lower().replace(' ', '_')}-{n}")
    is_staff = factory.LazyAttribute(lambda o: o.persona in STAFF_PERSONAS)
    password = TEST_PASSWORD

    @classmethod
    def _build(cls, model_class, *args, persona=None, password=TEST_PASSWORD, **kwargs):
        user = model_class(*args, **kwargs)
        user.set_password(password)
        return user

    @classmethod
    def _create(cls, model_class, *args, persona=None, password=TEST_PASSWORD, **kwargs):
        user = model_class.objects.create_user(*args, password=password, **kwargs)
        if persona:
            user.groups.add(Group.objects.get(name=persona))
        return user


class StrategyFactory(DjangoModelFactory):
    """A strategy of `kind` (telephony by default) with `rules={code: (amount, unit)}` keyed by outcome code
    (telephony) or call result code (business), or a ladder's `steps=[(amount or None, unit)]` and
    `ladder_outcomes=[code]`."""

    class Meta:
        model = Strategy
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Strategy {n}")
    kind = Strategy.Kind.TELEPHONY

    @factory.post_generation
    def rules(strategy, create, rules, **kwargs):
        for code, (amount, unit) in (rules or {}).items():
            if strategy.kind == Strategy.Kind.BUSINESS:
                StrategyRuleFactory(strategy=strategy, call_result=call_result(code), amount=amount, unit=unit)
            else:
                StrategyRuleFactory(strategy=strategy, outcome=outcome(code), amount=amount, unit=unit)

    @factory.post_generation
    def steps(strategy, create, steps, **kwargs):
        for position, (amount, unit) in enumerate(steps or (), start=1):
            LadderStepFactory(strategy=strategy, position=position, amount=amount, unit=unit)

    @factory.post_generation
    def ladder_outcomes(strategy, create, codes, **kwargs):
        if codes:
            strategy.ladder_outcomes.set([outcome(code) for code in codes])


class StrategyRuleFactory(DjangoModelFactory):
    """A telephony rule: no answer, retried after an hour (a business rule when given a `call_result`)."""

    class Meta:
        model = StrategyRule

    strategy = factory.SubFactory(StrategyFactory)
    call_result = None
    outcome = factory.Maybe(
        "call_result", yes_declaration=None, no_declaration=factory.LazyFunction(lambda: outcome(NO_ANSWER))
    )
    amount = 1
    unit = Unit.HOURS


class LadderStepFactory(DjangoModelFactory):
    class Meta:
        model = LadderStep

    strategy = factory.SubFactory(StrategyFactory, kind=Strategy.Kind.LADDER)
    position = 1
    amount = 1
    unit = Unit.HOURS


class DialPlanFactory(DjangoModelFactory):
    """A dial plan; give it `telephony_strategy` and `business_strategy` as the test needs."""

    class Meta:
        model = DialPlan

    name = factory.Sequence(lambda n: f"Plan {n}")


class CampaignFactory(DjangoModelFactory):
    """A UTC campaign of 5 attempts, closed all week unless `hours=[(start_minute, end_minute), ...]` opens it,
    every day or on `hours__weekdays=range(5)`."""

    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Campaign {n}")
    zone = "UTC"
    max_attempts = 5

    @factory.post_generation
    def hours(campaign, create, windows, weekdays=range(7), **kwargs):
        if windows:
            BusinessHourWindow.objects.bulk_create(
                BusinessHourWindow(campaign=campaign, weekday=weekday, start_minute=start, end_minute=end)
                for weekday in weekdays
                for start, end in windows
            )


class BusinessHourWindowFactory(DjangoModelFactory):
    class Meta:
        model = BusinessHourWindow

    campaign = factory.SubFactory(CampaignFactory)
    weekday = 0
    start_minute = 9 * 60
    end_minute = 17 * 60


class ContactFactory(BulkFactory):
    class Meta:
        model = Contact

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    # Numbers a test gives itself start otherwise: +447500000000 and up are the factory's own.
    phone = factory.Sequence(lambda n: f"+4475{n:08d}")


class AttemptFactory(BulkFactory):
    """The contact's next attempt, just now, with no answer."""

    class Meta:
        model = Attempt

    contact = factory.SubFactory(ContactFactory)
    campaign = factory.SelfAttribute("contact.campaign")
    # The number dialled: create_bulk skips Attempt.save(), which would copy it from the contact.
    phone = factory.SelfAttribute("contact.phone")
    number = factory.LazyAttribute(lambda o: Attempt.objects.filter(contact_id=o.contact.pk).count() + 1)
    started_at = factory.LazyFunction(timezone.now)
    outcome = factory.LazyFunction(lambda: outcome(NO_ANSWER))


class RedialRequestFactory(BulkFactory):
    """A scheduled automatic retry, due in two hours."""

    class Meta:
        model = RedialRequest

    contact = factory.SubFactory(ContactFactory, status=Contact.Status.SCHEDULED)
    campaign = factory.SelfAttribute("contact.campaign")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=2))
    status = RedialRequest.Status.SCHEDULED

    class Params:
        # Due a minute ago: the next claim takes it.
        due = factory.Trait(due_at=factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1)))

    @classmethod
    def create_bulk_with_contacts(cls, size: int, campaign: Campaign, **kwargs) -> list[RedialRequest]:
        """`size` new (pending) contacts of `campaign`, one request each, saved by two bulk_creates."""
        contacts = ContactFactory.create_bulk(size, campaign=campaign)
        return cls.create_bulk(size, contact=factory.Iterator(contacts), **kwargs)


class AgentSessionFactory(DjangoModelFactory):
    class Meta:
        model = AgentSession
        skip_postgeneration_save = True

    agent = factory.SubFactory(UserFactory, persona="Agent")
    state = AgentSession.State.OFFLINE

    @factory.post_generation
    def since(session, create, since, **kwargs):
        """`since=`: when the agent entered the state (state_changed_at is auto_now_add, so it is set after)."""
        if create and since is not None:
            AgentSession.objects.filter(pk=session.pk).update(state_changed_at=since)
            session.state_changed_at = since


class WebhookEventFactory(BulkFactory):
    class Meta:
        model = WebhookEvent

    provider = ProviderMapping.Provider.TWILIO
    call_id = factory.Sequence(lambda n: f"CA{n:032x}")
    raw_status = "no-answer"


class LeadSubmissionFactory(BulkFactory):
    class Meta:
        model = LeadSubmission

    contact = factory.SubFactory(ContactFactory)
    campaign = factory.SelfAttribute("contact.campaign")
    idempotency_key = factory.Sequence(lambda n: f"lead-{n}")


class ImportJobFactory(DjangoModelFactory):
    """An import of a one-contact CSV file, not confirmed yet."""

    class Meta:
        model = ImportJob

    campaign = factory.SubFactory(CampaignFactory)
    original_name = "contacts.csv"
    file = factory.LazyAttribute(lambda job: ContentFile(b"phone,name\n+442079460000,Asha\n", name=job.original_name))
