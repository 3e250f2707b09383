"""Refuse request parameters no field can hold, before any view or database sees them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from retryadmin.lib.storable import printable, unstorable_reason

# Forms whose fields Django parses into request.POST; other bodies (JSON) are their views' to check.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Paths answered in JSON.
JSON_PREFIXES = ("/api/",)
# The providers' webhooks store every delivery raw before parsing it, and their parser refuses such text
# naming the field: the event is kept, marked rejected.
STORED_RAW_PREFIXES = ("/webhooks/",)


def first_bad_parameter(request: HttpRequest) -> tuple[str, str] | None:
    """(parameter name, reason) of the first query or form parameter that cannot be stored; None when all can."""
    sources = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append(request.POST)
    for params in sources:
        for name, values in params.lists():
            reason = unstorable_reason(name)
            if reason:
                return printable(name), f"its name {reason}"
            for value in values:
                reason = unstorable_reason(value)
                if reason:
                    return printable(name), reason
    return None


class RefuseUnstorableParametersMiddleware:
    """A 400 naming the parameter for a NUL byte or a lone surrogate anywhere in the query string or a
    posted form: no column can store them (PostgreSQL refuses NUL in text), and no user types them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(STORED_RAW_PREFIXES):
            return self.get_response(request)
        bad = first_bad_parameter(request)
        if bad is None:
            return self.get_response(request)
        name, reason = bad
        message = f"The parameter “{name}” {reason}; remove it and try again."
        if request.path.startswith(JSON_PREFIXES):
            return JsonResponse({"error": message, "field": name}, status=400)
        html = render_to_string("400.html", {"message": message}, request=request)
        return HttpResponse(html, status=400)
