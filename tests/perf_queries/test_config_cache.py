"""The per-process configuration cache (campaigns.scheduling) never outlives a change: the next decision sees an
outcome made final, a changed or removed rule, new holidays, whatever wrote them, and nothing built inside a
rolled-back transaction is used afterwards."""

from datetime import date, timedelta

import pytest
from django.db import connection, transaction

from campaigns.models import BusinessHourWindow, Contact, Holiday, SchedulingConfigVersion
from campaigns.services import attempts as attempt_services
from campaigns.services import scheduling
from strategies.models import CallResult, LadderStep, Outcome, Strategy, StrategyRule
from strategies.services import replace_rules

from .helpers import BUSY, NO_ANSWER, TUESDAY_TEN

pytestmark = pytest.mark.django_db


def record(campaign, contact, code=NO_ANSWER, at=TUESDAY_TEN):
    attempt, _ = attempt_services.record_attempt(
        campaign=campaign, contact=contact, outcome=Outcome.objects.get(code=code), started_at=at
    )
    return attempt


@pytest.fixture
def warm(campaign, new_contact):
    """A first decision, cached: no answer retried after an hour."""
    attempt = record(campaign, new_contact())
    assert attempt.next_attempt_at == TUESDAY_TEN + timedelta(hours=1)
    return attempt


@pytest.mark.parametrize("how", ["save", "queryset update", "raw sql"])
def test_an_outcome_made_final_is_obeyed_by_the_next_decision(campaign, new_contact, warm, how):
    outcome = Outcome.objects.get(code=NO_ANSWER)
    if how == "save":
        outcome.is_final = True
        outcome.save(update_fields=["is_final"])
    elif how == "queryset update":
        Outcome.objects.filter(pk=outcome.pk).update(is_final=True)
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {Outcome._meta.db_table} SET is_final = %s WHERE id = %s", [True, outcome.pk])
    contact = new_contact()
    attempt = record(campaign, contact)
    assert attempt.decision_reason == "final_outcome" and attempt.next_attempt_at is None
    contact.refresh_from_db()
    assert contact.status == Contact.DONE


def test_a_changed_rule_is_used_by_the_next_decision(campaign, telephony, new_contact, warm):
    # replace_rules deletes and bulk-creates: no post_save signal is sent for the new rules.
    replace_rules(telephony, [{"outcome": Outcome.objects.get(code=NO_ANSWER), "amount": 15, "unit": "m"}])
    assert record(campaign, new_contact()).next_attempt_at == TUESDAY_TEN + timedelta(minutes=15)
    StrategyRule.objects.filter(strategy=telephony).update(amount=2, unit="h")
    assert record(campaign, new_contact()).next_attempt_at == TUESDAY_TEN + timedelta(hours=2)


def test_a_removed_rule_stops_the_retries(campaign, telephony, new_contact, warm):
    StrategyRule.objects.filter(strategy=telephony, outcome__code=NO_ANSWER).delete()
    attempt = record(campaign, new_contact())
    assert attempt.decision_reason == "no_rule"
    assert record(campaign, new_contact(), code=BUSY).next_attempt_at == TUESDAY_TEN + timedelta(minutes=30)


def test_a_new_holiday_and_new_hours_are_used_by_the_next_decision(campaign, new_contact, warm):
    Holiday.objects.create(campaign=campaign, date=date(2030, 11, 26), name="closed")
    assert record(campaign, new_contact()).next_attempt_at.date() == date(2030, 11, 27)
    Holiday.objects.filter(campaign=campaign).delete()
    BusinessHourWindow.objects.filter(campaign=campaign, weekday=1).update(start_minute=12 * 60)
    # 11:00 is now before Tuesday's opening at 12:00.
    assert record(campaign, new_contact()).next_attempt_at == TUESDAY_TEN.replace(hour=12)


def test_a_rolled_back_change_leaves_nothing_stale_behind(campaign, new_contact, warm):
    with pytest.raises(RuntimeError), transaction.atomic():
        Outcome.objects.filter(code=NO_ANSWER).update(is_final=True)
        assert record(campaign, new_contact()).decision_reason == "final_outcome"  # cached under that token
        raise RuntimeError("roll back")
    attempt = record(campaign, new_contact())
    assert attempt.decision_reason == "retry"
    assert attempt.next_attempt_at == TUESDAY_TEN + timedelta(hours=1)


def test_without_the_version_row_nothing_is_cached(campaign, new_contact, warm):
    SchedulingConfigVersion.objects.all().delete()  # as after a test flush
    assert scheduling.config_token() is None
    Outcome.objects.filter(code=NO_ANSWER).update(is_final=True)
    assert record(campaign, new_contact()).decision_reason == "final_outcome"
    Outcome.objects.filter(code=NO_ANSWER).update(is_final=False)
    assert record(campaign, new_contact()).decision_reason == "retry"


def write_each_watched_table(campaign, telephony):
    """One write to every table the token watches, each a (description, callable) pair."""
    ladder = Strategy.objects.create(name="perf ladder", kind=Strategy.LADDER)
    outcome = Outcome.objects.get(code=NO_ANSWER)
    return [
        ("outcome", lambda: Outcome.objects.filter(pk=outcome.pk).update(name="renamed")),
        ("call result", lambda: CallResult.objects.filter(code="wrong_person").update(handling="final")),
        ("strategy", lambda: Strategy.objects.filter(pk=telephony.pk).update(name="renamed telephony")),
        ("rule", lambda: StrategyRule.objects.filter(strategy=telephony).update(amount=5)),
        ("ladder step", lambda: LadderStep.objects.create(strategy=ladder, position=1, amount=1, unit="h")),
        ("ladder outcomes", lambda: ladder.ladder_outcomes.add(outcome)),
        ("ladder outcomes removed", lambda: ladder.ladder_outcomes.clear()),
        ("business hours", lambda: BusinessHourWindow.objects.filter(campaign=campaign).delete()),
        ("holiday", lambda: Holiday.objects.create(campaign=campaign, date=date(2031, 1, 1))),
    ]


def test_every_watched_table_changes_the_token(campaign, telephony):
    for what, write in write_each_watched_table(campaign, telephony):
        before = scheduling.config_token()
        write()
        assert scheduling.config_token() != before, what


def test_writes_elsewhere_keep_the_token(campaign, new_contact, warm):
    before = scheduling.config_token()
    record(campaign, new_contact())
    campaign.max_attempts = 3
    campaign.save(update_fields=["max_attempts"])
    assert scheduling.config_token() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_committed_by_another_connection_is_seen(campaign, new_contact):
    """Another process (here a connection of its own, outside Django) commits the change; this process's
    cache, filled before, is not used for the next decision."""
    import psycopg

    assert record(campaign, new_contact()).decision_reason == "retry"
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute(f"UPDATE {Outcome._meta.db_table} SET is_final = true WHERE code = %s", [NO_ANSWER])
    assert record(campaign, new_contact()).decision_reason == "final_outcome"
