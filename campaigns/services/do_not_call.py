"""Rule 8, do-not-call lists: the one place that says whether a number is listed for a campaign, and the
ways a single number is added or removed.

A campaign's numbers are checked against the organisation's list and the campaign's own; an entry whose
expiry date has passed lists nothing. Every door (contact import, lead intake, manual redials, allocation,
the out-of-hours queue and the re-check at dispatch) asks `is_listed`, `listed_entry`, `listed_phones` or
`listed_contact_ids`, which all read one filter (`entries_for`; written out once in SQL for dispatch).
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from campaigns.models import Campaign, Contact, DoNotCallEntry, DoNotCallList, DoNotCallRemoval, RedialRequest
from retryadmin.lib.phones import check_phone

# The close reason of a request and the status reason of a contact stopped by a listed number.
REASON_DO_NOT_CALL = "do_not_call"

# The agent's call result that puts the number on the campaign's list (strategies/catalog/call_results.csv).
CALL_RESULT_CODE = "do_not_call"

# Requests a new listing cancels at once; a `dialing` one is already in a call (or an agent's hands).
CANCELLABLE_REQUEST_STATUSES = (RedialRequest.SCHEDULED, RedialRequest.CLAIMED, RedialRequest.READY)

# Contacts a new listing closes at once (do_not_call); one in a call or wrap-up is closed when it ends.
STOPPABLE_CONTACT_STATUSES = (Contact.PENDING, Contact.SCHEDULED, Contact.IDLE)

REASON_MAX = DoNotCallEntry._meta.get_field("reason").max_length

_E164 = re.compile(r"\+[1-9]\d{6,14}")


def check_number(raw: str) -> tuple[str | None, str | None]:
    """(E.164 number, None) or (None, a message naming what is wrong), by the project's one phone rule.

    A number already written in E.164 is judged by `_fast_is_valid` (phonenumbers' own validity test
    on its own metadata, without its parser: a tenth of the cost); anything else goes through the rule."""
    text = (raw or "").strip()
    if _E164.fullmatch(text):
        valid = _fast_is_valid(text[1:])
        if valid is not None:
            return (text, None) if valid else (None, f"'{text}' is not a valid phone number.")
    return check_phone(text)


# The number types phonenumbers.is_valid_number accepts; the common ones first, as any one will do.
_TYPE_DESCS = (
    "mobile",
    "fixed_line",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


def _desc_matcher(desc):
    """(possible lengths, pattern text) of a phonenumbers number description; None when it has none."""
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length or ()), desc.national_number_pattern


# National significant numbers are at most 17 digits (phonenumbers' _MAX_LENGTH_FOR_NSN).
_MAX_NATIONAL_LENGTH = 17


def _region_test(metadata):
    """A function national -> bool that is phonenumbers' _number_type_helper(national, metadata) != UNKNOWN:
    the general description matches (length and pattern) and so does some type's. The types' patterns are
    joined per length into one alternation, so a number costs two regular-expression matches."""
    general = _desc_matcher(metadata.general_desc)
    types = [m for m in (_desc_matcher(getattr(metadata, name)) for name in _TYPE_DESCS) if m]
    if general is None or not types:
        return lambda national: False
    general_lengths, general_pattern = general[0], re.compile(general[1])
    by_length = {}
    for length in range(1, _MAX_NATIONAL_LENGTH + 1):
        patterns = [pattern for lengths, pattern in types if not lengths or length in lengths]
        if patterns and (not general_lengths or length in general_lengths):
            by_length[length] = re.compile("|".join(f"(?:{pattern})" for pattern in patterns))

    def has_type(national: str) -> bool:
        typed = by_length.get(len(national))
        return (
            typed is not None
            and general_pattern.fullmatch(national) is not None
            and typed.fullmatch(national) is not None
        )

    return has_type


@functools.cache
def _region_matchers(country_code: int) -> tuple | None:
    """(per region of the country code, in phonenumbers' order: (leading digits pattern, validity test);
    the regions' national prefixes). None for codes the fast path leaves to the parser (non-geographic)."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions or phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY in regions:
        return None
    matchers, prefixes = [], []
    for region in regions:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
        if metadata is None:
            continue
        leading = re.compile(metadata.leading_digits) if metadata.leading_digits is not None else None
        matchers.append((leading, _region_test(metadata)))
        prefix = metadata.national_prefix_for_parsing or metadata.national_prefix
        if prefix and prefix not in prefixes:
            prefixes.append(prefix)
    return tuple(matchers), tuple(re.compile(prefix) for prefix in prefixes)


_COUNTRY_CODES = {str(code): code for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE}


def _fast_is_valid(digits: str) -> bool | None:
    """phonenumbers.is_valid_number for "+<digits>", or None when the parser must decide (a national
    number with a leading zero or a national prefix, a non-geographic code). Region choice as
    phonenumbers' (leading digits, else the first region where the number has a type), then that
    region's validity test."""
    for length in (1, 2, 3):
        country_code = _COUNTRY_CODES.get(digits[:length])
        if country_code is not None:
            break
    else:
        return False
    national = digits[length:]
    if not national or national[0] == "0":
        return None
    regions = _region_matchers(country_code)
    if regions is None:
        return None
    matchers, prefixes = regions
    # The parser strips a national prefix it finds after the country code ("+7 8..."): its business.
    for prefix in prefixes:
        if prefix.match(national):
            return None
    for leading, has_type in matchers:
        if leading is not None:
            if leading.match(national):
                return has_type(national)
        elif has_type(national):
            return True
    return False


def organisation_list() -> DoNotCallList:
    """The organisation's list, made on first use."""
    found = DoNotCallList.objects.filter(campaign__isnull=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return DoNotCallList.objects.create(campaign=None)
    except IntegrityError:
        return DoNotCallList.objects.get(campaign__isnull=True)


def campaign_list(campaign: Campaign) -> DoNotCallList:
    """The campaign's own list, made on first use."""
    found, _ = DoNotCallList.objects.get_or_create(campaign=campaign)
    return found


def _effective(today: date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(expires_on__isnull=True) | Q(expires_on__gte=today)


def _for_campaign(campaign_id) -> Q:
    """Entries of the organisation list or the campaign's (campaign_id may be an OuterRef)."""
    return Q(list__campaign__isnull=True) | Q(list__campaign_id=campaign_id)


def entries_for(campaign_id: int, today: date | None = None) -> QuerySet[DoNotCallEntry]:
    """The entries in force for a campaign's numbers: its own list's and the organisation's."""
    return DoNotCallEntry.objects.filter(_for_campaign(campaign_id), _effective(today))


def listed_entry(campaign_id: int, phone: str, today: date | None = None) -> DoNotCallEntry | None:
    """The entry that lists `phone` for the campaign (its own list's first), or None when it is not listed."""
    return (
        entries_for(campaign_id, today)
        .filter(phone=phone)
        .select_related("list", "added_by")
        .order_by("list__campaign_id")
        .first()
    )


def is_listed(campaign_id: int, phone: str, today: date | None = None) -> bool:
    """Rule 8: True when `phone` (E.164) may not be dialled for the campaign."""
    return entries_for(campaign_id, today).filter(phone=phone).exists()


def listed_phones(campaign_id: int, phones, today: date | None = None) -> set[str]:
    """Which of `phones` are listed for the campaign (one query)."""
    phones = list(phones)
    if not phones:
        return set()
    return set(entries_for(campaign_id, today).filter(phone__in=phones).values_list("phone", flat=True))


def listed_subquery(phone_ref: str, campaign_ref: str, today: date | None = None) -> Exists:
    """EXISTS(an entry in force lists the row's number for the row's campaign), for filters and annotations."""
    return Exists(
        DoNotCallEntry.objects.filter(
            _for_campaign(OuterRef(campaign_ref)), _effective(today), phone=OuterRef(phone_ref)
        )
    )


def listed_sql(phone: str, campaign_id: str) -> str:
    """entries_for()'s filter written out in SQL for PostgreSQL statements that check a batch at once (the
    dispatch claim, listed_contact_ids): EXISTS(an entry in force lists the number `phone` for the campaign
    `campaign_id`), both SQL expressions of the caller's query; the date is the parameter %(today)s."""
    entries, lists = DoNotCallEntry._meta.db_table, DoNotCallList._meta.db_table
    return f"""EXISTS (
    SELECT 1 FROM {entries} e JOIN {lists} l ON l.id = e.list_id
    WHERE e.phone = {phone} AND (l.campaign_id IS NULL OR l.campaign_id = {campaign_id})
      AND (e.expires_on IS NULL OR e.expires_on >= %(today)s)
)"""  # noqa: S608


# The ids as one array parameter: a 500-id IN list costs more to parse and plan than the lookups themselves.
_PG_LISTED_CONTACTS = f"""
SELECT c.id FROM {Contact._meta.db_table} c
WHERE c.id = ANY(%(ids)s) AND {listed_sql("c.phone", "c.campaign_id")}
"""  # noqa: S608


def listed_contact_ids(contact_ids, today: date | None = None) -> set[int]:
    """The contacts among `contact_ids` whose number is listed for their own campaign: one query."""
    contact_ids = list(contact_ids)
    if not contact_ids:
        return set()
    today = today or timezone.localdate()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_PG_LISTED_CONTACTS, {"ids": contact_ids, "today": today})
            return {row[0] for row in cursor.fetchall()}
    return set(
        Contact.objects.filter(id__in=contact_ids)
        .filter(listed_subquery("phone", "campaign_id", today))
        .order_by()
        .values_list("id", flat=True)
    )


def refusal(entry: DoNotCallEntry) -> str:
    """Why a listed number is not called, for a person reading it."""
    where = (
        "the organisation's do-not-call list" if entry.list.campaign_id is None else "the campaign's do-not-call list"
    )
    text = f"{entry.phone} is on {where} ({entry.get_source_display().lower()}"
    if entry.reason:
        text += f": {entry.reason}"
    return text + ")."


def _lists_reaching(do_not_call_list: DoNotCallList) -> Q:
    return Q() if do_not_call_list.campaign_id is None else Q(campaign_id=do_not_call_list.campaign_id)


def stop_claimed(request_ids, contact_ids, now: datetime) -> int:
    """Rule 8 at dispatch: cancel requests a dispatcher holds (claimed or dialing) whose number it found
    listed, with reason do_not_call, taking back the dispatch attempt their claim counted, and close their
    contacts (do_not_call) so none sits "scheduled" with nothing to call it. Returns how many were cancelled."""
    cancelled = RedialRequest.objects.filter(id__in=list(request_ids)).close(
        RedialRequest.CANCELLED, REASON_DO_NOT_CALL, now, unclaim=True, undo_dispatch=True
    )
    Contact.objects.filter(id__in=list(contact_ids), status__in=STOPPABLE_CONTACT_STATUSES).update(
        status=Contact.DO_NOT_CALL, status_reason=REASON_DO_NOT_CALL, updated_at=now
    )
    return cancelled


def stop_listed_contacts(do_not_call_list: DoNotCallList, phones, now: datetime | None = None) -> int:
    """Close the open contacts with one of `phones` (a number or a list of them) in the campaigns the list
    covers (do_not_call) and cancel their requests that are not yet in a call, with reason do_not_call.
    Two queries whatever the number of phones. Returns how many requests were cancelled."""
    now = now or timezone.now()
    phones = [phones] if isinstance(phones, str) else list(phones)
    if not phones:
        return 0
    reach = _lists_reaching(do_not_call_list)
    cancelled = RedialRequest.objects.filter(
        reach, contact__phone__in=phones, status__in=CANCELLABLE_REQUEST_STATUSES
    ).update(
        status=RedialRequest.CANCELLED,
        close_reason=REASON_DO_NOT_CALL,
        closed_at=now,
        claim_token=None,
        lease_expires_at=None,
        updated_at=now,
    )
    Contact.objects.filter(reach, phone__in=phones, status__in=STOPPABLE_CONTACT_STATUSES).update(
        status=Contact.DO_NOT_CALL, status_reason=REASON_DO_NOT_CALL, updated_at=now
    )
    return cancelled


def stop_all_listed(do_not_call_list: DoNotCallList, now: datetime | None = None) -> int:
    """stop_listed_contacts for every number on the list, set-based (after an import): two statements.
    Returns how many requests were cancelled."""
    now = now or timezone.now()
    reach = _lists_reaching(do_not_call_list)
    on_list = DoNotCallEntry.objects.filter(_effective(), list=do_not_call_list)
    cancelled = (
        RedialRequest.objects.filter(reach, status__in=CANCELLABLE_REQUEST_STATUSES)
        .filter(Exists(on_list.filter(phone=OuterRef("contact__phone"))))
        .update(
            status=RedialRequest.CANCELLED,
            close_reason=REASON_DO_NOT_CALL,
            closed_at=now,
            claim_token=None,
            lease_expires_at=None,
            updated_at=now,
        )
    )
    Contact.objects.filter(reach, status__in=STOPPABLE_CONTACT_STATUSES).filter(
        Exists(on_list.filter(phone=OuterRef("phone")))
    ).update(status=Contact.DO_NOT_CALL, status_reason=REASON_DO_NOT_CALL, updated_at=now)
    return cancelled


def add_number(
    do_not_call_list: DoNotCallList,
    raw_phone: str,
    *,
    source: str,
    by=None,
    reason: str = "",
    expires_on: date | None = None,
    now: datetime | None = None,
    stored_phone: bool = False,
) -> tuple[DoNotCallEntry, bool]:
    """Put one number on the list: (entry, True), or (the entry already there, False) leaving it as it was.
    Its open contacts in the campaigns the list covers stop at once. `stored_phone`: the number is a
    contact's, stored in E.164 already, and listed as it is (a contact that may not be called must never
    fail to be listed). Raises ValidationError naming the field: phone, reason, expires_on or source."""
    now = now or timezone.now()
    if stored_phone:
        phone, message = raw_phone, None
    else:
        phone, message = check_number(raw_phone if isinstance(raw_phone, str) else "")
    errors = {}
    if message:
        errors["phone"] = [message]
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        errors["reason"] = [f"The reason has {len(reason)} characters; at most {REASON_MAX} fit."]
    if expires_on is not None and expires_on < timezone.localdate(now):
        errors["expires_on"] = ["The expiry date is in the past."]
    if source not in DoNotCallEntry.Source.values:
        errors["source"] = [f"'{source}' is not a do-not-call source."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry, created = DoNotCallEntry.objects.get_or_create(
            list=do_not_call_list,
            phone=phone,
            defaults={"source": source, "reason": reason, "added_by": by, "added_at": now, "expires_on": expires_on},
        )
        stop_listed_contacts(do_not_call_list, phone, now)
    return entry, created


def remove_number(entry: DoNotCallEntry, *, by, why: str, now: datetime | None = None) -> DoNotCallRemoval:
    """Take the entry off its list, recording who, when and why. Raises ValidationError on `why` when it is
    empty or too long. Contacts it closed stay closed: a removal allows new calls, it reopens nothing."""
    why = (why or "").strip()
    if not why:
        raise ValidationError({"why": ["Say why the number comes off the list."]})
    if len(why) > REASON_MAX:
        raise ValidationError({"why": [f"At most {REASON_MAX} characters."]})
    now = now or timezone.now()
    with transaction.atomic():
        removal = DoNotCallRemoval.objects.create(
            list_id=entry.list_id,
            phone=entry.phone,
            source=entry.source,
            reason=entry.reason,
            added_at=entry.added_at,
            removed_by=by,
            removed_at=now,
            why=why,
        )
        DoNotCallEntry.objects.filter(pk=entry.pk).delete()
    return removal
