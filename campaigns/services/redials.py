"""Redial requests: add, cancel, reschedule, reassign, and personal redials that turn common."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from campaigns.services import blocking, do_not_call, rule_histories, scheduling
from campaigns.services.contacts import (
    CLOSE_REASON_MAX,
    RedialRefused,
    cancel_open_requests,
    check_contact_open,
    mark_scheduled,
)
from campaigns.services.wording import append_line, user_label
from retryadmin.lib.localtime import local_clock, local_label
from retryadmin.lib.personas import AGENT
from strategies.engine import (
    SEARCH_DAYS,
)

logger = logging.getLogger(__name__)


# Requests a supervisor may still move or hand over; claimed/dialing ones are in a worker's hands.
CHANGEABLE_REQUEST_STATUSES = (RedialRequest.SCHEDULED, RedialRequest.READY)


# A manual redial further ahead than the engine ever plans (rule 7) is a typo in the date.
MAX_REDIAL_AHEAD = timedelta(days=SEARCH_DAYS)


def replace_open_request(
    contact: Contact,
    campaign: Campaign,
    *,
    due_at: datetime,
    source: str,
    owner,
    explanation: str = "",
    remarks: str = "",
    queue_opening_at: datetime | None = None,
    created_by=None,
    now: datetime,
    none_open: bool = False,
) -> RedialRequest:
    """The contact's new open request; the one it had is cancelled first (at most one open per contact
    and campaign, enforced by a partial unique constraint). The caller holds the contact's lock, and passes
    `none_open` when it has just closed the contact's open request itself (the constraint allows no other)."""
    if not none_open:
        cancel_open_requests(contact, campaign.pk, "replaced by a newer redial request", now)
    request = RedialRequest.objects.create(
        contact=contact,
        campaign=campaign,
        due_at=due_at,
        source=source,
        owner=owner,
        remarks=remarks,
        explanation=explanation,
        queue_opening_at=queue_opening_at,
        created_by=created_by,
    )
    transaction.on_commit(
        lambda: logger.debug("redial %s for contact %s due %s (%s)", request.pk, contact.pk, due_at, source)
    )
    return request


def check_redial(*, campaign: Campaign, contact: Contact, due_at: datetime, now: datetime | None = None) -> None:
    """Raise RedialRefused unless a redial of `contact` at `due_at` may be made: due in the future but within
    a year (rule 7's horizon), inside allowed time (rule 5), the contact open, its number on no do-not-call list
    (rule 8), and with attempts left."""
    now = now or timezone.now()
    if not isinstance(due_at, datetime) or timezone.is_naive(due_at):
        raise RedialRefused("The due time must be a date and time with a time zone.")
    # The caller's instance may be stale (a view's, or one a service changed through its own copy).
    contact = Contact.objects.select_related("campaign").get(pk=contact.pk)
    check_contact_open(contact)
    entry = do_not_call.listed_entry(campaign.pk, contact.phone)
    if entry is not None:
        raise RedialRefused(f"{do_not_call.refusal(entry)} It may not be called.")
    made = Attempt.objects.filter(contact=contact, campaign=campaign).count()
    if made >= campaign.max_attempts:
        raise RedialRefused(
            f"The contact has had {made} of the campaign's {campaign.max_attempts} attempts; no attempts are left."
        )
    if due_at > now + MAX_REDIAL_AHEAD:
        raise RedialRefused(
            f"{local_label(due_at, campaign.zone, now)} is more than {MAX_REDIAL_AHEAD.days} days ahead; "
            "choose a time within a year."
        )
    calendar = scheduling.calendar_for(campaign)
    if due_at <= now:
        allowed = scheduling.next_allowed_for(campaign, contact, now, calendar=calendar)
        when = local_clock(due_at, campaign.zone, now)
        raise RedialRefused(
            f"{when} is not in the future; " + _next_allowed_phrase(allowed, campaign, now),
            allowed.at if allowed else None,
        )
    number_records = rule_histories.number_history(contact, campaign, calendar, due_at)
    allowed = scheduling.next_allowed_for(campaign, contact, due_at, calendar=calendar, number_records=number_records)
    if allowed is not None and allowed.at == due_at:
        return
    when = local_clock(due_at, campaign.zone, now)
    # Each reason names its rule: "US Regulation F: 7 calls in 7 days reached", "outside business hours".
    reasons = scheduling.not_allowed_because_for(
        campaign, contact, due_at, calendar=calendar, number_records=number_records
    )
    why = " and ".join(reasons) if reasons else "not allowed calling time"
    raise RedialRefused(
        f"{when} is {why}; " + _next_allowed_phrase(allowed, campaign, now), allowed.at if allowed else None
    )


