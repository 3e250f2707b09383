"""HMAC-SHA256 body signatures ("sha256=<hex>"): what we send to dialers and what SIP/Ozonetel send us."""

from __future__ import annotations

import hashlib
import hmac


def body_signature(body: bytes, secret: str) -> str:
    """The signature header value for `body`: "sha256=<hex HMAC-SHA256 with secret>"."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, given: str, secret: str) -> bool:
    """Whether header value `given` signs `body` with `secret` (compared in constant time; case and
    surrounding spaces of `given` do not matter)."""
    expected = body_signature(body, secret).encode("ascii")
    return hmac.compare_digest(expected, given.strip().lower().encode("utf-8", "replace"))
