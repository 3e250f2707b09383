"""A dialer for reliability tests: each dial is a row in `dispatch_test_dials`, written in the dial's
transaction, so a dial that is rolled back (worker killed) leaves no row, and a double dial two rows."""

import os
import time

from django.db import connection

from campaigns.dispatch.dialers import DialResult

TABLE = "dispatch_test_dials"


def create_table():
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, request_id bigint NOT NULL, "
            "claim_token text NOT NULL, dial_key text NOT NULL, pid integer NOT NULL)"
        )
        cursor.execute(f"TRUNCATE {TABLE}")


def drop_table():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def dial_counts() -> dict[int, int]:
    """Calls placed per request: its distinct dial keys."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT request_id, count(DISTINCT dial_key) FROM {TABLE} GROUP BY request_id")
        return dict(cursor.fetchall())


def delivery_counts() -> dict[int, int]:
    """Deliveries per request, repeats of a key included."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT request_id, count(*) FROM {TABLE} GROUP BY request_id")
        return dict(cursor.fetchall())


class RecordingDialer:
    def dial(self, job):
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (request_id, claim_token, dial_key, pid) VALUES (%s, %s, %s, %s)",
                [job.request_id, job.claim_token, job.dial_key, os.getpid()],
            )
        # Slow enough that a test can kill or stop the worker in the middle of a batch.
        time.sleep(float(os.environ.get("DISPATCH_TEST_DIAL_SLEEP", "0")))
        return DialResult(provider_call_id=f"rec-{job.request_id}")
