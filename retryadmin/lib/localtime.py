"""Instants shown in a campaign's or contact's own time zone: one way to convert, one way to word them."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils import timezone


@lru_cache(maxsize=256)
def zone_of(name: str) -> ZoneInfo:
    """The ZoneInfo of an IANA name, cached (a page converts many rows to a few zones)."""
    return ZoneInfo(name)


def local(instant: datetime | None, zone_name: str) -> datetime | None:
    """`instant` as wall-clock time in `zone_name`; None when `instant` is None."""
    return instant.astimezone(zone_of(zone_name)) if instant is not None else None


def local_now(zone_name: str, now: datetime | None = None) -> datetime:
    """Now (or `now`) as wall-clock time in `zone_name`."""
    return (now or timezone.now()).astimezone(zone_of(zone_name))


def clock_text(moment: datetime) -> str:
    """'09:00', or '09:00:30' where the seconds are not zero (queued calls are spaced by seconds)."""
    return f"{moment:%H:%M:%S}" if moment.second else f"{moment:%H:%M}"


def local_label(instant: datetime, zone_name: str, reference: datetime | None = None) -> str:
    """'Tue 24 Nov 09:00' in the zone; 'Wed 1 Jan 2020 10:00' when its year is not the reference's (now)."""
    moment = local(instant, zone_name)
    year = f" {moment.year}" if moment.year != local_now(zone_name, reference).year else ""
    return f"{moment:%a} {moment.day} {moment:%b}{year} {clock_text(moment)}"


def local_clock(instant: datetime, zone_name: str, reference: datetime) -> str:
    """'20:30' when `instant` falls on the reference's local day, else 'Mon 23 Nov 20:30'."""
    if local(instant, zone_name).date() == local(reference, zone_name).date():
        return clock_text(local(instant, zone_name))
    return local_label(instant, zone_name, reference)


def local_stamp(instant: datetime | None, zone_name: str) -> str:
    """'Tue 24 Nov 2026 09:00 GMT' (seconds where not zero) with the zone's abbreviation; "" for None."""
    moment = local(instant, zone_name)
    if moment is None:
        return ""
    return moment.strftime("%a %d %b %Y %H:%M" + (":%S" if moment.second else "") + " %Z")
