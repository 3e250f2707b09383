"""Campaign services: contacts, attempts and redial requests.

Each service is one transaction (`transaction.atomic()`, nesting as a savepoint inside a caller's) and
the only way these rows change state. `check_*` helpers validate and raise ValidationError with a
message fit for the user; the services act. Views, webhooks, admin actions and tasks call these.

Locks, always taken in this order so two services never deadlock: the contact row, then the campaign row
(only when a request joins the out-of-hours queue), then redial request rows.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
import phonenumbers.timezone
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from retryadmin.personas import AGENT
from strategies.durations import ZERO, add_delay, format_delay
from strategies.engine import (
    REASON_ENDED,
    REASON_FINAL,
    REASON_NO_WINDOW,
    REASON_RETRY,
    SEARCH_DAYS,
    AttemptRecord,
    Calendar,
    Decision,
)
from strategies.models import CallResult, Outcome
from strategies.queueing import first_queue_slot, next_queue_slot

from . import scheduling
from .models import Attempt, Campaign, Contact, RedialRequest, validate_e164, validate_zone

logger = logging.getLogger(__name__)

CLOSED_CONTACT_STATUSES = (Contact.DONE, Contact.EXHAUSTED, Contact.DO_NOT_CALL)
# Requests a supervisor may still move or hand over; claimed/dialing ones are in a worker's hands.
CHANGEABLE_REQUEST_STATUSES = (RedialRequest.SCHEDULED, RedialRequest.READY)
STATUS_REASON_MAX = Contact._meta.get_field("status_reason").max_length
CLOSE_REASON_MAX = RedialRequest._meta.get_field("close_reason").max_length
UNKNOWN_ZONE = "Etc/Unknown"
# A manual redial further ahead than the engine ever plans (rule 7) is a typo in the date.
MAX_REDIAL_AHEAD = timedelta(days=SEARCH_DAYS)


class RedialRefused(ValidationError):
    """A redial that may not be made; `next_allowed_at` (UTC) is when it could be, or None."""

    def __init__(self, message: str, next_allowed_at: datetime | None = None):
        super().__init__(message, code="redial_refused")
        self.next_allowed_at = next_allowed_at


# --------------------------------------------------------------------------------------------------
# Formatting in the campaign's zone


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


# --------------------------------------------------------------------------------------------------
# Contacts


def derive_contact_zone(phone: str, campaign_zone: str) -> str:
    """The phone number's time zone when the numbering plan gives exactly one, else `campaign_zone`."""
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
    return zones[0]


def normalise_phone(phone: str) -> str:
    """`phone` in E.164 when it is an international number written with spaces, dots, dashes or
    brackets ("+44 1632 960961"); otherwise the stripped text, for validate_e164 to judge."""
    text = (phone or "").strip()
    if not text.startswith("+"):
        return text
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
    """Never call the contact again: status do_not_call, and its open redial requests cancelled."""
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        locked.status = contact.status = Contact.DO_NOT_CALL
        locked.status_reason = contact.status_reason = (reason or "do not call")[:STATUS_REASON_MAX]
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        _cancel_open_requests(locked, locked.campaign_id, f"do not call, set by {user_label(by)}")
    return locked


def _cancel_open_requests(contact: Contact, campaign_id: int, reason: str, now: datetime | None = None) -> int:
    return RedialRequest.objects.filter(
        contact=contact, campaign_id=campaign_id, status__in=RedialRequest.OPEN_STATUSES
    ).update(
        status=RedialRequest.CANCELLED,
        close_reason=reason[:CLOSE_REASON_MAX],
        closed_at=now or timezone.now(),
        updated_at=timezone.now(),
    )


# --------------------------------------------------------------------------------------------------
# Attempts


