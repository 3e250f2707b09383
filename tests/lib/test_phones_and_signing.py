"""retryadmin.lib: the one phone rule and the one body signature (no database)."""

import pytest

from retryadmin.lib.phones import check_phone, to_e164
from retryadmin.lib.signing import body_signature, signature_matches


@pytest.mark.parametrize(
    "raw",
    [
        "+44 20 7946 0000",
        "0044 20 7946 0000",
        "00442079460000",
        "+44 (0)20 7946 0000",
        "+44.20.7946.0000",
        "+44-20-7946-0000",
    ],
)
def test_a_00_prefix_and_separators_give_the_same_e164(raw):
    assert to_e164(raw) == "+442079460000"
    assert check_phone(raw) == ("+442079460000", None)


def test_a_number_without_country_code_is_refused_by_name():
    assert to_e164("020 7946 0000") is None
    number, message = check_phone("020 7946 0000")
    assert number is None and "has no country code" in message


def test_a_well_formed_but_unassigned_number_parses_yet_is_not_valid():
    assert to_e164("+44770") == "+44770"
    assert check_phone("+44770") == (None, "'+44770' is not a valid phone number.")
    assert check_phone("+44abc") == (None, "'+44abc' is not a phone number.")
    assert check_phone("  ") == (None, "The phone number is missing.")


def test_a_signature_matches_its_body_and_secret_only():
    signature = body_signature(b'{"a":1}', "s3cret")
    assert signature.startswith("sha256=") and len(signature) == len("sha256=") + 64
    assert signature_matches(b'{"a":1}', signature.upper() + " ", "s3cret")
    assert not signature_matches(b'{"a":2}', signature, "s3cret")
    assert not signature_matches(b'{"a":1}', signature, "other")
    assert not signature_matches(b'{"a":1}', "sha256=\u00e9", "s3cret")
