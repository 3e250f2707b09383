"""A fortnight of plausible call-centre history for the demo, made through the real services.

Agents join, get calls from the allocation, end them with an outcome, wrap up with a call result, add
personal and common redials with remarks, pause between calls and leave at the end of the day; leads
arrive through the out-of-hours queue; `demo_scenes` adds what the demo shows at the real now. The
clock is the only thing simulated: every service is called with its `now`, in time order, so the
decisions and explanations are the ones the app would have made on those days.
"""

from __future__ import annotations

import contextlib
import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.utils import timezone

from campaigns.models import Campaign, Contact, RedialRequest
from campaigns.queries.dashboard import calling_now
from campaigns.services.contacts import RedialRefused, create_contact
from campaigns.services.queue import queue_lead
from strategies.models import CallResult, Outcome
from wrapup.models import AgentSession
from wrapup.services import presence, wrap_up
from wrapup.services.allocation import allocate_next_call
from wrapup.services.sessions import ActionRefused, get_session

DAYS = 14
# Nothing of the history comes closer to the real now than this: the last calls are finished calls.
SAFETY = timedelta(minutes=5)

OUTCOMES = [  # (outcome code, weight); connected calls go on to a wrap-up
    ("sip.call_answered", 52),
    ("sip.customer_no_answer", 22),
    ("sip.customer_busy", 12),
    ("platform.customer_call_failed", 7),
    ("short", 7),  # answered, but shorter than the campaign's short-call threshold
]
RESULTS = [  # (call result code, weight) after a conversation
    ("successful", 16),
    ("refusal", 8),
    ("redial", 14),
    ("hang_up", 10),
    ("wrong_person", 5),
    ("answering_machine", 8),
    ("busy", 5),
    ("no_answer", 5),
    ("add_redial", 24),  # the agent adds a redial with remarks instead
]
REMARKS = [
    "Call back about the broadband upgrade, asked for Alice",
    "Wants the Gold plan details after payday",
    "Busy at work, prefers after lunch",
    "Asked us to call when her husband is home",
    "Interested in the family pack; send prices first",
    "Compare with current provider's renewal quote",
    "Call on the landline number next time",
    "Asked for a Hindi-speaking agent",
]


@dataclass(order=True)
class _Event:
    at: datetime
    order: int
    action: str = field(compare=False)
    agent: object = field(compare=False, default=None)
    payload: dict = field(compare=False, default_factory=dict)


