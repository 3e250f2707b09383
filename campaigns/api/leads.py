"""Lead intake: `POST /api/leads/` turns a web-form lead into a contact called back at once.

A lead that arrives out of hours joins the out-of-hours queue of its campaign (campaigns.services.queue.queue_lead):
the k-th lead queued for an opening is due at opening + opening delay + (k - 1) x spacing.

Authentication is the campaign's lead API key in the `X-Api-Key` header. The client's
`Idempotency-Key` header (or `idempotency_key` in the body) makes a form that posts twice one lead.
"""

from __future__ import annotations

import hmac
from typing import Any

import pydantic
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from campaigns.models import Campaign, Contact, LeadSubmission, RedialRequest, validate_zone
from campaigns.services import blocking, do_not_call
from campaigns.services import contacts as contact_services
from campaigns.services import queue as queue_services
from campaigns.services import retries as retry_services
from retryadmin.lib.jsonapi import (
    JsonError,
    JsonInvalid,
    check_body,
    check_envelope,
    json_endpoint,
    load_json_object,
    refuse,
)

API_KEY_HEADER = "X-Api-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = LeadSubmission._meta.get_field("idempotency_key").max_length
INVALID_LEAD = "The lead has invalid fields."
# What a field must be, for a value of the wrong type (or a missing phone).
FIELD_MESSAGES = {
    "phone": "Give the phone number in E.164 form, e.g. +442079460000.",
    "name": "Must be a string.",
    "zone": "Must be a string.",
    "remarks": "Must be a string.",
    "custom_fields": "Must be a JSON object of names to values.",
    "idempotency_key": f"Give a unique key per lead in the {IDEMPOTENCY_HEADER} header.",
}


class LeadBody(pydantic.BaseModel):
    """A lead as posted. Validated with context {"campaign": the key's campaign, "header_key": the
    Idempotency-Key header}; every bad field is reported at once."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True)

    campaign: Any = None
    name: str | None = pydantic.Field(default=None, validate_default=True)
    phone: str
    zone: str | None = pydantic.Field(default=None, validate_default=True)
    custom_fields: dict[str, Any] = {}
    # Any: the header's key, when given, stands whatever the body holds.
    idempotency_key: Any = pydantic.Field(default=None, validate_default=True)
    remarks: str | None = pydantic.Field(default=None, validate_default=True)

    @pydantic.field_validator("campaign")
    @classmethod
    def _same_campaign(cls, value, info: pydantic.ValidationInfo):
        campaign = info.context["campaign"]
        if value is not None and str(value) not in (str(campaign.pk), campaign.name):
            raise refuse("The API key belongs to another campaign.")
        return value

    @pydantic.field_validator("phone")
    @classmethod
    def _phone_given(cls, value: str) -> str:
        if not value.strip():
            raise refuse(FIELD_MESSAGES["phone"])
        return value.strip()

    @pydantic.field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str:
        if value:
            try:
                validate_zone(value)
            except ValidationError as error:
                raise refuse(" ".join(error.messages)) from None
        return value or ""

    @pydantic.field_validator("idempotency_key")
    @classmethod
    def _key_given(cls, value, info: pydantic.ValidationInfo) -> str:
        key = info.context["header_key"] or value or ""
        if not isinstance(key, str) or not key.strip():
            raise refuse(FIELD_MESSAGES["idempotency_key"])
        if len(key) > MAX_KEY_LENGTH:
            raise refuse(f"At most {MAX_KEY_LENGTH} characters.")
        return key.strip()

    @pydantic.field_validator("name", "remarks")
    @classmethod
    def _stripped(cls, value: str | None) -> str:
        return (value or "").strip()


def authenticate_campaign(api_key: str) -> Campaign | None:
    """The campaign whose lead API key is `api_key` (compared in constant time); None when none is."""
    if not api_key:
        return None
    for campaign in Campaign.objects.exclude(lead_api_key="").filter(lead_api_key=api_key):
        if hmac.compare_digest(campaign.lead_api_key, api_key):
            return campaign
    return None


def parse_lead(payload: dict, campaign: Campaign, header_key: str) -> LeadBody:
    """The lead's checked fields; raises JsonInvalid listing every bad field at once."""
    return check_body(
        LeadBody,
        payload,
        messages=FIELD_MESSAGES,
        context={"campaign": campaign, "header_key": header_key},
        title=INVALID_LEAD,
    )


def _lead_body(submission: LeadSubmission) -> dict:
    request = submission.redial_request
    explanation = request.explanation if request else ""
    if request is None:
        entry = do_not_call.listed_entry(submission.campaign_id, submission.contact.phone)
        if entry is not None:
            explanation = f"Not called: {do_not_call.refusal(entry)}"
    body = {
        "lead": submission.idempotency_key,
        "contact_id": submission.contact_id,
        "redial_request_id": request.pk if request else None,
        "due_at": request.due_at.isoformat() if request else None,
        "explanation": explanation,
    }
    if request is not None and request.explanation.startswith(retry_services.HELD_PREFIX):
        # The campaign's settings stop the scheduler: the lead is stored and queued, and waits for the fix.
        body["warning"] = request.explanation
    return body


