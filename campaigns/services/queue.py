"""The out-of-hours queue: leads that arrive while calling is closed wait for the next opening."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from campaigns.models import Campaign, Contact, RedialRequest
from campaigns.services import do_not_call, rule_histories, scheduling
from campaigns.services.contacts import RedialRefused, check_contact_open
from campaigns.services.redials import replace_open_request
from retryadmin.lib.localtime import local_clock, local_label
from strategies.engine import (
    AttemptRecord,
    Calendar,
)
from strategies.queueing import first_queue_slot, next_queue_slot


def queue_after_opening(
    campaign: Campaign,
    contact: Contact,
    calendar: Calendar,
    opening_at: datetime,
    engine_due_at: datetime | None,
    explanation: str,
    attempts: list[AttemptRecord] | None = None,
) -> tuple[datetime | None, str, datetime]:
    """(due time, explanation, opening) for a request queued for `opening_at`; `attempts` are all the
    contact's attempt records in the campaign when the caller has them (None reads them).

    The k-th request queued for an opening of the campaign is due one spacing after the (k-1)-th (see
    strategies.queueing). The campaign row is locked so two schedulers never count the same k. Returns a
    None due time when the queue runs out of allowed time.
    """
    if not campaign.queue_spacing_seconds:
        return engine_due_at, explanation, opening_at
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    # One index-only read of (campaign, queue_opening_at, due_at): the opening's queue, never the campaign's.
    queued = RedialRequest.objects.filter(campaign=campaign, queue_opening_at=opening_at).aggregate(
        last=Max("due_at"), count=Count("due_at")
    )
    last_slot_at = queued["last"]
    position = queued["count"] + 1
    if attempts is None:
        attempts = scheduling.attempt_records(contact, campaign)
    zone = scheduling.contact_zone(contact)
    # Slots are at or after the opening, so the number's history from a window before it is enough.
    number_records = rule_histories.number_history(
        contact, campaign, calendar, min(opening_at, last_slot_at or opening_at)
    )
    if last_slot_at is None:
        due_at = first_queue_slot(calendar, opening_at, attempts, zone, number_history=number_records)
    else:
        due_at = next_queue_slot(
            calendar, last_slot_at, campaign.queue_spacing_seconds, attempts, zone, number_history=number_records
        )
    if due_at is None:
        return None, f"{explanation}; queue position {position}: no allowed calling time left", opening_at
    if due_at != engine_due_at:
        where = local_clock(due_at, campaign.zone, opening_at)
        explanation = (
            f"{explanation}; queue position {position} for the opening, "
            f"{campaign.queue_spacing_seconds}s apart -> {where}"
        )
    return due_at, explanation, opening_at


def queue_lead(
    *, campaign: Campaign, contact: Contact, now: datetime | None = None, remarks: str = ""
) -> RedialRequest:
    """A new lead's first call: due now when now is allowed time, else queued for the next opening
    (source lead). Raises RedialRefused when the contact is closed, its number is on a do-not-call list, or
    no allowed time remains."""
    now = now or timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if contact.campaign_id != campaign.pk:
            raise ValidationError({"contact": f"Contact {contact.pk} does not belong to the campaign {campaign.name}."})
        check_contact_open(contact)
        entry = do_not_call.listed_entry(campaign.pk, contact.phone)
        if entry is not None:
            raise RedialRefused(f"{do_not_call.refusal(entry)} The lead cannot be queued.")
        calendar = scheduling.calendar_for(campaign)
        allowed = scheduling.next_allowed_for(campaign, contact, now, calendar=calendar)
        if allowed is None:
            raise RedialRefused(
                f"The campaign {campaign.name} has no allowed calling time left; the lead cannot be queued."
            )
        arrived = local_label(now, campaign.zone)
        opening_at = None
        if allowed.opening_at is None and allowed.at <= now:
            due_at, explanation = allowed.at, f"Lead arrived {arrived}, inside allowed time: call now"
        elif allowed.opening_at is None:
            # Deferred inside open hours, e.g. by an attempt rule counting this number's calls elsewhere.
            due_at, explanation = allowed.at, f"Lead arrived {arrived}, {allowed.explanation}"
        else:
            explanation = f"Lead arrived {arrived}, {allowed.explanation}"
            due_at, explanation, opening_at = queue_after_opening(
                campaign, contact, calendar, allowed.opening_at, allowed.at, explanation
            )
            if due_at is None:
                raise RedialRefused(f"{explanation}; the lead cannot be queued.")
        request = replace_open_request(
            contact,
            campaign,
            due_at=due_at,
            source=RedialRequest.SOURCE_LEAD,
            owner=None,
            explanation=explanation,
            remarks=remarks,
            queue_opening_at=opening_at,
            now=now,
        )
        contact.status = Contact.SCHEDULED
        contact.status_reason = "lead"
        contact.save(update_fields=["status", "status_reason", "updated_at"])
    return request
