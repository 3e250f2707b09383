"""Turn each provider's callback into one `ParsedEvent`: plain values, validated, no database access.

Every function here raises `JsonError(400, ..., field)` for a value it cannot use, naming the field as the
provider spells it, so the answer tells the sender exactly what to fix. Values are bounded to what the
columns hold (PostgreSQL refuses NUL characters and integers past 2**31), so nothing that passes here can
fail later at the database.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Annotated, Any

import pydantic

from retryadmin.lib.jsonapi import JsonError, check_fields, refuse

TWILIO, OZONETEL, SIP = "twilio", "ozonetel", "sip"

# Twilio's CallStatus values before the call has ended (FACTS.md): stored as progress, nothing else.
TWILIO_PROGRESS_STATUSES = frozenset({"queued", "initiated", "ringing", "in-progress"})
# AnsweredBy values that mean a person (or AMD could not tell): the CallStatus mapping applies.
TWILIO_HUMAN_ANSWERS = frozenset({"", "human", "unknown"})

MAX_CALL_ID = 100  # WebhookEvent.call_id, Attempt.provider_call_id
MAX_RAW = 100  # WebhookEvent.raw_status, ProviderMapping.raw
MAX_DURATION_SECONDS = 7 * 24 * 3600
MAX_INT32 = 2**31 - 1
MAX_REQUEST_ID = 2**63 - 1
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
HHMMSS = re.compile(r"^(?:(\d{1,3}):)?([0-5]?\d):([0-5]?\d)$")
UUI_REQUEST = re.compile(r"^request=(\d{1,18})$")


@dataclass(frozen=True)
class ParsedEvent:
    """One callback in plain values.

    `mapping_keys` are the (provider, raw) pairs to look up in the mappings table, best first; the first one
    is what a supervisor must map when none resolves. `event_at` is the provider's own time for the event
    (None when it sent none), used for the replay window. `request_id` is a redial request the callback names
    explicitly (None when it names none).
    """

    provider: str
    call_id: str
    raw_status: str
    is_final: bool
    mapping_keys: tuple[tuple[str, str], ...] = ()
    sequence_number: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_seconds: int | None = None
    event_at: datetime | None = None
    request_id: int | None = None


# --- field readers -----------------------------------------------------------------------------------------


def _text(data: Mapping, name: str, *, required: bool = False, max_length: int = MAX_RAW) -> str:
    """A string field, stripped; "" when absent and not required. Numbers are accepted as their digits."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise JsonError(400, f"{name} is required.", name)
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise JsonError(400, f"{name} must be a string.", name)
    text = str(value).strip()
    if required and not text:
        raise JsonError(400, f"{name} is required.", name)
    if len(text) > max_length:
        raise JsonError(400, f"{name} is longer than {max_length} characters.", name)
    if CONTROL_CHARS.search(text):
        raise JsonError(400, f"{name} contains control characters.", name)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonError(400, f"{name} is not valid text (lone surrogate).", name)
    return text


