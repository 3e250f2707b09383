"""The instant and catalog codes of the workspace tests."""

from datetime import UTC, datetime, timedelta

from tests.factories import call_result, outcome

__all__ = ["ANSWERED", "BUSY", "NOW", "NO_ANSWER", "call_result", "minutes", "outcome"]

# Mon 25 Nov 2030 10:00 UTC: London is on GMT, so local time equals UTC.
NOW = datetime(2030, 11, 25, 10, 0, tzinfo=UTC)
ANSWERED = "sip.call_answered"
BUSY = "sip.customer_busy"
NO_ANSWER = "sip.customer_no_answer"


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