def check_attempt_fields(
    *,
    campaign: Campaign,
    contact: Contact,
    outcome,
    source: str,
    started_at,
    ended_at,
    duration_seconds,
    provider: str,
    provider_call_id: str,
) -> None:
    errors: dict[str, str] = {}
    if not isinstance(outcome, Outcome):
        errors["outcome"] = "Give the telephony outcome of the call."
    if source not in dict(Attempt.SOURCE_CHOICES):
        errors["source"] = f"Unknown attempt source {source!r}."
    if contact.campaign_id != campaign.pk:
        errors["contact"] = f"Contact {contact.pk} does not belong to the campaign {campaign.name}."
    if not isinstance(started_at, datetime) or timezone.is_naive(started_at):
        errors["started_at"] = "The start of the call must be a date and time with a time zone."
    if ended_at is not None:
        if not isinstance(ended_at, datetime) or timezone.is_naive(ended_at):
            errors["ended_at"] = "The end of the call must be a date and time with a time zone."
        elif "started_at" not in errors and ended_at < started_at:
            errors["ended_at"] = "The call cannot end before it starts."
    if duration_seconds is not None and (
        isinstance(duration_seconds, bool) or not isinstance(duration_seconds, int) or duration_seconds < 0
    ):
        errors["duration_seconds"] = "The duration must be a whole number of seconds, 0 or more."
    if provider_call_id and not provider:
        errors["provider"] = "A provider call id needs the provider's name."
    if len(provider_call_id) > Attempt._meta.get_field("provider_call_id").max_length:
        errors["provider_call_id"] = "The provider call id is too long."
    if errors:
        raise ValidationError(errors)


def record_attempt(
    *,
    campaign: Campaign,
    contact: Contact,
    outcome: Outcome,
    started_at: datetime,
    ended_at: datetime | None = None,
    duration_seconds: int | None = None,
    agent=None,
    provider: str = "",
    provider_call_id: str = "",
    source: str = Attempt.SOURCE_AUTO,
    redial_request: RedialRequest | None = None,
    call_result: CallResult | None = None,
    now: datetime | None = None,
) -> tuple[Attempt, bool]:
    """Record one finished call and schedule what follows it; returns (attempt, created).

    Idempotent on (provider, provider_call_id) when a call id is given: a repeat returns the existing
    attempt and False, and changes nothing. The redial request the call came from is closed (done). A
    connected call at least the campaign's short-call threshold long puts the contact in wrap-up and
    schedules nothing (ending wrap-up calls `schedule_retry`); any other call is scheduled at once.
    """
    provider = (provider or "").strip()
    provider_call_id = (provider_call_id or "").strip()
    check_attempt_fields(
        campaign=campaign,
        contact=contact,
        outcome=outcome,
        source=source,
        started_at=started_at,
        ended_at=ended_at,
        duration_seconds=duration_seconds,
        provider=provider,
        provider_call_id=provider_call_id,
    )
    if duration_seconds is None and ended_at is not None:
        duration_seconds = int((ended_at - started_at).total_seconds())
    now = now or timezone.now()
    with transaction.atomic():
        # One lock for the whole call: it also brings what schedule_retry needs (campaign, dial plan,
        # configuration token). A duplicate of this call waits here, then sees the first one below.
        locked_contact = _lock_contact_for_scheduling(contact.pk)
        existing = _attempt_for_call(provider, provider_call_id)
        if existing is not None:
            return existing, False
        # The contact's history replaces a MAX(number) query: the engine needs it anyway.
        history, numbers = _attempt_history(locked_contact, campaign)
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    contact=locked_contact,
                    campaign=campaign,
                    number=max(numbers, default=0) + 1,
                    agent=agent,
                    started_at=started_at,
                    ended_at=ended_at,
                    duration_seconds=duration_seconds,
                    outcome=outcome,
                    call_result=call_result,
                    provider=provider,
                    provider_call_id=provider_call_id,
                    source=source,
                    redial_request=redial_request,
                )
        except IntegrityError:
            existing = _attempt_for_call(provider, provider_call_id)
            if existing is not None:
                return existing, False
            raise
        if redial_request is not None:
            _close_request_after_call(redial_request, attempt, now)
        short_threshold = campaign.short_call_seconds
        is_short = short_threshold and duration_seconds is not None and duration_seconds < short_threshold
        if locked_contact.status == Contact.DO_NOT_CALL:
            pass  # the call is history; nothing may follow it and the do-not-call mark stays
        elif outcome.is_connected and not is_short:
            locked_contact.status = Contact.WRAP_UP
            locked_contact.status_reason = ""
            locked_contact.save(update_fields=["status", "status_reason", "updated_at"])
            # Whatever was pending is superseded: ending wrap-up decides the next call.
            _cancel_open_requests(locked_contact, campaign.pk, "superseded: connected call in wrap-up", now)
        else:
            # The new attempt as the database would give it back (in UTC), without reading it back.
            record = AttemptRecord(
                started_at.astimezone(UTC),
                outcome.code,
                call_result.code if call_result is not None else None,
                duration_seconds,
            )
            _schedule_locked(attempt, locked_contact, [*history, record], now)
    attempt.contact = locked_contact
    return attempt, True


