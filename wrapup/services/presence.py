"""Presence: join and leave a campaign, pause and resume."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, Contact
from wrapup.models import AgentSession
from wrapup.services.allocation import allocate_next_call
from wrapup.services.sessions import ActionRefused, lock_session, refuse_while_busy, set_state


def joinable_campaigns():
    return Campaign.objects.filter(status=Campaign.ACTIVE).order_by("name")


def join_campaign(agent, campaign: Campaign, *, now: datetime | None = None) -> Contact | None:
    """Join `campaign` as ready and ask for a call. Returns the allocated contact, or None when no call
    is due now. Raises ActionRefused during a call or wrap-up, or for a campaign that is not active."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(agent)
        refuse_while_busy(session, "change campaign")
        if campaign.status != Campaign.ACTIVE:
            raise ActionRefused(f"The campaign {campaign.name} is {campaign.get_status_display().lower()}.")
        set_state(session, AgentSession.READY, now, campaign=campaign)
    return allocate_next_call(agent, now=now)


def leave_campaign(agent, *, now: datetime | None = None) -> AgentSession:
    """Go offline. Raises ActionRefused during a call or wrap-up, or when not in a campaign."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(agent)
        refuse_while_busy(session, "leave the campaign")
        if session.campaign_id is None:
            raise ActionRefused("You are not in a campaign.")
        set_state(session, AgentSession.OFFLINE, now, campaign=None)
    return session


def pause(agent, *, now: datetime | None = None) -> AgentSession:
    """Ready -> paused. Raises ActionRefused during a call or wrap-up, or when not ready."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(agent)
        refuse_while_busy(session, "pause")
        if session.state != AgentSession.READY:
            raise ActionRefused("Only a ready agent can pause." if session.campaign_id else "Join a campaign first.")
        set_state(session, AgentSession.PAUSED, now)
    return session


def resume(agent, *, now: datetime | None = None) -> Contact | None:
    """Paused -> ready, then ask for a call. Returns the allocated contact, or None when none is due.
    Raises ActionRefused when not paused."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(agent)
        if session.state != AgentSession.PAUSED:
            raise ActionRefused("You are not paused.")
        set_state(session, AgentSession.READY, now)
    return allocate_next_call(agent, now=now)
