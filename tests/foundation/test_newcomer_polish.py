"""What a newcomer sees around the screens: quiet logs for refused requests, the favicon, the admin's name."""

import logging
import sys

import pytest
from django.conf import settings

from retryadmin.lib.logfilters import ClientErrorWithoutTraceback

pytestmark = pytest.mark.django_db


def _record(status_code):
    try:
        raise PermissionError("refused")
    except PermissionError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden: /x/", (), exc_info)
    record.status_code = status_code
    return record


def test_a_403_is_logged_as_one_line_and_a_500_keeps_its_traceback():
    quiet = _record(403)
    assert ClientErrorWithoutTraceback().filter(quiet) and quiet.exc_info is None
    loud = _record(500)
    assert ClientErrorWithoutTraceback().filter(loud) and loud.exc_info is not None
    console = settings.LOGGING["handlers"]["console"]
    assert "client_error_without_traceback" in console["filters"]
    assert settings.LOGGING["loggers"]["django.request"]["propagate"] is False


def test_favicon_is_served_without_a_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")


def test_the_admin_is_branded(client, campaign_manager):
    client.force_login(campaign_manager)
    page = client.get("/admin/").content.decode()
    assert "Retry Admin administration" in page and "Django administration" not in page


def test_a_supervisor_may_open_the_webhook_events_to_map_an_unknown_status(client, supervisor, agent):
    client.force_login(supervisor)
    assert client.get("/admin/campaigns/webhookevent/").status_code == 200
    client.force_login(agent)
    assert client.get("/admin/campaigns/webhookevent/").status_code == 302  # agents never see the admin


@pytest.mark.parametrize("path", ["/nowhere/", "/campaigns/999999/"])
def test_the_development_server_shows_the_apps_own_not_found_page(client, campaign_manager, settings, path):
    settings.DEBUG = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "retryadmin.notfound.FriendlyNotFoundMiddleware"]
    client.force_login(campaign_manager)
    response = client.get(path)
    page = response.content.decode()
    assert response.status_code == 404
    assert "There is nothing here" in page and "URLconf" not in page and "Raised by" not in page
    assert client.get("/campaigns").status_code == 301  # the slash is still added first