def intake_lead(campaign: Campaign, fields: LeadBody, payload: dict) -> tuple[LeadSubmission, bool]:
    """Record one lead: (submission, True) for a new one, (the earlier submission, False) for a repeat
    of its idempotency key. A lead whose number is on a do-not-call list is stored without a request (its
    contact marked do not call). Raises JsonInvalid for a field the services refuse, LeadKeyReused for a key
    that comes back with other fields.

    Concurrent posts race twice: for the key (the same lead sent again at once) and for the contact (two
    leads for one new phone). The loser of either race finds the winner's row on its second pass: the
    earlier lead for its key, or the contact to queue its own lead for.
    """
    phone = contact_services.normalise_phone(fields.phone)
    for last_pass in (False, True):
        existing = LeadSubmission.objects.filter(campaign=campaign, idempotency_key=fields.idempotency_key).first()
        if existing is not None:
            return _same_lead(existing, payload), False
        try:
            with transaction.atomic():
                contact = Contact.objects.filter(campaign=campaign, phone=phone).first()
                if contact is None:
                    contact = contact_services.create_contact(
                        campaign=campaign,
                        phone=fields.phone,
                        name=fields.name,
                        zone=fields.zone,
                        custom_fields=fields.custom_fields,
                    )
                if do_not_call.is_listed(campaign.pk, contact.phone):
                    # Rule 8: the lead is kept (and answered), never called.
                    request = None
                    Contact.objects.filter(pk=contact.pk, status__in=do_not_call.STOPPABLE_CONTACT_STATUSES).update(
                        status=Contact.DO_NOT_CALL,
                        status_reason=do_not_call.REASON_DO_NOT_CALL,
                        updated_at=timezone.now(),
                    )
                else:
                    request = _queue_or_hold(campaign, contact, fields.remarks)
                submission = LeadSubmission.objects.create(
                    campaign=campaign,
                    idempotency_key=fields.idempotency_key,
                    contact=contact,
                    redial_request=request,
                    payload=payload,
                )
            return submission, True
        except IntegrityError:
            # Another post of the same key committed first: the next pass answers with its lead.
            if last_pass:
                raise
        except ValidationError as error:
            # "Already a contact": another lead created the phone's contact meanwhile; queue for it.
            if last_pass or not Contact.objects.filter(campaign=campaign, phone=phone).exists():
                raise JsonInvalid(_validation_errors(error), INVALID_LEAD) from None
    raise AssertionError("unreachable: the last pass returns or raises")


def _queue_or_hold(campaign: Campaign, contact: Contact, remarks: str):
    """queue_lead, isolated per campaign: when the campaign's data makes the engine fail, the lead is still
    stored and queued (held due now, saying why; see retry_services.hold_for_fix) and the campaign is
    marked blocked. A refusal of the lead itself (closed contact, no calling time left) still raises."""
    try:
        with transaction.atomic():
            return queue_services.queue_lead(campaign=campaign, contact=contact, remarks=remarks)
    except (ValidationError, DatabaseError):
        raise
    except Exception as exc:
        locked = Contact.objects.select_for_update().select_related("campaign").get(pk=contact.pk)
        request = retry_services.hold_for_fix(
            None, locked, blocking.describe(exc), timezone.now(), where=blocking.LEAD_INTAKE
        )
        if remarks:
            RedialRequest.objects.filter(pk=request.pk).update(remarks=remarks)
        return request


class LeadKeyReused(Exception):
    """An idempotency key already used for a lead with other fields."""


def _same_lead(existing: LeadSubmission, payload: dict) -> LeadSubmission:
    """`existing` when `payload` repeats its lead (a form posted twice); raises LeadKeyReused when the key
    comes back with other fields, which would otherwise silently drop the new lead."""
    if {k: v for k, v in existing.payload.items() if k != "idempotency_key"} != {
        k: v for k, v in payload.items() if k != "idempotency_key"
    }:
        raise LeadKeyReused()
    return existing


def _validation_errors(error: ValidationError) -> list[dict[str, str]]:
    if hasattr(error, "error_dict"):
        return [{"field": field, "message": message} for field, msgs in error.message_dict.items() for message in msgs]
    return [{"field": "", "message": message} for message in error.messages]


@json_endpoint
def lead_intake(request: HttpRequest) -> JsonResponse:
    body = check_envelope(request, "application/json", scope="leads")
    campaign = authenticate_campaign(request.headers.get(API_KEY_HEADER, ""))
    if campaign is None:
        raise JsonError(401, f"Missing or unknown API key in the {API_KEY_HEADER} header.", API_KEY_HEADER)
    payload = load_json_object(body)
    fields = parse_lead(payload, campaign, request.headers.get(IDEMPOTENCY_HEADER, ""))
    try:
        submission, created = intake_lead(campaign, fields, payload)
    except LeadKeyReused:
        raise JsonError(
            409,
            "This idempotency key was already used for a lead with other fields; use a new key.",
            IDEMPOTENCY_HEADER,
        ) from None
    return JsonResponse(_lead_body(submission), status=201 if created else 200)
