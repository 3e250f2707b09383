"""Allocation: the next call for a ready agent, personal callbacks before common ones."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from campaigns.services import blocking, do_not_call, rule_histories, scheduling
from campaigns.services import contacts as contact_services
from campaigns.services import redials as redial_services
from strategies import engine
from wrapup.models import AgentSession
from wrapup.services.sessions import lock_session, set_state

# Redial requests an agent may take: made ready by dispatch, or due and not yet swept up by it.
TAKEABLE_REQUEST_STATUSES = (RedialRequest.READY, RedialRequest.SCHEDULED)


TAKEABLE_CONTACT_STATUSES = (Contact.PENDING, Contact.SCHEDULED, Contact.IDLE)


# How many candidates of one tier (personal, common, fresh) one allocation looks at before giving up;
# candidates outside allowed time are skipped, so this bounds the work when a whole zone is asleep.
CANDIDATES_PER_TIER = 200


def allocate_next_call(agent, *, now: datetime | None = None) -> Contact | None:
    """Give a ready agent of an agent-first campaign their next call, and put them in call.

    Order: the agent's own due personal redials, then due common ones, then fresh contacts (pending,
    never attempted); oldest due first in each. A contact whose number is on a do-not-call list (rule 8),
    one another agent holds, one outside allowed time now (business hours, holidays, contact window, daily
    limit, attempt rules, repeat band) and one already claimed by someone else are skipped. Returns the
    contact, or None when the agent is not ready, the campaign is not an active agent-first one, or nothing
    may be called now, or when the campaign's data makes the engine fail (the campaign is then marked
    blocked, with the reason, and the agent stays ready).
    """
    now = now or timezone.now()
    # Overdue personal redials past their campaign's grace become common before anyone looks.
    redial_services.expire_personal_redials(now=now)
    with transaction.atomic():
        session = lock_session(agent)
        campaign = session.campaign
        if session.state != AgentSession.READY or campaign is None:
            return None
        if campaign.status != Campaign.ACTIVE or campaign.dialing_mode != Campaign.AGENT_FIRST:
            return None
        try:
            # A savepoint: what one campaign's data does to the engine stays with that campaign.
            with transaction.atomic():
                picked = _Picker(campaign, agent, now).pick()
        except Exception as exc:
            blocking.block_campaign(campaign.pk, blocking.describe(exc), where=blocking.ALLOCATION, now=now)
            return None
        if campaign.dispatch_blocked_reason.startswith(f"{blocking.ALLOCATION}: "):
            blocking.clear_blocks([campaign.pk], where=blocking.ALLOCATION)
        if picked is None:
            return None
        contact, request = picked
        set_state(
            session,
            AgentSession.IN_CALL,
            now,
            current_contact=contact,
            current_redial=request,
            current_attempt=None,
            wrap_up_deadline_at=None,
        )
    return contact


class _Picker:
    """Walks the three tiers and claims the first candidate that may be called now."""

    def __init__(self, campaign: Campaign, agent, now: datetime):
        self.campaign, self.agent, self.now = campaign, agent, now
        self.calendar = scheduling.calendar_for(campaign)
        self.catalog = scheduling.catalog()
        self.allowed_by_zone: dict[str, bool] = {}
        self.skip_locked = connection.features.has_select_for_update_skip_locked

    def _held_elsewhere(self, contact_ref: str):
        return Exists(AgentSession.objects.filter(current_contact=OuterRef(contact_ref)).exclude(agent=self.agent))

    def pick(self) -> tuple[Contact, RedialRequest | None] | None:
        requests = RedialRequest.objects.filter(
            campaign=self.campaign,
            status__in=TAKEABLE_REQUEST_STATUSES,
            due_at__lte=self.now,
            contact__status__in=TAKEABLE_CONTACT_STATUSES,
        ).exclude(self._held_elsewhere("contact_id"))
        # Rule 8: a number listed since its request was planned is never offered.
        requests = requests.exclude(do_not_call.listed_subquery("contact__phone", "campaign_id"))
        for owner_filter in ({"owner": self.agent}, {"owner__isnull": True}):
            rows = (
                requests.filter(**owner_filter)
                .order_by("due_at", "id")
                .values_list("id", "contact_id")[:CANDIDATES_PER_TIER]
            )
            for request_id, contact_id in rows:
                picked = self._claim(contact_id, request_id, owner_filter)
                if picked:
                    return picked
        fresh = (
            Contact.objects.filter(campaign=self.campaign, status=Contact.PENDING)
            .exclude(Exists(Attempt.objects.filter(contact=OuterRef("pk"))))
            .exclude(
                Exists(RedialRequest.objects.filter(contact=OuterRef("pk"), status__in=RedialRequest.OPEN_STATUSES))
            )
            .exclude(self._held_elsewhere("pk"))
            .exclude(do_not_call.listed_subquery("phone", "campaign_id"))
            .order_by("created_at", "id")
            .values_list("id", flat=True)[:CANDIDATES_PER_TIER]
        )
        for contact_id in fresh:
            picked = self._claim(contact_id, None, None)
            if picked:
                return picked
        return None

    def _is_allowed_now(self, contact: Contact) -> bool:
        zone = scheduling.contact_zone(contact)
        records = scheduling.attempt_records(contact, self.campaign)
        # Attempt rules per number also count this number's calls in other campaigns (rule 9).
        number_records = rule_histories.number_history(contact, self.campaign, self.calendar, self.now)
        if records or number_records:
            return engine.is_allowed_at(
                self.calendar, self.now, records, zone, number_history=number_records, catalog=self.catalog
            )
        # Contacts without history anywhere differ only by zone: ask the engine once per zone.
        if zone not in self.allowed_by_zone:
            self.allowed_by_zone[zone] = engine.is_allowed_at(self.calendar, self.now, (), zone)
        return self.allowed_by_zone[zone]

    def _lock(self, queryset):
        """The row of `queryset` locked, or None when another transaction holds it (PostgreSQL skips it
        instead of waiting) or it no longer matches. SQLite ignores select_for_update: its IMMEDIATE
        transactions already serialise writers, and the conditional UPDATEs below re-check."""
        if self.skip_locked:
            queryset = queryset.select_for_update(skip_locked=True, of=("self",))
        return queryset.first()

    def _claim(self, contact_id: int, request_id: int | None, owner_filter) -> tuple[Contact, RedialRequest | None]:
        contact = self._lock(
            Contact.objects.filter(pk=contact_id, status__in=TAKEABLE_CONTACT_STATUSES).select_related("campaign")
        )
        if contact is None or not self._is_allowed_now(contact):
            return None
        with transaction.atomic():
            request = None
            if request_id is not None:
                request = self._lock(
                    RedialRequest.objects.filter(pk=request_id, status__in=TAKEABLE_REQUEST_STATUSES, **owner_filter)
                )
                if request is None:
                    return None
                if not redial_services.take_for_agent(request_id, TAKEABLE_REQUEST_STATUSES, self.now):
                    return None
                request.status = RedialRequest.DIALING
            if not contact_services.take_for_call(contact_id, TAKEABLE_CONTACT_STATUSES, self.now):
                # Someone else took the contact between our read and this UPDATE: undo the request claim.
                transaction.set_rollback(True)
                return None
        contact.status = Contact.IN_CALL
        return contact, request
