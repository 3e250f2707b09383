"""`POST /api/dnc/`: a campaign's system puts one number on the campaign's do-not-call list (rule 8).

Authentication is the campaign's lead API key in the `X-Api-Key` header, as for leads. The body is a JSON
object: `phone` (required), `reason`, `expires_on` (YYYY-MM-DD). 201 with the entry when the number was
added, 200 with the existing entry when it was already listed; 4xx naming the field otherwise.
"""

from __future__ import annotations

from datetime import date

import pydantic
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse

from campaigns.api.leads import API_KEY_HEADER, authenticate_campaign
from campaigns.models import DoNotCallEntry
from campaigns.services import do_not_call
from retryadmin.lib.jsonapi import JsonError, JsonInvalid, check_body, check_envelope, json_endpoint, load_json_object

INVALID_ENTRY = "The entry has invalid fields."
FIELD_MESSAGES = {
    "phone": "Give the phone number in E.164 form, e.g. +442079460000.",
    "reason": "Must be a string.",
    "expires_on": "Give a date as YYYY-MM-DD.",
}


class EntryBody(pydantic.BaseModel):
    """A number to list, as posted; every bad field is reported at once."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True)

    phone: str
    reason: str = ""
    expires_on: str | None = None

    @pydantic.field_validator("expires_on")
    @classmethod
    def _a_date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ValueError("not a date") from None
        return value


def _entry_body(entry: DoNotCallEntry) -> dict:
    return {
        "phone": entry.phone,
        "list": "campaign",
        "source": entry.source,
        "reason": entry.reason,
        "added_at": entry.added_at.isoformat(),
        "expires_on": entry.expires_on.isoformat() if entry.expires_on else None,
    }


@json_endpoint
def add_do_not_call(request: HttpRequest) -> JsonResponse:
    body = check_envelope(request, "application/json", scope="dnc")
    campaign = authenticate_campaign(request.headers.get(API_KEY_HEADER, ""))
    if campaign is None:
        raise JsonError(401, f"Missing or unknown API key in the {API_KEY_HEADER} header.", API_KEY_HEADER)
    fields = check_body(EntryBody, load_json_object(body), messages=FIELD_MESSAGES, title=INVALID_ENTRY)
    try:
        entry, created = do_not_call.add_number(
            do_not_call.campaign_list(campaign),
            fields.phone,
            source=DoNotCallEntry.Source.API,
            reason=fields.reason,
            expires_on=date.fromisoformat(fields.expires_on) if fields.expires_on else None,
        )
    except ValidationError as error:
        errors = [{"field": f, "message": m} for f, messages in error.message_dict.items() for m in messages]
        raise JsonInvalid(errors, INVALID_ENTRY) from None
    return JsonResponse(_entry_body(entry), status=201 if created else 200)
