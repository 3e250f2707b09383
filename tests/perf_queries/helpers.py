"""The instant and outcome codes of the query-count tests."""

from datetime import UTC, datetime

NO_ANSWER = "sip.customer_no_answer"
BUSY = "sip.customer_busy"
# Tue 26 Nov 2030 10:00 UTC: inside the campaign's hours, far from any DST change.
TUESDAY_TEN = datetime(2030, 11, 26, 10, tzinfo=UTC)