class DemoHistory:
    """Plays the fortnight up to `now` for each demo campaign; `shifts` say which agent works where."""

    def __init__(self, *, now: datetime | None = None, seed: int = 2026):
        self.now = now or timezone.now()
        # After the last moment of history only calls under way are finished, and nobody takes another.
        self.closing = False
        self.clock = self.now
        self.rng = random.Random(seed)
        self.events: list[_Event] = []
        self.counter = 0
        self.outcomes = {o.code: o for o in Outcome.objects.all()}
        self.results = {r.code: r for r in CallResult.objects.all()}

    # --- the event queue ------------------------------------------------------------------------------

    def _push(self, at: datetime, action: str, agent=None, **payload) -> None:
        self.counter += 1
        heapq.heappush(self.events, _Event(at, self.counter, action, agent, payload))

    def _pick(self, weighted):
        codes, weights = zip(*weighted, strict=True)
        return self.rng.choices(codes, weights=weights)[0]

    # --- the play -----------------------------------------------------------------------------------

    def play(
        self,
        shifts: list[tuple[Campaign, object, int, int]],
        batches: dict[Campaign, list[list[tuple]]],
        leads: dict[Campaign, list[tuple]],
    ) -> None:
        """`shifts`: (campaign, agent, local hour the agent starts, calls a day; a small team leaves a backlog of
        callbacks, as real ones do); `batches`: per campaign, the contact lists
        imported on successive days ((name, phone, custom_fields) each), spread over the fortnight; `leads`:
        per campaign, leads that arrive at random times of the fortnight, day and night."""
        start_utc = self.now - timedelta(days=DAYS)
        for campaign, arrivals in leads.items():
            for lead in arrivals:
                at = start_utc + timedelta(seconds=self.rng.randint(0, DAYS * 86400 - 3600))
                self._push(at, "lead", campaign=campaign, lead=lead)
        for campaign, lists in batches.items():
            zone = ZoneInfo(campaign.zone)
            first_day = start_utc.astimezone(zone).date()
            for index, contacts in enumerate(lists):
                day = first_day + timedelta(days=index * DAYS // max(len(lists), 1))
                at = datetime.combine(day, datetime.min.time(), tzinfo=zone).replace(hour=7)
                self._push(at, "import", campaign=campaign, contacts=contacts)
        self.calls_a_day = {(agent.pk, campaign.pk): calls for campaign, agent, _hour, calls in shifts}
        self.calls_made: dict[tuple, int] = {}
        for campaign, agent, hour, _calls in shifts:
            zone = ZoneInfo(campaign.zone)
            day = start_utc.astimezone(zone).date()
            while day <= self.now.astimezone(zone).date():
                if day.weekday() in {w.weekday for w in campaign.business_hours.all()}:
                    at = datetime.combine(day, datetime.min.time(), tzinfo=zone).replace(
                        hour=hour, minute=self.rng.randint(0, 20)
                    )
                    self._push(at, "join", agent, campaign=campaign, day_end=self._day_end(campaign, day))
                day += timedelta(days=1)
        self.limit = self.now - SAFETY
        self.shifts = shifts
        # The services take `now`, but rows also stamp themselves (created_at, updated_at) with the clock:
        # during the play the clock reads the simulated time, so a callback made on Tuesday says Tuesday.
        with mock.patch("django.utils.timezone.now", side_effect=lambda: self.clock):
            self._run()

    def _run(self) -> None:
        while self.events and self.events[0].at <= self.limit:
            event = heapq.heappop(self.events)
            self.clock = event.at
            getattr(self, f"_on_{event.action}")(event)
        # Calls under way at the end are finished and wrapped up (a call ending after the limit was made a
        # conversation, so it goes to wrap-up, and the last wrap-ups pause): nobody is left on a call.
        self.closing = True
        while self.events:
            event = heapq.heappop(self.events)
            if event.action in ("hang_up", "wrap_up"):
                self.clock = event.at
                getattr(self, f"_on_{event.action}")(event)
        self.clock = self.limit
        for _campaign, agent, _hour, _calls in self.shifts:
            if get_session(agent).campaign_id is not None:
                # Refused while still wrapping up its last call: the after-call-work timeout ends that.
                with contextlib.suppress(ActionRefused):
                    presence.leave_campaign(agent, now=self.limit)

    def _day_end(self, campaign: Campaign, day) -> datetime:
        zone = ZoneInfo(campaign.zone)
        ends = [w.end_minute for w in campaign.business_hours.all() if w.weekday == day.weekday()]
        return datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(minutes=max(ends))

    # --- actions ------------------------------------------------------------------------------------

    def _on_import(self, event: _Event) -> None:
        campaign = event.payload["campaign"]
        for name, phone, fields in event.payload["contacts"]:
            if not Contact.objects.filter(campaign=campaign, phone=phone).exists():
                contact = create_contact(campaign=campaign, phone=phone, name=name, custom_fields=fields)
                Contact.objects.filter(pk=contact.pk).update(created_at=event.at)

    def _on_lead(self, event: _Event) -> None:
        campaign = event.payload["campaign"]
        name, phone, fields = event.payload["lead"]
        if Contact.objects.filter(campaign=campaign, phone=phone).exists():
            return
        contact = create_contact(campaign=campaign, phone=phone, name=name, custom_fields=fields)
        Contact.objects.filter(pk=contact.pk).update(created_at=event.at)
        request = queue_lead(campaign=campaign, contact=contact, now=event.at, remarks="Lead from the website form")
        RedialRequest.objects.filter(pk=request.pk).update(created_at=event.at)

    def _on_join(self, event: _Event) -> None:
        session = get_session(event.agent)
        if session.state in (AgentSession.IN_CALL, AgentSession.WRAP_UP):
            return
        contact = presence.join_campaign(event.agent, event.payload["campaign"], now=event.at)
        self._after_allocation(event.agent, contact, event.at, event.payload["day_end"])

    def _current(self, event: _Event) -> bool:
        """Whether the event belongs to the campaign the agent is in now (a break of yesterday's campaign
        does not end today's shift in another)."""
        return get_session(event.agent).campaign_id == event.payload.get("campaign_id")

    def _after_allocation(self, agent, contact: Contact | None, at: datetime, day_end: datetime) -> None:
        campaign_id = get_session(agent).campaign_id
        if contact is not None:
            self._push(at, "call", agent, day_end=day_end, campaign_id=campaign_id)
            return
        session = get_session(agent)
        campaign = session.campaign
        # Nothing to call now: look again when the next callback falls due (or a little later when fresh
        # contacts wait for their allowed time), not every few minutes of an empty afternoon.
        retry_at = at + timedelta(minutes=self.rng.randint(10, 25))
        has_fresh = Contact.objects.filter(campaign=campaign, status=Contact.PENDING, attempts__isnull=True).exists()
        next_due = (
            RedialRequest.objects.filter(campaign=campaign, status__in=RedialRequest.OPEN_STATUSES, due_at__gt=at)
            .order_by("due_at")
            .values_list("due_at", flat=True)
            .first()
        )
        if not has_fresh:
            if next_due is None or next_due >= day_end:
                presence.leave_campaign(agent, now=at)
                return
            retry_at = max(retry_at, next_due + timedelta(minutes=self.rng.randint(0, 10)))
        line = calling_now(campaign, retry_at)
        if not line.is_open and line.opens_at is not None:
            retry_at = max(retry_at, line.opens_at + timedelta(minutes=self.rng.randint(1, 15)))
        if retry_at >= day_end:
            presence.leave_campaign(agent, now=at)
            return
        self._push(retry_at, "poll", agent, day_end=day_end, campaign_id=campaign_id)

    def _on_poll(self, event: _Event) -> None:
        if not self._current(event):
            return
        session = get_session(event.agent)
        if session.state == AgentSession.PAUSED:
            contact = presence.resume(event.agent, now=event.at)
        elif session.state == AgentSession.READY:
            contact = allocate_next_call(event.agent, now=event.at)
        else:
            return
        self._after_allocation(event.agent, contact, event.at, event.payload["day_end"])

    def _on_call(self, event: _Event) -> None:
        """The allocated call is dialled at `event.at`; it ends after its duration."""
        session = get_session(event.agent)
        code = self._pick(OUTCOMES)
        campaign = session.campaign
        if session.state_changed_at + timedelta(seconds=600) > self.limit:
            # The last call of the history: a conversation, so that it ends in a wrap-up, not the next call.
            code = "sip.call_answered"
        if code == "short":
            outcome = self.outcomes["sip.call_answered"]
            duration = self.rng.randint(4, max(5, campaign.short_call_seconds - 1))
        elif code == "sip.call_answered":
            outcome = self.outcomes[code]
            duration = self.rng.randint(max(60, campaign.short_call_seconds), 480)
        else:
            outcome, duration = self.outcomes[code], 0
        end = session.state_changed_at + timedelta(seconds=duration + self.rng.randint(15, 40))
        self._push(
            end,
            "hang_up",
            event.agent,
            outcome=outcome,
            duration=duration,
            day_end=event.payload["day_end"],
            campaign_id=event.payload["campaign_id"],
        )

    def _on_hang_up(self, event: _Event) -> None:
        session = get_session(event.agent)
        key = (event.agent.pk, session.campaign_id, event.at.date())
        self.calls_made[key] = self.calls_made.get(key, 0) + 1
        ended = wrap_up.simulate_call_end(
            session, outcome=event.payload["outcome"], duration_seconds=event.payload["duration"], now=event.at
        )
        if ended.in_wrap_up:
            self._push(
                event.at + timedelta(seconds=self.rng.randint(20, 100)),
                "wrap_up",
                event.agent,
                attempt=ended.attempt,
                day_end=event.payload["day_end"],
                campaign_id=event.payload["campaign_id"],
            )
            return
        self._after_allocation(event.agent, ended.next_contact, event.at, event.payload["day_end"])

    def _on_wrap_up(self, event: _Event) -> None:
        agent, attempt, at = event.agent, event.payload["attempt"], event.at
        code = self._pick(RESULTS)
        if code == "add_redial":
            self._add_wrap_up_redial(agent, attempt, at)
            code = self.rng.choice(["hang_up", "busy", "no_answer"])
        # A break between calls now and then: the next call waits until the agent resumes.
        campaign_id = event.payload["campaign_id"]
        done_for_today = self.calls_made.get((agent.pk, campaign_id, at.date()), 0) >= self.calls_a_day.get(
            (agent.pk, campaign_id), 10**6
        )
        pause_after = self.closing or done_for_today or self.rng.random() < 0.5
        ended = wrap_up.choose_call_result(agent, attempt, self.results[code], pause_after=pause_after, now=at)
        if done_for_today and not self.closing:
            presence.leave_campaign(agent, now=at)
            return
        if pause_after:
            self._push(
                at + timedelta(minutes=self.rng.randint(5, 40)),
                "poll",
                agent,
                day_end=event.payload["day_end"],
                campaign_id=event.payload["campaign_id"],
            )
            return
        self._after_allocation(agent, ended.next_contact, at, event.payload["day_end"])

    def _add_wrap_up_redial(self, agent, attempt, at: datetime) -> None:
        campaign = attempt.campaign
        zone = ZoneInfo(campaign.zone)
        local = at.astimezone(zone) + timedelta(days=self.rng.choice([1, 1, 2, 3]))
        wanted = local.replace(hour=self.rng.choice([10, 11, 12, 15, 16]), minute=self.rng.choice([0, 15, 30, 45]))
        wanted = wanted.replace(second=0, microsecond=0)
        personal = self.rng.random() < 0.65
        remarks = self.rng.choice(REMARKS)
        try:
            request = wrap_up.add_wrap_up_redial(
                agent, attempt, due_at=wanted, personal=personal, remarks=remarks, now=at
            )
        except RedialRefused as refusal:
            if refusal.next_allowed_at is None:
                return
            try:
                request = wrap_up.add_wrap_up_redial(
                    agent, attempt, due_at=refusal.next_allowed_at, personal=personal, remarks=remarks, now=at
                )
            except RedialRefused:
                return
        # The request was made at the simulated time, not when the demo was loaded.
        RedialRequest.objects.filter(pk=request.pk).update(created_at=at)
