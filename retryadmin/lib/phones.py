"""Phone numbers: one rule, phonenumbers', for every way a number comes in (forms, leads, CSV imports).

A number is international: "+<country code>..." or "00<country code>..." (00 is the international call
prefix, read as phonenumbers reads it for the regions that dial abroad with 00). Spaces, dots, dashes
and brackets are written as people write them; phonenumbers reads them, a trunk "(0)" included.
"""

from __future__ import annotations

import phonenumbers

INTERNATIONAL_PREFIX = "00"


def _international(text: str) -> str:
    return "+" + text[len(INTERNATIONAL_PREFIX) :] if text.startswith(INTERNATIONAL_PREFIX) else text


def to_e164(raw: str) -> str | None:
    """`raw` in E.164 form ("+442079460000"); None when it has no country code or is not a number at all.

    It does not say the number exists: `check_phone` (and the model's validate_e164) judge that."""
    text = _international((raw or "").strip())
    if not text.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_phone(raw: str) -> tuple[str | None, str | None]:
    """(E.164 number, None) for a valid international number, or (None, a message naming what is wrong)."""
    text = (raw or "").strip()
    if not text:
        return None, "The phone number is missing."
    if not _international(text).startswith("+"):
        return None, f"'{text}' has no country code: write it as +<country code><number>, e.g. +442079460000."
    e164 = to_e164(text)
    if e164 is None:
        return None, f"'{text}' is not a phone number."
    if not phonenumbers.is_valid_number(phonenumbers.parse(e164, None)):
        return None, f"'{text}' is not a valid phone number."
    return e164, None
