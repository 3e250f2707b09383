"""The demo's scenes at the real now: callbacks asked for and reassigned, overnight leads, an unmapped status."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from campaigns.models import Campaign, Contact, RedialRequest
from campaigns.queries.dashboard import calling_now
from campaigns.services import redials as redial_services
from campaigns.services.contacts import RedialRefused, create_contact
from campaigns.services.queue import queue_lead
from campaigns.telephony import parsing
from campaigns.telephony import services as telephony
from campaigns.telephony import storage as telephony_storage
from strategies.services import resolve_outcome
from wrapup.management.demo_history import REMARKS, SAFETY


def queue_overnight_leads(leads_by_campaign: dict[Campaign, list[tuple]], *, now: datetime) -> Campaign | None:
    """Leads that arrived in the last minutes at the first campaign closed now (its own leads): they wait in
    the out-of-hours queue for its next opening. Returns that campaign; None when every campaign is open."""
    for campaign, leads in leads_by_campaign.items():
        line = calling_now(campaign, now)
        if line.is_open or line.opens_at is None:
            continue
        for position, (name, phone, fields) in enumerate(leads):
            arrived = now - timedelta(minutes=(len(leads) - position) * 3)
            if calling_now(campaign, arrived).is_open:
                arrived = now
            contact = Contact.objects.filter(campaign=campaign, phone=phone).first() or create_contact(
                campaign=campaign, phone=phone, name=name, custom_fields=fields
            )
            queue_lead(campaign=campaign, contact=contact, now=arrived, remarks="Lead from the website form")
        return campaign
    return None


def unmapped_dialer_callback(campaigns: list[Campaign], *, now: datetime) -> None:
    """A SIP dialer reports a status code no mapping knows, for an overdue callback of one of `campaigns`,
    dialled at its due time (allowed time by construction): the event is stored and processed as the webhook
    would, and waits as "unmapped" for a supervisor."""
    request = (
        RedialRequest.objects.filter(
            campaign__in=campaigns, status__in=RedialRequest.OPEN_STATUSES, due_at__lte=now - SAFETY
        )
        .exclude(source=RedialRequest.SOURCE_LEAD)
        .order_by("-due_at")
        .first()
    )
    if request is None:
        return
    code = next(c for c in (599, 580, 555, 499) if resolve_outcome("sip", str(c)) is None)
    body = {
        "call_id": f"demo-sip-{request.pk}",
        "sip_code": code,
        "answered": False,
        "duration": 0,
        "started_at": request.due_at.isoformat(),
        "request": request.pk,
    }
    raw = json.dumps(body).encode()
    parsed = parsing.parse_sip(json.loads(raw))
    delivery = telephony_storage.Delivery(
        provider=parsing.SIP, body=raw, content_type="application/json", headers={}, remote_addr="127.0.0.1"
    )
    telephony.process_event(telephony_storage.store_event(delivery, parsed), parsed)


def personal_callback(
    campaign: Campaign, *, agent, remarks: str, now: datetime, hour: int = 11, skip: int = 0
) -> RedialRequest | None:
    """A personal callback `agent` asked for tomorrow at `hour` (or the next allowed time), with remarks, on a
    called contact with nothing under way (the `skip`-th such); None when there is none."""
    contact = (
        Contact.objects.filter(campaign=campaign, status__in=(Contact.SCHEDULED, Contact.IDLE))
        .exclude(redial_requests__status__in=(RedialRequest.CLAIMED, RedialRequest.READY, RedialRequest.DIALING))
        .exclude(redial_requests__owner__isnull=False, redial_requests__status=RedialRequest.SCHEDULED)
        .filter(attempts__isnull=False)
        .distinct()
        .order_by("id")[skip : skip + 1]
        .first()
    )
    if contact is None:
        return None
    zone = ZoneInfo(campaign.zone)
    wanted = (now.astimezone(zone) + timedelta(days=1)).replace(hour=hour, minute=30, second=0, microsecond=0)
    fields = {"campaign": campaign, "contact": contact, "owner": agent, "remarks": remarks, "created_by": agent}
    try:
        return redial_services.add_redial(due_at=wanted, now=now, **fields)
    except RedialRefused as refusal:
        if refusal.next_allowed_at is None:
            return None
        return redial_services.add_redial(due_at=refusal.next_allowed_at, now=now, **fields)


def reassigned_callback(campaign: Campaign, *, by_agent, to_agent, supervisor, now: datetime) -> RedialRequest | None:
    """The issue's story: an agent asks for a personal callback with remarks, a supervisor hands it to another
    agent. None when no contact may have one."""
    request = personal_callback(campaign, agent=by_agent, remarks=REMARKS[0], now=now)
    if request is None:
        return None
    return redial_services.reassign_redial(request, owner=to_agent, by=supervisor)
