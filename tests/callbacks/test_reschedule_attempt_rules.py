"""The callbacks screen refuses a reschedule that breaks an attempt rule, naming it and the next allowed time."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Attempt, RedialRequest
from campaigns.services import attempt_rules as rule_services
from strategies.models import Outcome

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def test_reschedule_breaking_a_weekly_rule_is_refused_naming_it(client, supervisor, campaign, make_redial):
    rule_services.apply_rule_changes(
        campaign,
        [
            rule_services.RuleChange(
                None, {"name": "Twice a week", "max_attempts": 2, "within_amount": 7, "within_unit": "d"}
            )
        ],
        by=None,
    )
    redial = make_redial(campaign)
    no_answer = Outcome.objects.get(code="sip.customer_no_answer")
    first = timezone.now() - timedelta(days=2)
    for number, started in enumerate((first, timezone.now() - timedelta(days=1)), start=1):
        Attempt.objects.create(
            contact=redial.contact, campaign=campaign, number=number, started_at=started, outcome=no_answer
        )
    tomorrow = timezone.localdate(timezone.now(), LONDON) + timedelta(days=1)
    client.force_login(supervisor)
    response = client.post(
        reverse("campaigns:callback_reschedule", args=[redial.pk]), {"date": tomorrow.isoformat(), "time": "10:00"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Twice a week reached" in body and "the next allowed time is" in body
    refused_at = datetime.combine(tomorrow, time(10), tzinfo=LONDON)
    assert response.context["form"].data["date"] >= refused_at.date().isoformat()
    redial.refresh_from_db()
    assert redial.status == RedialRequest.SCHEDULED and "Rescheduled" not in redial.explanation
