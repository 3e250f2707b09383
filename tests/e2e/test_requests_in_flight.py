"""The browser tests' teardown waits for the live server's last request (tests/e2e/conftest.py)."""

import threading
import time

from tests.e2e.helpers import RequestsInFlight


def test_waits_for_a_request_still_running_then_for_the_quiet_interval():
    counter = RequestsInFlight()
    counter.started()
    finisher = threading.Timer(0.3, counter.finished)
    finisher.start()
    began = time.monotonic()
    assert counter.wait_until_quiet(quiet=0.1, timeout=5) == 0
    assert time.monotonic() - began >= 0.4
    finisher.join()


def test_reports_how_many_requests_outlived_the_timeout():
    counter = RequestsInFlight()
    counter.started()
    counter.started()
    assert counter.wait_until_quiet(quiet=0.05, timeout=0.2) == 2