def _integer(data: Mapping, name: str, *, low: int, high: int, required: bool = False) -> int | None:
    """An integer field, given as a JSON number or as digits; None when absent and not required."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise JsonError(400, f"{name} is required.", name)
        return None
    if isinstance(value, bool):
        raise JsonError(400, f"{name} must be a whole number.", name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        stripped = value.strip()
        if not re.fullmatch(r"[+-]?\d{1,19}", stripped):
            raise JsonError(400, f"{name} must be a whole number, not {value[:40]!r}.", name)
        value = int(stripped)
    if not isinstance(value, int):
        raise JsonError(400, f"{name} must be a whole number.", name)
    if not low <= value <= high:
        raise JsonError(400, f"{name} must be between {low} and {high}.", name)
    return value


def _duration(data: Mapping, name: str, *, required: bool = False) -> int | None:
    """Seconds, given as a number, as digits, or as HH:MM:SS / MM:SS; None when absent and not required."""
    value = data.get(name)
    if isinstance(value, str) and ":" in value:
        match = HHMMSS.match(value.strip())
        if not match:
            raise JsonError(400, f"{name} must be seconds or HH:MM:SS, not {value[:40]!r}.", name)
        hours, minutes, seconds = (int(part or 0) for part in match.groups())
        total = hours * 3600 + minutes * 60 + seconds
        if total > MAX_DURATION_SECONDS:
            raise JsonError(400, f"{name} must be between 0 and {MAX_DURATION_SECONDS} seconds.", name)
        return total
    return _integer(data, name, low=0, high=MAX_DURATION_SECONDS, required=required)


def _bounded(moment: datetime, name: str) -> datetime:
    """`moment` in UTC, refused when it is so far from today that date arithmetic on it could overflow."""
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31 23:59 at UTC-12, or 0001-01-01 00:00 at UTC+14
        raise JsonError(400, f"{name} is not a plausible time.", name) from None
    if not 2000 <= moment.year <= 2999:
        raise JsonError(400, f"{name} is not a plausible time.", name)
    return moment


def _iso_datetime(data: Mapping, name: str, *, naive_zone: str = "UTC") -> datetime | None:
    """An ISO-8601 (or "YYYY-MM-DD HH:MM:SS") time; a time without offset is read in `naive_zone`.

    Returns None when the field is absent.
    """
    text = _text(data, name, max_length=64)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise JsonError(400, f"{name} must be an ISO-8601 time such as 2026-03-01T10:15:00+00:00.", name)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(naive_zone))
    return _bounded(moment, name)


RFC2822_YEAR = re.compile(r"\b(\d{1,4}) +\d{1,2}:\d{2}")


def _rfc2822(data: Mapping, name: str) -> datetime | None:
    """Twilio's Timestamp ("Mon, 16 Aug 2010 03:45:01 +0000"); None when absent."""
    text = _text(data, name, max_length=64)
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        moment = None
    if moment is None:
        raise JsonError(400, f"{name} must be an RFC 2822 time such as 'Mon, 16 Aug 2010 03:45:01 +0000'.", name)
    written_year = RFC2822_YEAR.search(text)
    if written_year and int(written_year.group(1)) != moment.year:
        # The parser reads years below 100 as 19xx/20xx: "01 Jan 0001" would pass as 2001.
        raise JsonError(400, f"{name} is not a plausible time.", name)
    if moment.tzinfo is None:  # "-0000" means UTC with no claim about local time.
        moment = moment.replace(tzinfo=UTC)
    return _bounded(moment, name)


def _span(
    started_at: datetime | None, ended_at: datetime | None, duration: int | None
) -> tuple[datetime | None, datetime | None]:
    """Fill the missing end of a call from the other end and the duration; either may stay None."""
    if started_at is None and ended_at is not None and duration is not None:
        started_at = ended_at - timedelta(seconds=duration)
    if ended_at is None and started_at is not None and duration is not None:
        ended_at = started_at + timedelta(seconds=duration)
    return started_at, ended_at


def request_id_from_query(query: Mapping, name: str = "request") -> int | None:
    """The redial request id in a callback URL's query string (?request=<id>); None when absent."""
    return _integer(query, name, low=1, high=MAX_REQUEST_ID)


# --- JSON bodies: pydantic models whose fields are read by the readers above --------------------------------


def _read(reader: Callable[..., object], **options) -> pydantic.BeforeValidator:
    """A field read by `reader(data, name, **options)`; the reader's refusal becomes the field's error.
    A time field's zone for values without offset comes from the validation context's "zone"."""

    def validate(value, info: pydantic.ValidationInfo):
        extra = {"naive_zone": (info.context or {}).get("zone", "UTC")} if reader is _iso_datetime else {}
        try:
            return reader({info.field_name: value}, info.field_name, **options, **extra)
        except JsonError as error:
            raise refuse(error.message) from None

    return pydantic.BeforeValidator(validate)


