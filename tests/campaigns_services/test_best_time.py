"""Best time to call, wired: the option moves a retry to the campaign's better hour, never into a full
slot or outside allowed time, and changes nothing when off; beat's aggregation counts by local hour."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from campaigns.models import ConnectRateTable, RedialRequest
from campaigns.services import best_time as best_time_service
from campaigns.services.attempts import record_attempt
from campaigns.services.best_time_tasks import refresh_connect_rate_tables
from campaigns.services.contacts import create_contact
from strategies import best_time
from tests.factories import AttemptFactory, CampaignFactory, ContactFactory, RedialRequestFactory

from .helpers import ANSWERED, NO_ANSWER, local, outcome

pytestmark = pytest.mark.django_db

MONDAY_SIX_PM = 18  # hour of the week: Monday 18:00-19:00


def store_table(campaign, best_hour=MONDAY_SIX_PM, best_rate=0.41, rate=0.12, calls=3200):
    """A stored table where contacts answer at `rate` except at `best_hour` of the week."""
    cells = [[rate, 100, 12] for _ in range(best_time.HOURS_PER_WEEK)]
    cells[best_hour] = [best_rate, calls, round(calls * best_rate)]
    ConnectRateTable.objects.create(campaign=campaign, cells=cells, base_rate=rate, computed_at=timezone.now())


def no_answer_at_ten(campaign):
    contact = create_contact(campaign=campaign, phone="+442071234567", name="Ann")
    attempt, _ = record_attempt(
        campaign=campaign, contact=contact, outcome=outcome(NO_ANSWER), started_at=local(0, 10), duration_seconds=0
    )
    attempt.refresh_from_db()
    [request] = RedialRequest.objects.filter(contact=contact, status__in=RedialRequest.OPEN_STATUSES)
    return attempt, request


@pytest.fixture
def evening_campaign(make_campaign):
    """Open 09:00-20:00 on weekdays, best time to call on (8 hours, 30%, 40 calls an hour = 10 a slot)."""
    return make_campaign(
        open_minutes=(9 * 60, 20 * 60),
        best_time_enabled=True,
        best_time_max_shift_hours=8,
        best_time_min_gain_percent=30,
        best_time_capacity_per_hour=40,
    )


def test_with_the_option_off_the_retry_is_the_rules_even_with_a_table_favouring_the_evening(make_campaign):
    campaign = make_campaign(open_minutes=(9 * 60, 20 * 60), best_time_enabled=False, best_time_max_shift_hours=8)
    store_table(campaign)
    attempt, request = no_answer_at_ten(campaign)
    assert request.due_at == local(0, 11)
    assert attempt.next_attempt_at == local(0, 11)
    assert "best time" not in attempt.decision_explanation
    assert request.explanation == attempt.decision_explanation


def test_with_the_option_on_a_retry_moves_to_the_evening_and_says_why(evening_campaign):
    store_table(evening_campaign)
    attempt, request = no_answer_at_ten(evening_campaign)
    assert request.due_at == local(0, 18)
    assert attempt.next_attempt_at == local(0, 18)
    assert "best time to call moved 11:00 -> 18:00: 41% answer then vs 12% (3,200 calls)" in (
        attempt.decision_explanation
    )
    assert request.explanation == attempt.decision_explanation


def test_the_option_on_without_a_learned_table_keeps_the_rule(evening_campaign):
    attempt, request = no_answer_at_ten(evening_campaign)
    assert request.due_at == local(0, 11)
    assert "best time" not in attempt.decision_explanation


def test_a_full_slot_is_skipped_for_the_next_one_in_the_good_hour(evening_campaign):
    evening_campaign.best_time_capacity_per_hour = 4  # one call per 15-minute slot
    evening_campaign.save()
    store_table(evening_campaign)
    other = ContactFactory(campaign=evening_campaign, phone="+442079999999")
    RedialRequestFactory(contact=other, campaign=evening_campaign, due_at=local(0, 18, 5))
    _, request = no_answer_at_ten(evening_campaign)
    assert request.due_at == local(0, 18, 15)


def test_a_better_hour_outside_business_hours_is_never_used(make_campaign):
    campaign = make_campaign(open_minutes=(9 * 60, 17 * 60), best_time_enabled=True, best_time_max_shift_hours=8)
    store_table(campaign)
    attempt, request = no_answer_at_ten(campaign)
    assert request.due_at == local(0, 11)
    assert "best time" not in attempt.decision_explanation


def test_a_better_hour_beyond_the_largest_move_is_not_used(make_campaign):
    campaign = make_campaign(open_minutes=(9 * 60, 20 * 60), best_time_enabled=True, best_time_max_shift_hours=6)
    store_table(campaign)
    _, request = no_answer_at_ten(campaign)
    assert request.due_at == local(0, 11)


# --------------------------------------------------------------------------------------------------
# Beat's aggregation (run on SQLite and, with DATABASE_URL, PostgreSQL)


def test_refresh_counts_attempts_and_connects_by_the_contacts_local_hour_of_the_week():
    campaign = CampaignFactory(zone="Europe/London")
    other_campaign = CampaignFactory(zone="UTC")
    new_york = ContactFactory(campaign=campaign, zone="America/New_York")
    kolkata = ContactFactory(campaign=campaign, zone="Asia/Kolkata")
    in_campaign_zone = ContactFactory(campaign=campaign, zone="")
    # Monday 2 Dec 2030 (winter: London = UTC, New York = UTC-5, Kolkata = UTC+5:30).
    AttemptFactory(contact=new_york, started_at=datetime(2030, 12, 2, 23, 10, tzinfo=UTC))  # Mon 18:10 NY
    AttemptFactory(contact=new_york, started_at=datetime(2030, 12, 2, 23, 50, tzinfo=UTC), outcome=outcome(ANSWERED))
    AttemptFactory(contact=kolkata, started_at=datetime(2030, 12, 2, 12, 40, tzinfo=UTC))  # Mon 18:10 IST
    AttemptFactory(contact=kolkata, started_at=datetime(2030, 12, 2, 12, 20, tzinfo=UTC))  # Mon 17:50 IST
    AttemptFactory(contact=in_campaign_zone, started_at=datetime(2030, 12, 8, 9, 0, tzinfo=UTC))  # Sun 09:00
    AttemptFactory(contact=ContactFactory(campaign=other_campaign), started_at=datetime(2030, 12, 3, 7, 0, tzinfo=UTC))
    # Older than the history the table learns from.
    AttemptFactory(contact=new_york, started_at=datetime(2030, 6, 2, 23, 10, tzinfo=UTC))

    written = best_time_service.refresh_connect_rate_tables(now=datetime(2030, 12, 9, tzinfo=UTC))

    assert written == 2
    table = best_time_service.table_for(campaign)
    counted = {hour: (cell.attempts, cell.connects) for hour, cell in enumerate(table.cells) if cell.attempts}
    assert counted == {18: (3, 1), 17: (1, 0), 6 * 24 + 9: (1, 0)}
    assert table.rate(18) > table.rate(17)
    other = best_time_service.table_for(other_campaign)
    assert {hour for hour, cell in enumerate(other.cells) if cell.attempts} == {24 + 7}


def test_refresh_rewrites_the_table_and_a_campaign_without_calls_gets_the_organisations_prior():
    busy = CampaignFactory()
    quiet = CampaignFactory()
    now = datetime(2030, 12, 9, tzinfo=UTC)
    sunday_midnight = now - timedelta(days=1)
    for _ in range(3):
        answered = ContactFactory(campaign=busy)
        AttemptFactory(contact=answered, started_at=sunday_midnight, outcome=outcome(ANSWERED))
        AttemptFactory(contact=ContactFactory(campaign=busy), started_at=sunday_midnight + timedelta(hours=12))
    best_time_service.refresh_connect_rate_tables(now=now)
    best_time_service.refresh_connect_rate_tables(now=now)
    assert ConnectRateTable.objects.count() == 2
    quiet_table = best_time_service.table_for(quiet)
    assert quiet_table.attempts == 0
    # Answered calls at Sunday midnight, unanswered ones at noon: the organisation's table, the quiet
    # campaign's prior, says so.
    sunday = 6 * 24
    assert quiet_table.rate(sunday) > quiet_table.rate(sunday + 12)


def test_the_beat_task_is_scheduled_and_writes_the_tables():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-connect-rates"]
    assert entry["task"] == refresh_connect_rate_tables.name
    campaign = CampaignFactory()
    AttemptFactory(contact=ContactFactory(campaign=campaign), outcome=outcome(ANSWERED))
    assert refresh_connect_rate_tables.apply().get() == 1
    assert best_time_service.table_for(campaign).connects == 1