def _next_allowed_phrase(allowed, campaign: Campaign, now: datetime) -> str:
    if allowed is None:
        return "there is no allowed calling time left in this campaign."
    return f"the next allowed time is {local_label(allowed.at, campaign.zone, now)} ({campaign.zone})."


def check_agent(owner) -> None:
    if owner is not None and not owner.groups.filter(name=AGENT).exists():
        raise ValidationError({"owner": f"{owner.get_username()} is not an agent; only agents own personal redials."})


def add_redial(
    *,
    campaign: Campaign,
    contact: Contact,
    due_at: datetime,
    owner=None,
    remarks: str = "",
    source: str = RedialRequest.SOURCE_AGENT,
    created_by=None,
    now: datetime | None = None,
) -> RedialRequest:
    """A redial request made by hand (personal when `owner` is given), replacing the contact's open one.
    Raises RedialRefused (see check_redial) or ValidationError for an owner who is not an agent."""
    now = now or timezone.now()
    check_agent(owner)
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if contact.campaign_id != campaign.pk:
            raise ValidationError({"contact": f"Contact {contact.pk} does not belong to the campaign {campaign.name}."})
        check_redial(campaign=campaign, contact=contact, due_at=due_at, now=now)
        who = user_label(created_by)
        whose = f"personal to {owner.get_username()}" if owner is not None else "common"
        request = replace_open_request(
            contact,
            campaign,
            due_at=due_at,
            source=source,
            owner=owner,
            remarks=remarks,
            explanation=f"Redial added by {who} for {local_label(due_at, campaign.zone)}, {whose}",
            created_by=created_by,
            now=now,
        )
        mark_scheduled(contact)
    return request


def _lock_open_request(request: RedialRequest, statuses=RedialRequest.OPEN_STATUSES) -> RedialRequest:
    locked = RedialRequest.objects.select_for_update().select_related("campaign", "contact").get(pk=request.pk)
    if locked.status not in statuses:
        if locked.status in RedialRequest.OPEN_STATUSES:
            raise ValidationError(
                f"This redial request is {locked.get_status_display().lower()} right now and cannot be changed."
            )
        raise ValidationError(
            f"This redial request is already {locked.get_status_display().lower()}; only open requests can be changed."
        )
    return locked


def cancel_redial(request: RedialRequest, *, by, reason: str = "") -> RedialRequest:
    """Cancel an open request. A scheduled contact left without a request goes back to pending when it
    was never called, else to idle ("Not scheduled").
    Raises ValidationError when the request is already closed."""
    now = timezone.now()
    with transaction.atomic():
        Contact.objects.select_for_update().filter(pk=request.contact_id).first()
        locked = _lock_open_request(request)
        who = user_label(by)
        close_reason = (f"cancelled by {who}" + (f": {reason}" if reason else ""))[:CLOSE_REASON_MAX]
        RedialRequest.objects.filter(pk=locked.pk).close(RedialRequest.CANCELLED, close_reason, now)
        locked.refresh_from_db(fields=["status", "closed_at", "close_reason", "updated_at"])
        contact = locked.contact
        if contact.status == Contact.SCHEDULED:
            # Never called: it waits for its first call again. Called before: nothing is planned now,
            # and "Pending" would promise a call that will not come.
            called = Attempt.objects.filter(contact=contact, campaign_id=locked.campaign_id).exists()
            contact.status = Contact.IDLE if called else Contact.PENDING
            contact.status_reason = "redial cancelled"
            contact.save(update_fields=["status", "status_reason", "updated_at"])
    return locked


