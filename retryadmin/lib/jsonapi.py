"""JSON endpoints: the one way they refuse a request, body checks by a pydantic model, and a decorator
that turns every refusal into a 4xx JSON answer (never a 500 or a traceback).

A refusal is {"error": message, "field": the field, header or key at fault ("" for the whole request)};
a body with bad fields is {"error": message, "errors": [{"field", "message"}, ...]}, every field at once.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from typing import TypeVar

import pydantic
import pydantic_core
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import DisallowedHost, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from retryadmin.lib import ratelimit
from retryadmin.lib.clientaddress import client_address
from retryadmin.lib.storable import printable, unstorable_reason

MAX_BODY_BYTES = 64 * 1024

Model = TypeVar("Model", bound=pydantic.BaseModel)


class JsonError(Exception):
    """A request refused with a 4xx (or, for a processing fault, a 5xx) JSON answer.

    `field` names the form field, JSON key or header at fault ("" when the problem is the whole request);
    `headers` carries extras such as Retry-After or Allow.
    """

    def __init__(self, status: int, message: str, field: str = "", headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers or {}

    def payload(self) -> dict:
        return {"error": self.message, "field": self.field}

    def response(self, **extra) -> JsonResponse:
        response = JsonResponse({**self.payload(), **extra}, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


class JsonInvalid(JsonError):
    """A body whose fields are wrong: 400 listing each bad field with its message."""

    def __init__(self, errors: list[dict[str, str]], message: str = "The body has invalid fields."):
        super().__init__(400, message)
        self.errors = errors

    def payload(self) -> dict:
        return {"error": self.message, "errors": self.errors}


def check_envelope(request: HttpRequest, content_type: str, scope: str = "webhooks", *, count: bool = True) -> bytes:
    """The raw body, once method, rate (counted per client address within `scope`; with `count` False the
    caller counts, after authenticating), size and content type pass; raises JsonError otherwise. Webhooks
    and the lead API share it."""
    if request.method != "POST":
        raise JsonError(405, "Only POST is allowed.", "method", {"Allow": "POST"})
    verdict = (
        ratelimit.hit(scope, client_address(request) or "unknown", limit=settings.WEBHOOK_RATE_LIMIT_PER_MINUTE)
        if count
        else None
    )
    if verdict is not None and not verdict.allowed:
        raise JsonError(
            429,
            f"More than {verdict.limit} requests a minute from this address; retry in {verdict.retry_after} s.",
            "",
            {"Retry-After": str(verdict.retry_after)},
        )
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.strip().isdigit():
        raise JsonError(400, "Content-Length must be a whole number.", "Content-Length")
    if int(declared) > MAX_BODY_BYTES:
        raise JsonError(413, f"The body is larger than {MAX_BODY_BYTES} bytes.", "Content-Length")
    if request.content_type != content_type:
        raise JsonError(415, f"Content-Type must be {content_type}.", "Content-Type")
    try:
        body = request.body
    except RequestDataTooBig:
        raise JsonError(413, f"The body is larger than {MAX_BODY_BYTES} bytes.", "Content-Length")
    if len(body) > MAX_BODY_BYTES:
        raise JsonError(413, f"The body is larger than {MAX_BODY_BYTES} bytes.", "Content-Length")
    return body


def load_json_object(body: bytes) -> dict:
    """The body as a JSON object; raises JsonError(400) for anything else (NaN and Infinity included), and for
    text or numbers no column stores (check_storable)."""
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise JsonError(400, f"The body is not valid JSON: {str(exc)[:120]}", "")
    if not isinstance(data, dict):
        raise JsonError(400, "The body must be a JSON object.", "")
    check_storable(data)
    return data


def check_storable(value, path: str = "") -> None:
    """Refuse what JSON allows but no column or JSON document stores: NUL bytes and lone surrogates in text
    (keys too), numbers too large for a float (1e999 reads as infinity). Raises JsonError naming the field
    by its path ("custom_fields.plan[0]")."""
    if isinstance(value, dict):
        for key, item in value.items():
            reason = unstorable_reason(key)
            if reason:
                field = path or printable(key)
                raise JsonError(400, f"A key of {field} {reason}.", field)
            check_storable(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_storable(item, f"{path}[{index}]")
    elif isinstance(value, str):
        reason = unstorable_reason(value)
        if reason:
            raise JsonError(400, f"{path} {reason}.", path)
    elif isinstance(value, float) and not math.isfinite(value):
        raise JsonError(400, f"{path} is a number too large to store.", path)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def check_body(
    model: type[Model],
    data: Mapping,
    *,
    messages: Mapping[str, str] | None = None,
    context: dict | None = None,
    title: str = "The body has invalid fields.",
) -> Model:
    """`data` checked by `model`; raises JsonInvalid naming every bad field at once.

    A field's message is the one its validator raised (a PydanticCustomError's text), else
    `messages[field]` (say what the field must be), else pydantic's own. An unknown field (models that
    forbid extras) is named with the fields allowed."""
    try:
        return model.model_validate(data, context=context)
    except pydantic.ValidationError as error:
        raise JsonInvalid(field_errors(error, model, messages or {}), title) from None


def check_fields(model: type[Model], data: Mapping, *, context: dict | None = None) -> Model:
    """`data` checked by `model`; raises JsonError(400) naming the first bad field (in the model's field
    order) with its message: for senders that fix one thing at a time, such as telephony providers."""
    try:
        return model.model_validate(data, context=context)
    except pydantic.ValidationError as error:
        first = field_errors(error, model, {})[0]
        raise JsonError(400, first["message"], first["field"]) from None


def field_errors(error: pydantic.ValidationError, model: type[pydantic.BaseModel], messages: Mapping[str, str]):
    """[{"field", "message"}] for each field of `error`, one entry per field, in the order pydantic found them."""
    allowed = ", ".join(sorted(model.model_fields))
    found: dict[str, str] = {}
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"][:1])
        if field in found:
            continue
        if item["type"] == "extra_forbidden":
            found[field] = f"Unknown field; allowed: {allowed}."
        elif item["type"] in _CUSTOM_TYPES:
            found[field] = item["msg"]
        else:
            found[field] = messages.get(field, item["msg"])
    return [{"field": field, "message": message} for field, message in found.items()]


# Error types our validators raise (PydanticCustomError): their text is already the message.
_CUSTOM_TYPES = frozenset({"field_refused"})


def refuse(message: str) -> pydantic_core.PydanticCustomError:
    """The error a model's validator raises: `message` becomes the field's message as it is."""
    return pydantic_core.PydanticCustomError("field_refused", message)


def json_endpoint(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """A view that answers JSON to clients without a session (no CSRF, no login): a JsonError raised in
    it becomes its JSON answer, as do a Host the site does not serve and a malformed request."""

    @csrf_exempt
    @login_not_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except JsonError as error:
            return error.response()
        except DisallowedHost:
            return JsonError(400, "The Host header is not one this site serves.", "Host").response()
        except SuspiciousOperation as error:  # e.g. too many form fields
            return JsonError(400, f"The request is malformed: {error}", "").response()

    return wrapper
