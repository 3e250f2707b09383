"""Every URL pattern, every persona, generated garbage in every parameter the view reads: never a 5xx,
never a traceback.

The parameters of a page are the names its own forms carry (read from the page as the persona who sees
most of it) plus the ones our views and the admin read from the query string. Values are control
characters, NUL bytes, huge and non-finite numbers, dates at the ends of the calendar, very long text;
bodies come form-encoded, multipart, as JSON, as bytes under a wrong content type, or too large.
HYPOTHESIS_PROFILE=ci tries many more of them (tests/security/fuzzing.py).
"""

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import fuzzing
from .url_world import ADMINISTRATOR, AGENT, PERSONAS, build_world, every_route, request_rolled_back

pytestmark = pytest.mark.django_db

ROUTES = every_route()
# Read from the query string by our lists, the report, the admin's change lists and redirects.
QUERY_NAMES = ["q", "page", "after", "next", "status", "campaign", "date_from", "date_to", "o", "p", "e", "all"]
# Fields of the JSON and form endpoints that render no form.
BODY_NAMES = {
    "api/leads/": ["phone", "name", "zone", "custom_fields", "remarks", "idempotency_key", "campaign"],
    "webhooks/twilio/status/": ["CallSid", "CallStatus", "CallDuration", "SipResponseCode", "Timestamp"],
    "webhooks/ozonetel/": ["monitorUCID", "CustomerStatus", "DialStatus", "Duration", "StartTime", "EndTime"],
    "webhooks/sip/": ["call_id", "sip_code", "q850_cause", "answered", "duration", "started_at", "request"],
}
FIELD_NAME = re.compile(rb'name="([^"<>]{1,80})"')

ODD_TEXT = st.sampled_from(
    [
        "",
        "\x00",
        "a\x00b",
        "\r\n\t\x0b\x0c\x1b",
        "\ufeff",
        "\u202e",
        "'; DROP TABLE x; --",
        "<script>alert(1)</script>",
        "=cmd|' /C calc'!A0",
        "../../etc/passwd",
        "-1",
        "0",
        "1e999",
        "-1e999",
        "NaN",
        "Infinity",
        str(2**31),
        str(2**63),
        str(10**40),
        "-" + str(10**40),
        "0001-01-01",
        "9999-12-31",
        "2026-02-30",
        "0000-00-00",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "24:61",
        "99:99",
        "Europe/Nowhere",
        "x" * 5000,
    ]
)
GARBAGE = ODD_TEXT | st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
CONTENT_TYPES = st.sampled_from(
    ["form", "multipart", "json", "json-list", "bytes:text/plain", "bytes:application/json", "oversized"]
)
# Bigger than DATA_UPLOAD_MAX_MEMORY_SIZE and the webhooks' own limit.
OVERSIZED = b"x=" + b"y" * (3 * 1024 * 1024)


def discover(client, world, route) -> list[str]:
    persona = AGENT if route.route.startswith("agent/") else ADMINISTRATOR
    client.force_login(world.users[persona])
    response = request_rolled_back(client, "GET", world.url(route))
    client.logout()
    content = b"" if getattr(response, "streaming", False) else response.content
    names = {match.decode("utf-8", "replace") for match in FIELD_NAME.findall(content)}
    names.discard("csrfmiddlewaretoken")
    return sorted(names)[:60] + QUERY_NAMES + BODY_NAMES.get(route.route, [])


def send(client, method: str, path: str, kind: str, params: dict, query: dict):
    if method == "GET":
        return request_rolled_back(client, "GET", path, data={**query, **params})
    if query:
        path += "?" + "&".join(f"{k}={v[:50]}" for k, v in query.items() if "\x00" not in k + v)[:2000]
    if kind == "form":
        return request_rolled_back(client, "POST", path, data=params)
    if kind == "multipart":
        return request_rolled_back(client, "POST", path, data={**params, "file": b"\x00\xff" * 10})
    if kind == "json":
        return request_rolled_back(client, "POST", path, data=json.dumps(params), content_type="application/json")
    if kind == "json-list":
        body = json.dumps(list(params.values())).encode()
        return request_rolled_back(client, "POST", path, data=body, content_type="application/json")
    if kind == "oversized":
        return request_rolled_back(
            client, "POST", path, data=OVERSIZED, content_type="application/x-www-form-urlencoded"
        )
    content_type = kind.split(":", 1)[1]
    raw = "&".join(f"{k}={v}" for k, v in params.items()).encode("utf-8", "surrogatepass")
    return request_rolled_back(client, "POST", path, data=raw, content_type=content_type)


@pytest.mark.parametrize("route", ROUTES, ids=[route.route or "/" for route in ROUTES])
def test_garbage_never_gets_a_5xx_or_a_traceback(client, route):
    client.raise_request_exception = False
    world = build_world()
    path = world.url(route)
    names = discover(client, world, route)
    fuzzing.REQUESTS_TRIED["patterns"] += 1

    @settings(
        max_examples=fuzzing.EXAMPLES_PER_PATTERN,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        persona=st.sampled_from(PERSONAS),
        method=st.sampled_from(["GET", "POST"]),
        kind=CONTENT_TYPES,
        params=st.dictionaries(st.sampled_from(names), GARBAGE, max_size=8),
        query=st.dictionaries(st.sampled_from(QUERY_NAMES), GARBAGE, max_size=3),
    )
    def one_request(persona, method, kind, params, query):
        user = world.users[persona]
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        response = send(client, method, path, kind, params, query)
        fuzzing.REQUESTS_TRIED["requests"] += 1
        content = b"" if getattr(response, "streaming", False) else response.content
        assert response.status_code < 500, (persona, method, kind, params, query, content[:2000])
        assert b"Traceback" not in content, (persona, method, kind, params, query)

    one_request()
