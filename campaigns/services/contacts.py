"""Campaign services: contacts, attempts and redial requests.

Each service is one transaction (`transaction.atomic()`, nesting as a savepoint inside a caller's) and
the only way these rows change state. `check_*` helpers validate and raise ValidationError with a
message fit for the user; the services act. Views, webhooks, admin actions and tasks call these.

Locks, always taken in this order so two services never deadlock: the contact row, then the campaign row
(only when a request joins the out-of-hours queue), then redial request rows.
"""

from __future__ import annotations

from datetime import datetime

import phonenumbers
import phonenumbers.timezone
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.models import Campaign, Contact, DoNotCallEntry, RedialRequest, validate_e164, validate_zone
from campaigns.services import do_not_call, scheduling
from campaigns.services.wording import user_label
from retryadmin.lib.phones import to_e164
from strategies.engine import (
    REASON_FINAL,
    REASON_RETRY,
)
from strategies.wording import reason_label

CLOSED_CONTACT_STATUSES = (Contact.DONE, Contact.EXHAUSTED, Contact.DO_NOT_CALL)


STATUS_REASON_MAX = Contact._meta.get_field("status_reason").max_length


CLOSE_REASON_MAX = RedialRequest._meta.get_field("close_reason").max_length


UNKNOWN_ZONE = "Etc/Unknown"


class RedialRefused(ValidationError):
    """A redial that may not be made; `next_allowed_at` (UTC) is when it could be, or None."""

    def __init__(self, message: str, next_allowed_at: datetime | None = None):
        super().__init__(message, code="redial_refused")
        self.next_allowed_at = next_allowed_at


# phonenumbers still names some zones by their legacy IANA aliases; screens show the current names.
LEGACY_ZONE_NAMES = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "America/Godthab": "America/Nuuk",
}


def derive_contact_zone(phone: str, campaign_zone: str) -> str:
    """The phone number's time zone (by its current IANA name) when the numbering plan gives exactly one,
    else `campaign_zone`."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return campaign_zone
    zones = phonenumbers.timezone.time_zones_for_number(number)
    if len(zones) != 1 or zones[0] == UNKNOWN_ZONE:
        return campaign_zone
    try:
        validate_zone(zones[0])
    except ValidationError:
        return campaign_zone
    return LEGACY_ZONE_NAMES.get(zones[0], zones[0])


def normalise_phone(phone: str) -> str:
    """`phone` in E.164 when it is an international number (see retryadmin.lib.phones); otherwise the
    stripped text, for validate_e164 to judge."""
    return to_e164(phone) or (phone or "").strip()


def check_contact_fields(*, campaign: Campaign, phone: str, name: str, zone: str, custom_fields) -> None:
    errors: dict[str, list[str]] = {}
    try:
        validate_e164(phone)
    except ValidationError as error:
        errors["phone"] = error.messages
    if zone:
        try:
            validate_zone(zone)
        except ValidationError as error:
            errors["zone"] = error.messages
    max_name = Contact._meta.get_field("name").max_length
    if len(name) > max_name:
        errors["name"] = [f"The name has {len(name)} characters; at most {max_name} are allowed."]
    if not isinstance(custom_fields, dict):
        errors["custom_fields"] = ["Custom fields must be a mapping of names to values."]
    if "phone" not in errors and Contact.objects.filter(campaign=campaign, phone=phone).exists():
        errors["phone"] = [f"{phone} is already a contact of the campaign {campaign.name}."]
    if errors:
        raise ValidationError(errors)


def create_contact(*, campaign: Campaign, phone: str, name: str = "", zone: str = "", custom_fields=None) -> Contact:
    """A new pending contact. Its zone, when not given, is the number's own (when it has exactly one)
    or the campaign's. Raises ValidationError naming the field: phone (not E.164, or already in the
    campaign), zone, name or custom_fields."""
    phone = normalise_phone(phone)
    name = (name or "").strip()
    zone = (zone or "").strip()
    custom_fields = {} if custom_fields is None else custom_fields
    check_contact_fields(campaign=campaign, phone=phone, name=name, zone=zone, custom_fields=custom_fields)
    try:
        with transaction.atomic():
            return Contact.objects.create(
                campaign=campaign,
                phone=phone,
                name=name,
                zone=zone or derive_contact_zone(phone, campaign.zone),
                custom_fields=custom_fields,
            )
    except IntegrityError:
        # Another request created the same phone between the check and the insert.
        raise ValidationError({"phone": [f"{phone} is already a contact of the campaign {campaign.name}."]}) from None


def set_do_not_call(contact: Contact, *, by, reason: str = "") -> Contact:
    """Never call the contact again: status do_not_call, its open redial requests cancelled, and its number
    on the campaign's do-not-call list (rule 8, source supervisor) unless it is there already."""
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        locked.status = contact.status = Contact.DO_NOT_CALL
        locked.status_reason = contact.status_reason = (reason or "do not call")[:STATUS_REASON_MAX]
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        cancel_open_requests(locked, locked.campaign_id, f"do not call, set by {user_label(by)}")
        do_not_call.add_number(
            do_not_call.campaign_list(locked.campaign),
            locked.phone,
            source=DoNotCallEntry.Source.SUPERVISOR,
            by=by,
            reason=(reason or "")[: do_not_call.REASON_MAX],
            stored_phone=True,
        )
    return locked


