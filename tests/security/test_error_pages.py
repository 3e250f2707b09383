"""The product's own 400, 403, 404 and 500 pages under DEBUG=False: no Django debug page, no URL list,
and a 500 page that needs neither a request context nor the database."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults


def assert_no_url_patterns(body):
    # Django's debug 404 lists every pattern ("healthz/", "webhooks/" ...) under "Using the URLconf".
    assert "URLconf" not in body and "healthz" not in body and "webhooks/" not in body
    assert "Page not found at" not in body


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


@pytest.mark.django_db
def test_an_unknown_url_gets_our_404_page_without_the_url_patterns(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert [t.name for t in response.templates][0] == "404.html"
    body = response.content.decode()
    assert '<h1 class="h3">Not found</h1>' in body and "· Retry Admin</title>" in body
    assert_no_url_patterns(body)


@pytest.mark.django_db
def test_an_anonymous_visitor_of_an_unknown_url_gets_the_same_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert '<h1 class="h3">Not found</h1>' in body
    assert_no_url_patterns(body)


@pytest.mark.django_db
def test_a_page_outside_the_persona_gets_our_403_page(client, sales_manager):
    client.force_login(sales_manager)
    response = client.get(reverse("admin:strategies_outcome_changelist"))
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert b"You may not open this page" in response.content


def test_a_bad_host_gets_our_400_page():
    response = Client().get("/login/", HTTP_HOST="bad host!")
    assert response.status_code == 400
    assert b'<h1 class="h3">Bad request</h1>' in response.content
    assert b"Retry Admin" in response.content


def test_a_failing_view_gets_our_500_page_and_no_traceback(settings):
    # No django_db mark: any query while failing or rendering would raise here.
    settings.ROOT_URLCONF = "tests.security.urls_failing"
    response = Client(raise_request_exception=False).get("/failing/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "RuntimeError" not in body and "Traceback" not in body and "a bug in a view" not in body


def test_handler500_renders_without_a_request_context_or_database():
    response = defaults.server_error(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b"/static/css/app.css" in response.content
