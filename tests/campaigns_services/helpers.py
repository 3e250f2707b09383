"""Instants and catalog codes of the campaigns services' tests."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.factories import call_result, outcome

__all__ = ["ANSWERED", "CALL_FAILED", "FINAL_OUTCOME", "LONDON", "NO_ANSWER", "call_result", "local", "outcome"]

LONDON = ZoneInfo("Europe/London")
# Mon 25 Nov 2030; London is on GMT then, so local time equals UTC.
MONDAY = (2030, 11, 25)
NO_ANSWER = "sip.customer_no_answer"
CALL_FAILED = "platform.customer_call_failed"
ANSWERED = "sip.call_answered"
FINAL_OUTCOME = "platform.isd_not_allowed"


def local(day_offset: int, hour: int, minute: int = 0, second: int = 0, zone=LONDON) -> datetime:
    """An aware instant `day_offset` days after Monday 25 Nov 2030, local wall time in `zone`."""
    day = date(*MONDAY) + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute, second), tzinfo=zone)