def cancel_open_requests(contact: Contact, campaign_id: int, reason: str, now: datetime | None = None) -> int:
    return RedialRequest.objects.filter(
        contact=contact, campaign_id=campaign_id, status__in=RedialRequest.OPEN_STATUSES
    ).close(RedialRequest.CANCELLED, reason[:CLOSE_REASON_MAX], now or timezone.now())


def lock_contact_for_scheduling(contact_id: int) -> Contact:
    """The contact row locked, with its campaign, dial plan, the configuration token
    (`scheduling_config_token`, see campaigns.scheduling) and whether its number is on a do-not-call list
    (`on_do_not_call_list`, rule 8) read in the same query: the engine needs them.
    `of=("self",)` keeps the lock on the contact alone: PostgreSQL would otherwise lock the joined campaign
    row too, and only the queue may lock that."""
    return (
        Contact.objects.select_for_update(of=("self",))
        .select_related(
            "campaign__dial_plan__telephony_strategy",
            "campaign__dial_plan__business_strategy",
        )
        .annotate(
            scheduling_config_token=scheduling.config_token_subquery(),
            on_do_not_call_list=do_not_call.listed_subquery("phone", "campaign_id"),
        )
        .get(pk=contact_id)
    )


def close_contact(contact: Contact, reason: str, now: datetime) -> None:
    if reason == scheduling.REASON_DO_NOT_CALL:
        contact.status = Contact.DO_NOT_CALL
    else:
        contact.status = Contact.DONE if reason == REASON_FINAL else Contact.EXHAUSTED
    contact.status_reason = reason[:STATUS_REASON_MAX]
    contact.save(update_fields=["status", "status_reason", "updated_at"])
    cancel_open_requests(contact, contact.campaign_id, f"contact closed: {reason}", now)


def mark_scheduled(contact: Contact) -> None:
    contact.status = Contact.SCHEDULED
    contact.status_reason = REASON_RETRY
    contact.save(update_fields=["status", "status_reason", "updated_at"])


def check_contact_open(contact: Contact) -> None:
    if contact.status in CLOSED_CONTACT_STATUSES:
        raise RedialRefused(
            f"The contact is closed ({contact.get_status_display()}"
            + (f": {reason_label(contact.status_reason).lower()}" if contact.status_reason else "")
            + "); it cannot be called again."
        )


def take_for_call(contact_id: int, statuses, now: datetime) -> bool:
    """The contact goes in call if it still has one of `statuses`; False when another agent took it first."""
    return bool(
        Contact.objects.filter(pk=contact_id, status__in=statuses).update(
            status=Contact.IN_CALL, status_reason="", updated_at=now
        )
    )


def update_notes(contact: Contact, notes: str) -> Contact:
    """Save the contact's notes (the caller checked who may); returns the contact as saved."""
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        locked.notes = notes
        locked.save(update_fields=["notes", "updated_at"])
    return locked