def _answered(data: Mapping, name: str) -> bool:
    if not isinstance(data.get(name), bool):
        raise JsonError(400, f"{name} is required and must be true or false.", name)
    return data[name]


# Absent fields are read too (as None): a required one says so in its own words.
_ALWAYS = pydantic.Field(default=None, validate_default=True)


class SipBody(pydantic.BaseModel):
    """The generic SIP callback's JSON. Other keys are ignored."""

    call_id: Annotated[Any, _read(_text, required=True, max_length=MAX_CALL_ID)] = _ALWAYS
    sip_code: Annotated[Any, _read(_integer, low=100, high=699)] = None
    q850_cause: Annotated[Any, _read(_integer, low=0, high=127)] = None
    answered: Annotated[Any, _read(_answered)] = _ALWAYS
    duration: Annotated[Any, _read(_duration, required=True)] = _ALWAYS
    started_at: Annotated[Any, _read(_iso_datetime)] = None
    request: Annotated[Any, _read(_integer, low=1, high=MAX_REQUEST_ID)] = None


class OzonetelBody(pydantic.BaseModel):
    """Ozonetel's post-call JSON (its own key names). Validated with context {"zone": for times without
    offset}. Other keys are ignored."""

    monitorUCID: Annotated[Any, _read(_text, required=True, max_length=MAX_CALL_ID)] = _ALWAYS  # noqa: N815
    CustomerStatus: Annotated[Any, _read(_text)] = _ALWAYS  # noqa: N815
    DialStatus: Annotated[Any, _read(_text)] = _ALWAYS  # noqa: N815
    Disposition: Annotated[Any, _read(_text, max_length=200)] = None  # noqa: N815  (kept in the raw body)
    Duration: Annotated[Any, _read(_duration)] = None  # noqa: N815
    StartTime: Annotated[Any, _read(_iso_datetime)] = None  # noqa: N815
    EndTime: Annotated[Any, _read(_iso_datetime)] = None  # noqa: N815
    UUI: Annotated[Any, _read(_text, max_length=200)] = _ALWAYS  # noqa: N815


# --- providers ---------------------------------------------------------------------------------------------


def parse_twilio(form: Mapping, query: Mapping) -> ParsedEvent:
    """A Twilio voice status callback (form fields) plus the query string of the URL it was posted to."""
    call_id = _text(form, "CallSid", required=True, max_length=MAX_CALL_ID)
    status = _text(form, "CallStatus", required=True).lower()
    answered_by = _text(form, "AnsweredBy").lower()
    sip_code = _integer(form, "SipResponseCode", low=100, high=699)
    duration = _duration(form, "CallDuration")
    sequence = _integer(form, "SequenceNumber", low=0, high=MAX_INT32)
    timestamp = _rfc2822(form, "Timestamp")
    request_id = request_id_from_query(query)

    if status in TWILIO_PROGRESS_STATUSES:
        return ParsedEvent(
            provider=TWILIO,
            call_id=call_id,
            raw_status=status,
            is_final=False,
            sequence_number=sequence,
            event_at=timestamp,
            request_id=request_id,
        )

    if status == "completed" and answered_by not in TWILIO_HUMAN_ANSWERS:
        # Answering-machine detection decides what a completed call was; the mappings carry the
        # "answered_by:" prefix so they cannot clash with a CallStatus value.
        keys = ((TWILIO, f"answered_by:{answered_by}"),)
        raw_status = f"completed answered_by:{answered_by}"
    elif status == "failed" and sip_code is not None:
        # A SIP response code says more than a bare "failed" whenever someone has mapped it.
        keys = (("sip", str(sip_code)), (TWILIO, status))
        raw_status = f"failed sip:{sip_code}"
    else:
        keys = ((TWILIO, status),)
        raw_status = status
    started_at, ended_at = _span(None, timestamp, duration or 0)
    return ParsedEvent(
        provider=TWILIO,
        call_id=call_id,
        raw_status=raw_status[:MAX_RAW],
        is_final=True,
        mapping_keys=keys,
        sequence_number=sequence,
        started_at=started_at,
        ended_at=ended_at,
        duration_seconds=duration or 0,
        event_at=timestamp,
        request_id=request_id,
    )