def _attempt_history(contact: Contact, campaign: Campaign) -> tuple[list[AttemptRecord], list[int]]:
    """The contact's attempts in the campaign as engine records, oldest first, and their numbers."""
    rows = (
        Attempt.objects.filter(contact=contact, campaign=campaign)
        .order_by("number")
        .values_list("number", "started_at", "outcome__code", "call_result__code", "duration_seconds")
    )
    history, numbers = [], []
    for number, *values in rows:
        numbers.append(number)
        history.append(AttemptRecord(*values))
    return history, numbers


def _attempt_for_call(provider: str, provider_call_id: str) -> Attempt | None:
    if not provider_call_id:
        return None
    return Attempt.objects.filter(provider=provider, provider_call_id=provider_call_id).first()


def _close_request_after_call(request: RedialRequest, attempt: Attempt, now: datetime) -> None:
    updated = RedialRequest.objects.filter(pk=request.pk, status__in=RedialRequest.OPEN_STATUSES).update(
        status=RedialRequest.DONE,
        closed_at=now,
        close_reason=f"called: attempt {attempt.number}",
        updated_at=timezone.now(),
    )
    if updated:
        request.status = RedialRequest.DONE


# --------------------------------------------------------------------------------------------------
# Scheduling after an attempt


def schedule_retry(attempt: Attempt, *, now: datetime | None = None) -> RedialRequest | None:
    """Run the engine on the contact's history up to `attempt`, store its decision on the attempt, and
    either write the contact's (single) open redial request or close the contact.

    Returns the new request, or None when no retry was scheduled: the contact is then `done` (final
    outcome) or `exhausted` (maximum attempts, no rule, no calling window, campaign ended), with the
    engine's reason as its status_reason, and its open requests are cancelled; or it is marked do not
    call, and nothing is decided or changed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        return _schedule_locked(attempt, _lock_contact_for_scheduling(attempt.contact_id), None, now)


def _schedule_locked(
    attempt: Attempt, contact: Contact, history: list[AttemptRecord] | None, now: datetime
) -> RedialRequest | None:
    """schedule_retry for a contact the caller locked with _lock_contact_for_scheduling, inside its
    transaction. `history` is the contact's attempt records up to and including `attempt` when the caller
    has them (None reads them). Returns None as schedule_retry does."""
    if contact.status == Contact.DO_NOT_CALL:
        return None
    campaign = contact.campaign
    attempt.contact = contact
    attempt.campaign = campaign
    token = contact.scheduling_config_token
    calendar = scheduling.cached_calendar(campaign, token)
    # A caller's history ends with `attempt`, the contact's latest: it is then every attempt the queue needs.
    all_attempts = history
    if history is None:
        history = scheduling.attempt_records(contact, campaign, up_to_number=attempt.number)
    decision = scheduling.decide_from_history(attempt, history, calendar=calendar, token=token)
    due_at, explanation, opening_at = decision.next_attempt_at, decision.explanation, None
    if decision.is_retry and decision.moved_to_opening and decision.opening_at is not None:
        due_at, explanation, opening_at = _queue_after_opening(
            campaign, contact, calendar, decision.opening_at, due_at, explanation, all_attempts
        )
        if due_at is None:
            decision = Decision(None, _reason_when_nothing_allowed(campaign, decision.candidate_at), explanation)
    _store_decision(attempt, decision, due_at, explanation)
    if due_at is None:
        _close_contact(contact, decision.reason, now)
        return None
    request = _replace_open_request(
        contact,
        campaign,
        due_at=due_at,
        source=RedialRequest.SOURCE_AUTO,
        owner=None,
        explanation=explanation,
        queue_opening_at=opening_at,
        now=now,
    )
    _mark_scheduled(contact)
    return request


def _lock_contact_for_scheduling(contact_id: int) -> Contact:
    """The contact row locked, with its campaign, dial plan and the configuration token
    (`scheduling_config_token`, see campaigns.scheduling) read in the same query: the engine needs them.
    `of=("self",)` keeps the lock on the contact alone: PostgreSQL would otherwise lock the joined campaign
    row too, and only the queue may lock that."""
    return (
        Contact.objects.select_for_update(of=("self",))
        .select_related(
            "campaign__dial_plan__telephony_strategy",
            "campaign__dial_plan__business_strategy",
        )
        .annotate(scheduling_config_token=scheduling.config_token_subquery())
        .get(pk=contact_id)
    )


def _reason_when_nothing_allowed(campaign: Campaign, after: datetime | None) -> str:
    if campaign.ends_at is not None and (after is None or after >= campaign.ends_at):
        return REASON_ENDED
    return REASON_NO_WINDOW


def _store_decision(attempt: Attempt, decision: Decision, due_at: datetime | None, explanation: str) -> None:
    attempt.decision_reason = decision.reason
    attempt.decision_explanation = explanation
    attempt.next_attempt_at = due_at
    attempt.save(update_fields=["decision_reason", "decision_explanation", "next_attempt_at"])


def _close_contact(contact: Contact, reason: str, now: datetime) -> None:
    contact.status = Contact.DONE if reason == REASON_FINAL else Contact.EXHAUSTED
    contact.status_reason = reason[:STATUS_REASON_MAX]
    contact.save(update_fields=["status", "status_reason", "updated_at"])
    _cancel_open_requests(contact, contact.campaign_id, f"contact closed: {reason}", now)


def _mark_scheduled(contact: Contact) -> None:
    contact.status = Contact.SCHEDULED
    contact.status_reason = REASON_RETRY
    contact.save(update_fields=["status", "status_reason", "updated_at"])


def _replace_open_request(
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
) -> RedialRequest:
    """The contact's new open request; the one it had is cancelled first (at most one open per contact
    and campaign, enforced by a partial unique constraint). The caller holds the contact's lock."""
    _cancel_open_requests(contact, campaign.pk, "replaced by a newer redial request", now)
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


