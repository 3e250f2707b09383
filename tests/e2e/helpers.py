"""What the browser tests share: a persona's user, logging in through the login page, and a count of the
live server's requests in flight."""

import re
import threading
import time

from django.contrib.auth.models import Group, User

from retryadmin.lib.personas import SUPERVISOR

SUPERVISOR_LOGIN = ("sam", "sam-test-2026")


def supervisor() -> User:
    """Sam, a Supervisor (staff, so the admin links show)."""
    username, password = SUPERVISOR_LOGIN
    user = User.objects.create_user(username=username, password=password, first_name="Sam", is_staff=True)
    user.groups.add(Group.objects.get(name=SUPERVISOR))
    return user


def log_in(page, live_server, login=SUPERVISOR_LOGIN) -> None:
    username, password = login
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()


# How long the server must stay idle to count as done: a request the browser sent just before its
# context closed may still be on its way from the socket to Django.
QUIET_SECONDS = 0.2
TIMEOUT_SECONDS = 15


class RequestsInFlight:
    """Counts the requests Django has started and not yet finished, in any thread."""

    def __init__(self):
        self._count = 0
        self._last_change = time.monotonic()
        self._lock = threading.Lock()

    def started(self, **kwargs):
        with self._lock:
            self._count += 1
            self._last_change = time.monotonic()

    def finished(self, **kwargs):
        with self._lock:
            self._count -= 1
            self._last_change = time.monotonic()

    def wait_until_quiet(self, quiet: float = QUIET_SECONDS, timeout: float = TIMEOUT_SECONDS) -> int:
        """Wait until no request has been in flight for `quiet` seconds; return how many still are
        (0 unless `timeout` ran out)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                count, since = self._count, time.monotonic() - self._last_change
            if count <= 0 and since >= quiet:
                return 0
            if time.monotonic() >= deadline:
                return count
            time.sleep(0.02)