def parse_ozonetel(data: Mapping, *, zone: str) -> ParsedEvent:
    """An Ozonetel post-call callback (a JSON object). Times without an offset are read in `zone`.

    The redial request may be named in the UUI field as "request=<id>" (the dialer passes it when it
    places the call); any other UUI is the customer's own and is ignored.
    """
    body = check_fields(OzonetelBody, data, context={"zone": zone})
    call_id, customer_status, dial_status = body.monitorUCID, body.CustomerStatus, body.DialStatus
    if not customer_status and not dial_status:
        raise JsonError(400, "CustomerStatus (or DialStatus) is required.", "CustomerStatus")
    duration, started_at, ended_at = body.Duration, body.StartTime, body.EndTime
    if started_at and ended_at and ended_at < started_at:
        raise JsonError(400, "EndTime is before StartTime.", "EndTime")
    if duration is None and started_at and ended_at:
        duration = min(int((ended_at - started_at).total_seconds()), MAX_DURATION_SECONDS)
    started_at, ended_at = _span(started_at, ended_at, duration)
    match = UUI_REQUEST.match(body.UUI)
    keys = tuple((OZONETEL, raw) for raw in (customer_status, dial_status) if raw)
    return ParsedEvent(
        provider=OZONETEL,
        call_id=call_id,
        raw_status=customer_status or dial_status,
        is_final=True,
        mapping_keys=keys,
        started_at=started_at,
        ended_at=ended_at,
        duration_seconds=duration,
        event_at=ended_at or started_at,
        request_id=int(match.group(1)) if match else None,
    )


def parse_sip(data: Mapping) -> ParsedEvent:
    """The generic SIP callback: {call_id, sip_code | q850_cause, answered, duration, started_at?, request?}."""
    body = check_fields(SipBody, data)
    call_id, sip_code, q850, duration = body.call_id, body.sip_code, body.q850_cause, body.duration
    if sip_code is None and q850 is None:
        raise JsonError(400, "sip_code or q850_cause is required.", "sip_code")
    request_id = body.request
    started_at, ended_at = _span(body.started_at, None, duration)
    keys = []
    if sip_code is not None:
        keys.append(("sip", str(sip_code)))
    if q850 is not None:
        keys.append(("q850", str(q850)))
    raw_status = " ".join(f"{provider}:{raw}" for provider, raw in keys)
    return ParsedEvent(
        provider=SIP,
        call_id=call_id,
        raw_status=raw_status,
        is_final=True,
        mapping_keys=tuple(keys),
        started_at=started_at,
        ended_at=ended_at,
        duration_seconds=duration,
        event_at=ended_at,
        request_id=request_id,
    )


# --- refusals of a well-formed callback that matches nothing ------------------------------------------------

# The field that carries each provider's call id, as the provider spells it.
CALL_ID_FIELDS = {TWILIO: "CallSid", OZONETEL: "monitorUCID", SIP: "call_id"}


def unknown_call(parsed: ParsedEvent) -> JsonError:
    """404 for a callback whose call id no redial request or attempt has."""
    return JsonError(
        404,
        f"Unknown call {parsed.call_id!r}: no redial request or attempt has this call id.",
        CALL_ID_FIELDS[parsed.provider],
    )


def unknown_request(parsed: ParsedEvent) -> JsonError:
    """404 for a callback that names a redial request that does not exist."""
    return JsonError(404, f"Unknown redial request {parsed.request_id}.", "request")
