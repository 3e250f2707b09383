"""The supervisor's live floor view: who is ready, in call, in wrap-up or paused, per campaign, and since when.

One read model, built in five queries whatever the number of agents: the sessions (with agent and
contact joined), the campaigns (with their calendars prefetched), and the callbacks waiting now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone

from campaigns.models import Campaign, Contact, RedialRequest
from campaigns.queries.dashboard import CallingNow, calling_now
from retryadmin.lib.localtime import local

from .models import AgentSession

# The states shown on the floor, in the order of the counts; offline agents are not on the floor.
FLOOR_STATES = (AgentSession.READY, AgentSession.IN_CALL, AgentSession.WRAP_UP, AgentSession.PAUSED)
STATE_LABELS = dict(AgentSession.STATE_CHOICES)


def duration_text(seconds: float) -> str:
    """A short, human duration for a state or a countdown: "under 1 min", "3 min", "1 h 05 min"."""
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass(frozen=True)
class FloorAgent:
    session: AgentSession
    seconds_in_state: float
    contact: Contact | None  # only while in call or in wrap-up
    deadline_text: str  # the wrap-up countdown in the campaign's zone; "" when not in wrap-up

    @property
    def state(self) -> str:
        return self.session.state

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.session.state]

    @property
    def time_in_state(self) -> str:
        return duration_text(self.seconds_in_state)


@dataclass
class FloorCampaign:
    campaign: Campaign
    calling: CallingNow
    agents: list[FloorAgent] = field(default_factory=list)
    personal_callbacks: int = 0  # ready or due now, owned by one agent
    common_callbacks: int = 0  # ready or due now, for any free agent

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        """(state, label, agents) for each floor state, zeros included."""
        return [(state, STATE_LABELS[state], sum(a.state == state for a in self.agents)) for state in FLOOR_STATES]


def _deadline_text(session: AgentSession, now: datetime, zone: str) -> str:
    if session.state != AgentSession.WRAP_UP or session.wrap_up_deadline_at is None:
        return ""
    deadline = local(session.wrap_up_deadline_at, zone)
    left = (session.wrap_up_deadline_at - now).total_seconds()
    if left >= 0:
        return f"ends {deadline:%H:%M} ({duration_text(left)} left)"
    return f"timed out at {deadline:%H:%M} ({duration_text(-left)} ago)"


def _callbacks_waiting(campaign_ids: list[int], now: datetime) -> dict[int, tuple[int, int]]:
    """{campaign id: (personal, common)} redial requests an agent could take now: made ready by dispatch,
    or scheduled and already due (dispatch has not swept them up yet)."""
    rows = (
        RedialRequest.objects.filter(campaign_id__in=campaign_ids)
        .filter(Q(status=RedialRequest.READY) | Q(status=RedialRequest.SCHEDULED, due_at__lte=now))
        .order_by()
        .values("campaign_id")
        .annotate(
            personal=Count("id", filter=Q(owner__isnull=False)),
            common=Count("id", filter=Q(owner__isnull=True)),
        )
    )
    return {row["campaign_id"]: (row["personal"], row["common"]) for row in rows}


def floor_view(now: datetime | None = None) -> list[FloorCampaign]:
    """The floor, one entry per active campaign and per other campaign that still has agents on it (a paused
    campaign's agents are still on the floor), by name. Agents in each are by state, then longest in state
    first. Five queries: sessions, campaigns, their business hours and holidays, callbacks."""
    now = now or timezone.now()
    sessions = list(
        AgentSession.objects.filter(state__in=FLOOR_STATES, campaign__isnull=False)
        .select_related("agent", "current_contact")
        .order_by("state_changed_at", "pk")
    )
    campaigns = (
        Campaign.objects.filter(Q(status=Campaign.ACTIVE) | Q(pk__in={s.campaign_id for s in sessions}))
        .prefetch_related("business_hours", "holidays")
        .order_by("name", "pk")
    )
    floor = {
        # calling_now builds the calendar from the prefetched rows (attempt rules, which only ever defer a
        # contact with history, are not read), and stays up when a campaign's rows are bad.
        c.pk: FloorCampaign(campaign=c, calling=calling_now(c, now))
        for c in campaigns
    }
    for campaign_id, (personal, common) in _callbacks_waiting(list(floor), now).items():
        floor[campaign_id].personal_callbacks, floor[campaign_id].common_callbacks = personal, common
    order = {state: i for i, state in enumerate(FLOOR_STATES)}
    for session in sorted(sessions, key=lambda s: order[s.state]):
        entry = floor.get(session.campaign_id)
        if entry is None:
            # Its campaign was deleted between the two queries (the session goes with it): not on the floor.
            continue
        # The session's campaign is the entry's: reuse it instead of a join per row.
        session.campaign = entry.campaign
        busy = session.state in (AgentSession.IN_CALL, AgentSession.WRAP_UP)
        entry.agents.append(
            FloorAgent(
                session=session,
                seconds_in_state=(now - session.state_changed_at).total_seconds(),
                contact=session.current_contact if busy else None,
                deadline_text=_deadline_text(session, now, entry.campaign.zone),
            )
        )
    return list(floor.values())