def reschedule_redial(request: RedialRequest, *, due_at: datetime, by, now: datetime | None = None) -> RedialRequest:
    """Move an open (scheduled or ready) request to `due_at`, validated like add_redial; it goes back to
    scheduled and leaves the out-of-hours queue. Raises RedialRefused or ValidationError."""
    now = now or timezone.now()
    with transaction.atomic():
        Contact.objects.select_for_update().filter(pk=request.contact_id).first()
        locked = _lock_open_request(request, CHANGEABLE_REQUEST_STATUSES)
        check_redial(campaign=locked.campaign, contact=locked.contact, due_at=due_at, now=now)
        who = user_label(by)
        explanation = append_line(
            locked.explanation,
            f"Rescheduled by {who} from {local_label(locked.due_at, locked.campaign.zone)} "
            f"to {local_label(due_at, locked.campaign.zone)}",
        )
        RedialRequest.objects.filter(pk=locked.pk).release(
            due_at=due_at, explanation=explanation, queue_opening_at=None
        )
        locked.refresh_from_db(
            fields=[
                "due_at",
                "status",
                "explanation",
                "queue_opening_at",
                "claim_token",
                "claimed_at",
                "lease_expires_at",
                "updated_at",
            ]
        )
    return locked


def reassign_redial(request: RedialRequest, *, owner, by) -> RedialRequest:
    """Give an open (scheduled or ready) request to the agent `owner`, or make it common (owner None).
    Raises ValidationError for a closed or in-flight request, or an owner who is not an agent."""
    check_agent(owner)
    with transaction.atomic():
        locked = _lock_open_request(request, CHANGEABLE_REQUEST_STATUSES)
        who = user_label(by)
        target = owner.get_username() if owner is not None else "common (any agent)"
        locked.owner = owner
        locked.explanation = append_line(locked.explanation, f"Reassigned by {who} to {target}")
        locked.save(update_fields=["owner", "explanation", "updated_at"])
    return locked


def expire_personal_redials(*, now: datetime | None = None) -> int:
    """Make common every personal request still scheduled or ready more than its campaign's grace after
    its due time (grace 0 keeps it personal). Returns how many were handed over.

    Runs on every agent's allocation, so one campaign's data never stops it: a grace too long for the
    calendar keeps that campaign's requests personal, and any other fault marks the campaign blocked and
    goes on with the next one."""
    now = now or timezone.now()
    handed_over = 0
    campaigns = Campaign.objects.filter(
        personal_redial_grace_minutes__gt=0,
        redial_requests__owner__isnull=False,
        redial_requests__status__in=CHANGEABLE_REQUEST_STATUSES,
    ).distinct()
    for campaign in campaigns:
        try:
            handed_over += _expire_personal_redials_of(campaign, now)
        except Exception as exc:
            blocking.block_campaign(campaign.pk, blocking.describe(exc), where=blocking.ALLOCATION, now=now)
    return handed_over


def _expire_personal_redials_of(campaign: Campaign, now: datetime) -> int:
    handed_over = 0
    try:
        limit = now - timedelta(minutes=campaign.personal_redial_grace_minutes)
    except OverflowError:
        return 0  # a grace reaching before year 1: no request can be past it
    with transaction.atomic():
        stale = RedialRequest.objects.select_for_update(skip_locked=True).filter(
            campaign=campaign, owner__isnull=False, status__in=CHANGEABLE_REQUEST_STATUSES, due_at__lt=limit
        )
        for request in stale.select_related("owner"):
            request.explanation = append_line(
                request.explanation,
                f"{request.owner.get_username()} did not take it within "
                f"{campaign.personal_redial_grace_minutes} min of {local_label(request.due_at, campaign.zone)}: "
                "now common",
            )
            request.owner = None
            request.save(update_fields=["owner", "explanation", "updated_at"])
            handed_over += 1
    return handed_over


def take_for_agent(request_id: int, statuses, now: datetime) -> bool:
    """The request goes into an agent's hands (dialing, no lease: the sweeper leaves it alone) if it still
    has one of `statuses`; False when another agent took it first."""
    return bool(RedialRequest.objects.filter(pk=request_id, status__in=statuses).start_dialing(claimed_at=now))
