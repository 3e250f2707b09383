"""Fixtures shared by the whole suite, and the rules for tests that need real services.

Tests marked `postgres` or `redis` skip with a reason where the service is absent. CI sets
RETRYADMIN_REQUIRE_SERVICES=1, and there a test that would skip for that reason fails instead,
so the reliability tests can never pass by not running. The same holds for `browser` tests and
Debian's Chromium.
"""

import os
import shutil
import tempfile

import hypothesis
import pytest

# Sync Playwright keeps an event loop marked as running in the test thread (FACTS.md).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Each test session gets its own filesystem broker folder unless REDIS_URL says otherwise.
os.environ.setdefault("CELERY_BROKER_DIR", tempfile.mkdtemp(prefix="retryadmin-broker-"))

CHROMIUM_PATH = "/usr/bin/chromium"

# HYPOTHESIS_PROFILE=ci (set by .ci/run) makes the generated-input tests of tests/security try many more
# examples (tests/security/fuzzing.py); "dev" is the quick default of `make test`. CI is derandomized: every
# run tries the same examples (seeded by each test's own code), so a red CI run means the change broke
# something, never that this run's dice found an old bug. `make test` explores new examples on every run:
# a counter-example it finds becomes an @example of its test.
hypothesis.settings.register_profile("dev", deadline=None)
hypothesis.settings.register_profile("ci", deadline=None, print_blob=True, derandomize=True)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def services_required() -> bool:
    return os.environ.get("RETRYADMIN_REQUIRE_SERVICES", "") not in ("", "0", "false")


def _skip_or_fail(reason: str) -> None:
    if services_required():
        pytest.fail(f"{reason} (RETRYADMIN_REQUIRE_SERVICES is set, so this may not skip)")
    pytest.skip(reason)


def redis_available() -> bool:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(
        (marker and marker.kwargs.get("transaction")) or "transactional_db" in fixtures or "live_server" in fixtures
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests (a live server, threads or processes) end with a flush that also wipes what
    the data migrations loaded: the outcome catalog and the persona groups. So they run last (as in
    Django's own runner), and serialized rollback restores that data before each of them."""
    for item in items:
        if not _is_transactional(item):
            continue
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        if not kwargs.get("serialized_rollback"):
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)
    items.sort(key=_is_transactional)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Make the serialized test database visible to every connection object.

    Sync Playwright runs an event loop in the test thread, and Django's connection handler is
    context-local, so a browser test gets a fresh connection object that lacks the
    `_test_serialized_contents` the serialized rollback restores from. Kept on the class, every
    connection of that backend has it.
    """
    from django.db import connections

    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            type(connections[alias])._test_serialized_contents = contents


@pytest.fixture(autouse=True)
def _require_marked_services(request):
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            _skip_or_fail("needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test")
    if request.node.get_closest_marker("redis") and not redis_available():
        _skip_or_fail("needs Redis: run with REDIS_URL=redis://127.0.0.1:6379/0 and a Redis server")
    if request.node.get_closest_marker("browser") and not shutil.which(CHROMIUM_PATH):
        _skip_or_fail(f"needs Debian's Chromium at {CHROMIUM_PATH}: apt-get install -y chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Session fixtures (the browser) start before the autouse check above: without this the tests would
    # error on the launch instead of skipping with the reason.
    if not shutil.which(CHROMIUM_PATH):
        _skip_or_fail(f"needs Debian's Chromium at {CHROMIUM_PATH}: apt-get install -y chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def make_user(db):
    """Create a user in one persona group: make_user("Agent", username="agent1")."""
    from tests.factories import UserFactory

    def _make(persona: str | None = None, username: str | None = None, **extra):
        if username is not None:
            extra["username"] = username
        return UserFactory(persona=persona, **extra)

    return _make


@pytest.fixture
def campaign_manager(make_user):
    return make_user("Campaign Manager", username="cm")


@pytest.fixture
def sales_manager(make_user):
    return make_user("Sales Manager", username="sales")


@pytest.fixture
def supervisor(make_user):
    return make_user("Supervisor", username="super")


@pytest.fixture
def agent(make_user):
    return make_user("Agent", username="agent")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files (CSV imports) go to a folder of the test's own, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def campaign(db):
    """An office-hours campaign: London, Monday to Friday 09:00-17:00, 5 attempts, 2 a day."""
    from tests.factories import CampaignFactory

    return CampaignFactory(
        name="Spring offers",
        zone="Europe/London",
        max_attempts=5,
        daily_attempts=2,
        hours=[(9 * 60, 17 * 60)],
        hours__weekdays=range(5),
    )


@pytest.fixture
def login(client):
    """login(user) logs `user` in on the test client and returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
