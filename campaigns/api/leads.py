"""Lead intake: `POST /api/leads/` turns a web-form lead into a contact called back at once.

A lead that arrives out of hours joins the out-of-hours queue of its campaign (queue_services.queue_lead):
the k-th lead queued for an opening is due at opening + opening delay + (k - 1) x spacing.

Authentication is the campaign's lead API key in the `X-Api-Key` header. The client's
`Idempotency-Key` header (or `idempotency_key` in the body) makes a form that posts twice one lead.
"""

from __future__ import annotations

import hmac

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import DisallowedHost, SuspiciousOperation, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from campaigns.models import Campaign, Contact, LeadSubmission, validate_zone
from campaigns.services import contacts as contact_services
from campaigns.services import queue as queue_services
from campaigns.telephony.errors import WebhookError
from campaigns.telephony.parsing import load_json_object
from campaigns.telephony.views import check_envelope

API_KEY_HEADER = "X-Api-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"
ALLOWED_FIELDS = {"campaign", "name", "phone", "zone", "custom_fields", "idempotency_key", "remarks"}
MAX_KEY_LENGTH = LeadSubmission._meta.get_field("idempotency_key").max_length


class LeadInvalid(Exception):
    """The lead's fields are wrong: `errors` is a list of {"field", "message"}."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__("invalid lead")
        self.errors = errors


def authenticate_campaign(api_key: str) -> Campaign | None:
    """The campaign whose lead API key is `api_key` (compared in constant time); None when none is."""
    if not api_key:
        return None
    for campaign in Campaign.objects.exclude(lead_api_key="").filter(lead_api_key=api_key):
        if hmac.compare_digest(campaign.lead_api_key, api_key):
            return campaign
    return None


def parse_lead(payload, campaign: Campaign, header_key: str) -> dict:
    """The lead's cleaned fields; raises LeadInvalid listing every bad field at once."""
    if not isinstance(payload, dict):
        raise LeadInvalid([{"field": "", "message": "The body must be a JSON object."}])
    errors = []
    for unknown in sorted(set(payload) - ALLOWED_FIELDS):
        errors.append({"field": unknown, "message": f"Unknown field; allowed: {', '.join(sorted(ALLOWED_FIELDS))}."})
    given_campaign = payload.get("campaign")
    if given_campaign is not None and str(given_campaign) not in (str(campaign.pk), campaign.name):
        errors.append({"field": "campaign", "message": "The API key belongs to another campaign."})
    phone = payload.get("phone")
    if not isinstance(phone, str) or not phone.strip():
        errors.append({"field": "phone", "message": "Give the phone number in E.164 form, e.g. +442079460000."})
    for field in ("name", "zone", "remarks"):
        if payload.get(field) is not None and not isinstance(payload.get(field), str):
            errors.append({"field": field, "message": "Must be a string."})
    zone = payload.get("zone") or ""
    if isinstance(zone, str) and zone:
        try:
            validate_zone(zone)
        except ValidationError as error:
            errors.append({"field": "zone", "message": " ".join(error.messages)})
    custom_fields = payload.get("custom_fields", {})
    if not isinstance(custom_fields, dict):
        errors.append({"field": "custom_fields", "message": "Must be a JSON object of names to values."})
    key = header_key or payload.get("idempotency_key") or ""
    if not isinstance(key, str) or not key.strip():
        errors.append(
            {"field": "idempotency_key", "message": f"Give a unique key per lead in the {IDEMPOTENCY_HEADER} header."}
        )
    elif len(key) > MAX_KEY_LENGTH:
        errors.append({"field": "idempotency_key", "message": f"At most {MAX_KEY_LENGTH} characters."})
    if errors:
        raise LeadInvalid(errors)
    return {
        "phone": phone.strip(),
        "name": (payload.get("name") or "").strip(),
        "zone": zone,
        "custom_fields": custom_fields,
        "remarks": (payload.get("remarks") or "").strip(),
        "idempotency_key": key.strip(),
    }


def _lead_body(submission: LeadSubmission) -> dict:
    request = submission.redial_request
    return {
        "lead": submission.idempotency_key,
        "contact_id": submission.contact_id,
        "redial_request_id": request.pk if request else None,
        "due_at": request.due_at.isoformat() if request else None,
        "explanation": request.explanation if request else "",
    }


def intake_lead(campaign: Campaign, fields: dict, payload: dict) -> tuple[LeadSubmission, bool]:
    """Record one lead: (submission, True) for a new one, (the earlier submission, False) for a repeat
    of its idempotency key. Raises LeadInvalid for a field the services refuse, LeadKeyReused for a key
    that comes back with other fields.

    Concurrent posts race twice: for the key (the same lead sent again at once) and for the contact (two
    leads for one new phone). The loser of either race finds the winner's row on its second pass: the
    earlier lead for its key, or the contact to queue its own lead for.
    """
    phone = contact_services.normalise_phone(fields["phone"])
    for last_pass in (False, True):
        existing = LeadSubmission.objects.filter(campaign=campaign, idempotency_key=fields["idempotency_key"]).first()
        if existing is not None:
            return _same_lead(existing, payload), False
        try:
            with transaction.atomic():
                contact = Contact.objects.filter(campaign=campaign, phone=phone).first()
                if contact is None:
                    contact = contact_services.create_contact(
                        campaign=campaign,
                        phone=fields["phone"],
                        name=fields["name"],
                        zone=fields["zone"],
                        custom_fields=fields["custom_fields"],
                    )
                request = queue_services.queue_lead(campaign=campaign, contact=contact, remarks=fields["remarks"])
                submission = LeadSubmission.objects.create(
                    campaign=campaign,
                    idempotency_key=fields["idempotency_key"],
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
                raise LeadInvalid(_validation_errors(error)) from None
    raise AssertionError("unreachable: the last pass returns or raises")


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


@csrf_exempt
@login_not_required
def lead_intake(request: HttpRequest) -> JsonResponse:
    try:
        body = check_envelope(request, "application/json", scope="leads")
        campaign = authenticate_campaign(request.headers.get(API_KEY_HEADER, ""))
        if campaign is None:
            raise WebhookError(401, f"Missing or unknown API key in the {API_KEY_HEADER} header.", API_KEY_HEADER)
        payload = load_json_object(body)
        fields = parse_lead(payload, campaign, request.headers.get(IDEMPOTENCY_HEADER, ""))
        submission, created = intake_lead(campaign, fields, payload)
    except WebhookError as error:
        return error.response()
    except DisallowedHost:
        return WebhookError(400, "The Host header is not one this site serves.", "Host").response()
    except SuspiciousOperation as error:
        return WebhookError(400, f"The request is malformed: {error}", "").response()
    except LeadInvalid as invalid:
        return JsonResponse({"error": "The lead has invalid fields.", "errors": invalid.errors}, status=400)
    except LeadKeyReused:
        return WebhookError(
            409,
            "This idempotency key was already used for a lead with other fields; use a new key.",
            IDEMPOTENCY_HEADER,
        ).response()
    return JsonResponse(_lead_body(submission), status=201 if created else 200)
