"""Wording shared by the services' messages: local clock times, user names, appended lines."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone


def _zone(zone_name: str) -> ZoneInfo:
    return ZoneInfo(zone_name)


def _clock_text(local: datetime) -> str:
    # Queued calls are spaced by seconds: show them where they are not zero.
    return f"{local:%H:%M:%S}" if local.second else f"{local:%H:%M}"


def _local_label(instant: datetime, zone_name: str, reference: datetime | None = None) -> str:
    """'Tue 24 Nov 09:00' in the zone; 'Wed 1 Jan 2020 10:00' when its year is not the reference's (now)."""
    zone = _zone(zone_name)
    local = instant.astimezone(zone)
    year = f" {local.year}" if local.year != (reference or timezone.now()).astimezone(zone).year else ""
    return f"{local:%a} {local.day} {local:%b}{year} {_clock_text(local)}"


def _local_clock(instant: datetime, zone_name: str, reference: datetime) -> str:
    """'20:30' when `instant` falls on the reference's local day, else 'Mon 23 Nov 20:30'."""
    zone = _zone(zone_name)
    local = instant.astimezone(zone)
    if local.date() == reference.astimezone(zone).date():
        return _clock_text(local)
    return _local_label(instant, zone_name, reference)


def user_label(user) -> str:
    """How a user is named in explanations and close reasons."""
    return user.get_username() if user is not None else "system"


def _append_line(text: str, line: str) -> str:
    return f"{text}\n{line}" if text else line