# --------------------------------------------------------------------------------------------------
# The out-of-hours queue


def _queue_after_opening(
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
    queued = RedialRequest.objects.filter(campaign=campaign, queue_opening_at=opening_at)
    last_slot_at = queued.aggregate(last=Max("due_at"))["last"]
    position = queued.count() + 1
    if attempts is None:
        attempts = scheduling.attempt_records(contact, campaign)
    zone = scheduling.contact_zone(contact)
    if last_slot_at is None:
        due_at = first_queue_slot(calendar, opening_at, attempts, zone)
    else:
        due_at = next_queue_slot(calendar, last_slot_at, campaign.queue_spacing_seconds, attempts, zone)
    if due_at is None:
        return None, f"{explanation}; queue position {position}: no allowed calling time left", opening_at
    if due_at != engine_due_at:
        where = _local_clock(due_at, campaign.zone, opening_at)
        explanation = (
            f"{explanation}; queue position {position} for the opening, "
            f"{campaign.queue_spacing_seconds}s apart -> {where}"
        )
    return due_at, explanation, opening_at


def queue_lead(
    *, campaign: Campaign, contact: Contact, now: datetime | None = None, remarks: str = ""
) -> RedialRequest:
    """A new lead's first call: due now when now is allowed time, else queued for the next opening
    (source lead). Raises RedialRefused when the contact is closed or no allowed time remains."""
    now = now or timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if contact.campaign_id != campaign.pk:
            raise ValidationError({"contact": f"Contact {contact.pk} does not belong to the campaign {campaign.name}."})
        check_contact_open(contact)
        calendar = scheduling.calendar_for(campaign)
        allowed = scheduling.next_allowed_for(campaign, contact, now, calendar=calendar)
        if allowed is None:
            raise RedialRefused(
                f"The campaign {campaign.name} has no allowed calling time left; the lead cannot be queued."
            )
        arrived = _local_label(now, campaign.zone)
        opening_at = None
        if allowed.opening_at is None:
            due_at, explanation = allowed.at, f"Lead arrived {arrived}, inside allowed time: call now"
        else:
            explanation = f"Lead arrived {arrived}, {allowed.explanation}"
            due_at, explanation, opening_at = _queue_after_opening(
                campaign, contact, calendar, allowed.opening_at, allowed.at, explanation
            )
            if due_at is None:
                raise RedialRefused(f"{explanation}; the lead cannot be queued.")
        request = _replace_open_request(
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


# --------------------------------------------------------------------------------------------------
# Manual redials


def check_contact_open(contact: Contact) -> None:
    if contact.status in CLOSED_CONTACT_STATUSES:
        raise RedialRefused(
            f"The contact is closed ({contact.get_status_display()}"
            + (f": {contact.status_reason}" if contact.status_reason else "")
            + "); it cannot be called again."
        )


def check_redial(*, campaign: Campaign, contact: Contact, due_at: datetime, now: datetime | None = None) -> None:
    """Raise RedialRefused unless a redial of `contact` at `due_at` may be made: due in the future but within
    a year (rule 7's horizon), inside allowed time (rule 5), the contact open and with attempts left."""
    now = now or timezone.now()
    if not isinstance(due_at, datetime) or timezone.is_naive(due_at):
        raise RedialRefused("The due time must be a date and time with a time zone.")
    # The caller's instance may be stale (a view's, or one a service changed through its own copy).
    contact = Contact.objects.select_related("campaign").get(pk=contact.pk)
    check_contact_open(contact)
    made = Attempt.objects.filter(contact=contact, campaign=campaign).count()
    if made >= campaign.max_attempts:
        raise RedialRefused(
            f"The contact has had {made} of the campaign's {campaign.max_attempts} attempts; no attempts are left."
        )
    if due_at > now + MAX_REDIAL_AHEAD:
        raise RedialRefused(
            f"{_local_label(due_at, campaign.zone, now)} is more than {MAX_REDIAL_AHEAD.days} days ahead; "
            "choose a time within a year."
        )
    calendar = scheduling.calendar_for(campaign)
    if due_at <= now:
        allowed = scheduling.next_allowed_for(campaign, contact, now, calendar=calendar)
        when = _local_clock(due_at, campaign.zone, now)
        raise RedialRefused(
            f"{when} is not in the future; " + _next_allowed_phrase(allowed, campaign, now),
            allowed.at if allowed else None,
        )
    allowed = scheduling.next_allowed_for(campaign, contact, due_at, calendar=calendar)
    if allowed is not None and allowed.at == due_at:
        return
    when = _local_clock(due_at, campaign.zone, now)
    why = " and ".join(allowed.reasons) if allowed is not None and allowed.reasons else "not allowed calling time"
    raise RedialRefused(
        f"{when} is {why}; " + _next_allowed_phrase(allowed, campaign, now), allowed.at if allowed else None
    )


def _next_allowed_phrase(allowed, campaign: Campaign, now: datetime) -> str:
    if allowed is None:
        return "there is no allowed calling time left in this campaign."
    return f"the next allowed time is {_local_label(allowed.at, campaign.zone, now)} ({campaign.zone})."


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
        request = _replace_open_request(
            contact,
            campaign,
            due_at=due_at,
            source=source,
            owner=owner,
            remarks=remarks,
            explanation=f"Redial added by {who} for {_local_label(due_at, campaign.zone)}, {whose}",
            created_by=created_by,
            now=now,
        )
        _mark_scheduled(contact)
    return request


def redial_from_call_result(attempt: Attempt, *, agent, now: datetime | None = None) -> RedialRequest | None:
    """The redial a call result makes by itself: `redial` (the campaign's redial delay from now, personal
    to `agent`, source agent) or `instant` (now, common, source instant), moved to the next allowed time
    when needed. Use it instead of `schedule_retry` for those results.

    Returns None for call results with another handling (or no call result), for a contact marked do not
    call, and when no redial may be made: the contact is then closed as schedule_retry would (final,
    maximum attempts, no calling time).
    """
    result = attempt.call_result
    if result is None or result.handling not in ("redial", "instant"):
        return None
    now = now or timezone.now()
    with transaction.atomic():
        contact = _lock_contact_for_scheduling(attempt.contact_id)
        if contact.status == Contact.DO_NOT_CALL:
            return None
        campaign = contact.campaign
        attempt.contact, attempt.campaign = contact, campaign
        token = contact.scheduling_config_token
        calendar = scheduling.cached_calendar(campaign, token)
        history = scheduling.attempt_records(contact, campaign, up_to_number=attempt.number)
        decision = scheduling.decide_from_history(attempt, history, calendar=calendar, token=token)
        if not decision.is_retry and decision.reason not in (REASON_NO_WINDOW, REASON_ENDED):
            _store_decision(attempt, decision, None, decision.explanation)
            _close_contact(contact, decision.reason, now)
            return None
        is_redial = result.handling == "redial"
        delay = calendar.redial_delay if is_redial else ZERO
        started_from = max(now, attempt.ended_at or attempt.started_at)
        candidate = add_delay(started_from, delay, _zone(campaign.zone))
        allowed = scheduling.next_allowed_for(campaign, contact, candidate, calendar=calendar)
        text = f"{result.name} at {_local_clock(started_from, campaign.zone, started_from)}" + (
            f" +{format_delay(delay)} redial delay" if is_redial else ""
        )
        if allowed is None:
            reason = _reason_when_nothing_allowed(campaign, candidate)
            _store_decision(attempt, Decision(None, reason, ""), None, f"{text}: no allowed calling time: no retry")
            _close_contact(contact, reason, now)
            return None
        if allowed.explanation:
            text = f"{text}, {allowed.explanation}"
        elif allowed.at > now:
            text = f"{text} = {_local_clock(allowed.at, campaign.zone, started_from)}"
        _store_decision(attempt, Decision(allowed.at, REASON_RETRY, text), allowed.at, text)
        request = _replace_open_request(
            contact,
            campaign,
            due_at=allowed.at,
            source=RedialRequest.SOURCE_AGENT if is_redial else RedialRequest.SOURCE_INSTANT,
            owner=agent if is_redial else None,
            explanation=text,
            created_by=agent,
            now=now,
        )
        _mark_scheduled(contact)
    return request


# --------------------------------------------------------------------------------------------------
# Supervisors' changes to open requests


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
    """Cancel an open request. A scheduled contact left without a request goes back to pending.
    Raises ValidationError when the request is already closed."""
    now = timezone.now()
    with transaction.atomic():
        Contact.objects.select_for_update().filter(pk=request.contact_id).first()
        locked = _lock_open_request(request)
        who = user_label(by)
        locked.status = RedialRequest.CANCELLED
        locked.closed_at = now
        locked.close_reason = (f"cancelled by {who}" + (f": {reason}" if reason else ""))[:CLOSE_REASON_MAX]
        locked.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
        contact = locked.contact
        if contact.status == Contact.SCHEDULED:
            contact.status = Contact.PENDING
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
        locked.explanation = _append_line(
            locked.explanation,
            f"Rescheduled by {who} from {_local_label(locked.due_at, locked.campaign.zone)} "
            f"to {_local_label(due_at, locked.campaign.zone)}",
        )
        locked.due_at = due_at
        locked.status = RedialRequest.SCHEDULED
        locked.queue_opening_at = None
        locked.claim_token = None
        locked.claimed_at = None
        locked.lease_expires_at = None
        locked.save(
            update_fields=[
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
        locked.explanation = _append_line(locked.explanation, f"Reassigned by {who} to {target}")
        locked.save(update_fields=["owner", "explanation", "updated_at"])
    return locked


def expire_personal_redials(*, now: datetime | None = None) -> int:
    """Make common every personal request still scheduled or ready more than its campaign's grace after
    its due time (grace 0 keeps it personal). Returns how many were handed over."""
    now = now or timezone.now()
    handed_over = 0
    campaigns = Campaign.objects.filter(
        personal_redial_grace_minutes__gt=0,
        redial_requests__owner__isnull=False,
        redial_requests__status__in=CHANGEABLE_REQUEST_STATUSES,
    ).distinct()
    for campaign in campaigns:
        limit = now - timedelta(minutes=campaign.personal_redial_grace_minutes)
        with transaction.atomic():
            stale = RedialRequest.objects.select_for_update(skip_locked=True).filter(
                campaign=campaign, owner__isnull=False, status__in=CHANGEABLE_REQUEST_STATUSES, due_at__lt=limit
            )
            for request in stale.select_related("owner"):
                request.explanation = _append_line(
                    request.explanation,
                    f"{request.owner.get_username()} did not take it within "
                    f"{campaign.personal_redial_grace_minutes} min of {_local_label(request.due_at, campaign.zone)}: "
                    "now common",
                )
                request.owner = None
                request.save(update_fields=["owner", "explanation", "updated_at"])
                handed_over += 1
    return handed_over


__all__ = [
    "RedialRefused",
    "add_redial",
    "cancel_redial",
    "check_redial",
    "create_contact",
    "derive_contact_zone",
    "expire_personal_redials",
    "queue_lead",
    "reassign_redial",
    "record_attempt",
    "redial_from_call_result",
    "reschedule_redial",
    "schedule_retry",
    "set_do_not_call",
]
