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
from django.db import IntegrityError, connections, models, router, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from campaigns.models import (
    Campaign,
    Contact,
    DialPlan,
    DoNotCallEntry,
    RedialRequest,
    SchedulingConfigVersion,
    validate_e164,
    validate_zone,
)
from campaigns.services import do_not_call, scheduling
from campaigns.services.wording import user_label
from retryadmin.lib.phones import to_e164
from retryadmin.lib.rows import column_list, instance_from_row
from strategies.engine import (
    REASON_FINAL,
    REASON_RETRY,
)
from strategies.models import Strategy
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


# The contact and what the engine needs with it, as one hand-written SELECT: Django's compiler takes longer to
# build this five-table query with two subqueries than PostgreSQL takes to run it, and it runs for every call
# result. Aliases: c contact, k campaign, p dial plan, ts and bs its telephony and business strategies.
_SCHEDULING_CHAIN = ((Contact, "c"), (Campaign, "k"), (DialPlan, "p"), (Strategy, "ts"), (Strategy, "bs"))
_scheduling_sql: dict[tuple, str] = {}


def scheduling_select(connection, head: tuple[type[models.Model], str] | None = None) -> str:
    """SELECT [the `head` model's columns,] the contact's, its campaign's, dial plan's and strategies', the
    configuration token and whether the number is listed (rule 8) FROM [head JOIN] the contact and the rest.
    The caller appends its WHERE (its own parameters by name, plus %(today)s for the do-not-call entries in
    force) and `lock_clause`; `read_scheduling_row` reads a row back. With a `head` (model, alias), the head's
    table comes first and joins the contact on `alias.contact_id`."""
    key = (connection.vendor, head)
    if key not in _scheduling_sql:
        quote = connection.ops.quote_name
        models_and_aliases = ([head] if head else []) + list(_SCHEDULING_CHAIN)
        columns = ", ".join(column_list(model, alias, connection) for model, alias in models_and_aliases)
        contact, campaign, plan, strategy = (quote(m._meta.db_table) for m in (Contact, Campaign, DialPlan, Strategy))
        tokens = quote(SchedulingConfigVersion._meta.db_table)
        source = f"{contact} c"
        if head:
            head_model, alias = head
            source = f"{quote(head_model._meta.db_table)} {alias} JOIN {contact} c ON c.id = {alias}.contact_id"
        _scheduling_sql[key] = f"""
SELECT {columns},
    (SELECT t.token FROM {tokens} t WHERE t.id = {SchedulingConfigVersion.SINGLETON_ID}) AS scheduling_config_token,
    {do_not_call.listed_sql("c.phone", "c.campaign_id")} AS on_do_not_call_list
FROM {source}
JOIN {campaign} k ON k.id = c.campaign_id
LEFT JOIN {plan} p ON p.id = k.dial_plan_id
LEFT JOIN {strategy} ts ON ts.id = p.telephony_strategy_id
LEFT JOIN {strategy} bs ON bs.id = p.business_strategy_id
"""  # noqa: S608
    return _scheduling_sql[key]


def lock_clause(connection) -> str:
    """FOR UPDATE OF the contact (c) alone: PostgreSQL would otherwise lock the joined campaign row too, and only
    the queue may lock that. Raises TransactionManagementError outside a transaction, as select_for_update does:
    the lock would end with the statement."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("locking the contact for scheduling needs a transaction")
    if connection.features.has_select_for_update_of:
        return " FOR UPDATE OF c"
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def read_scheduling_row(row, start: int, connection) -> Contact:
    """The contact of a `scheduling_select` row whose contact columns begin at `row[start]`, with its campaign,
    dial plan and strategies attached, and the annotations `scheduling_config_token` and `on_do_not_call_list`."""
    instances = []
    for model, _alias in _SCHEDULING_CHAIN:
        instance, start = instance_from_row(model, row, start, connection)
        instances.append(instance)
    contact, campaign, plan, telephony, business = instances
    if plan is not None:
        plan.telephony_strategy, plan.business_strategy = telephony, business
    campaign.dial_plan = plan
    contact.campaign = campaign
    contact.scheduling_config_token, listed = row[start], row[start + 1]
    contact.on_do_not_call_list = bool(listed)
    return contact


def lock_contact_for_scheduling(contact_id: int) -> Contact:
    """The contact row locked (see `lock_clause`), with its campaign, dial plan, strategies, the configuration
    token (`scheduling_config_token`, see campaigns.scheduling) and whether its number is on a do-not-call list
    (`on_do_not_call_list`, rule 8) read in the same query: the engine needs them. Raises Contact.DoesNotExist."""
    connection = connections[router.db_for_write(Contact)]
    sql = scheduling_select(connection) + "WHERE c.id = %(contact)s" + lock_clause(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"contact": contact_id, "today": timezone.localdate()})
        row = cursor.fetchone()
    if row is None:
        raise Contact.DoesNotExist(f"Contact {contact_id} does not exist.")
    return read_scheduling_row(row, 0, connection)


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
