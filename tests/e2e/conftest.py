"""The browser tests end only when the live server has answered every request their page made.

A page goes on asking after a test's last assertion: htmx's `hx-trigger="load"` panels (a campaign
dashboard's "calling now", the call report's summary) fetch as soon as the page shows. On SQLite the
live server shares the in-memory test database, and a request still reading it when the test's
database is flushed makes the flush fail ("couldn't be flushed", a CI failure). So each browser test
closes its browser context, then waits for the server to finish what it started.
"""

import pytest
from django.core.signals import request_finished, request_started

from tests.e2e.helpers import TIMEOUT_SECONDS, RequestsInFlight


@pytest.fixture(scope="session")
def requests_in_flight():
    counter = RequestsInFlight()
    request_started.connect(counter.started, dispatch_uid="e2e-requests-started")
    request_finished.connect(counter.finished, dispatch_uid="e2e-requests-finished")
    yield counter
    request_started.disconnect(dispatch_uid="e2e-requests-started")
    request_finished.disconnect(dispatch_uid="e2e-requests-finished")


@pytest.fixture(autouse=True)
def _live_server_done_before_flush(request, requests_in_flight):
    """Runs its teardown after the test and before the page's and the database's: pytest tears down
    in reverse order, and the page is set up here, inside this fixture."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    yield
    page.context.close()
    still_running = requests_in_flight.wait_until_quiet()
    if still_running:
        pytest.fail(f"the live server was still answering {still_running} request(s) {TIMEOUT_SECONDS}s after the test")
