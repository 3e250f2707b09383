"""Telephony deliveries stored raw: the delivery, its freshness check, the stored event, and parsing it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from campaigns.models import WebhookEvent
from campaigns.telephony import parsing
from campaigns.telephony.parsing import ParsedEvent
from retryadmin.lib.jsonapi import JsonError, load_json_object

REPLAY_WINDOW = timedelta(hours=24)
# A provider's clock may run a little ahead of ours; beyond this an event "from the future" is refused.
FUTURE_TOLERANCE = timedelta(hours=1)
# Header under which store_event keeps the path and query string the callback was posted to.
REQUEST_URI_HEADER = "Request-Uri"


@dataclass(frozen=True)
class Delivery:
    """One HTTP delivery as received: the raw body and the headers worth keeping."""

    provider: str
    body: bytes
    content_type: str
    headers: dict[str, str]
    remote_addr: str | None


# --- checks ------------------------------------------------------------------------------------------------


def check_fresh(parsed: ParsedEvent, *, now: datetime | None = None) -> None:
    """Refuse an event whose own time is outside the replay window (409) or too far ahead (400).

    Events that carry no time of their own pass: the duplicate checks in process_event still hold.
    """
    if parsed.event_at is None:
        return
    now = now or timezone.now()
    time_field = {parsing.TWILIO: "Timestamp", parsing.OZONETEL: "EndTime", parsing.SIP: "started_at"}[parsed.provider]
    if parsed.event_at < now - REPLAY_WINDOW:
        hours = int(REPLAY_WINDOW.total_seconds() // 3600)
        raise JsonError(409, f"The event is older than the {hours} h replay window; it is refused.", time_field)
    if parsed.event_at > now + FUTURE_TOLERANCE:
        raise JsonError(400, "The event's time is in the future.", time_field)


# --- storing -----------------------------------------------------------------------------------------------


def _clean(text: str, limit: int) -> str:
    """Text PostgreSQL accepts (no NUL, no lone surrogates), cut to `limit` characters."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")[:limit]


def store_event(delivery: Delivery, parsed: ParsedEvent | None = None) -> WebhookEvent:
    """Write the delivery raw, committed at once (outside any transaction of the caller's view)."""
    event = build_event(delivery, parsed)
    event.save(force_insert=True)
    return event


def build_event(delivery: Delivery, parsed: ParsedEvent | None = None) -> WebhookEvent:
    """The delivery as an unsaved event (status received), its text made storable."""
    headers = {_clean(name, 100): _clean(value, 1000) for name, value in delivery.headers.items()}
    return WebhookEvent(
        provider=delivery.provider,
        call_id=parsed.call_id if parsed else "",
        sequence_number=parsed.sequence_number if parsed else None,
        raw_status=parsed.raw_status if parsed else "",
        headers=headers,
        body=_clean(delivery.body.decode("utf-8", "replace"), 10_000_000),
        content_type=_clean(delivery.content_type, 100),
        remote_addr=delivery.remote_addr,
    )


# --- parsing a stored event again --------------------------------------------------------------------------


def parse_stored(event: WebhookEvent) -> ParsedEvent:
    """The stored event parsed again from its raw body (and the query string it was posted to)."""
    if event.provider == parsing.TWILIO:
        query = urlsplit((event.headers or {}).get(REQUEST_URI_HEADER, "")).query
        return parsing.parse_twilio(QueryDict(event.body), QueryDict(query))
    data = load_json_object(event.body.encode("utf-8"))
    if event.provider == parsing.OZONETEL:
        return parsing.parse_ozonetel(data, zone=settings.OZONETEL_TIME_ZONE)
    if event.provider == parsing.SIP:
        return parsing.parse_sip(data)
    raise JsonError(400, f"Unknown provider {event.provider!r}.", "provider")
