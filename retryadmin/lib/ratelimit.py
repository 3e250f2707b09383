"""A fixed-window request counter on Django's cache, per scope and client address.

With Redis as the cache (REDIS_URL set) every process shares the counts; with LocMem each process counts
on its own, so the effective limit is the limit times the number of processes.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """The counter after one hit: `allowed` is False once `count` passes the limit; `retry_after` is the
    number of whole seconds until the window resets."""

    allowed: bool
    count: int
    limit: int
    retry_after: int


def hit(scope: str, key: str, *, limit: int, window_seconds: int = 60, now: float | None = None) -> Verdict:
    """Count one request for (scope, key) in the current window and say whether it is within `limit`.

    A cache that is down lets the request through (logged): losing a provider's callback costs more than
    letting a burst past the limiter.
    """
    now = time.time() if now is None else now
    window = int(now // window_seconds)
    retry_after = max(1, math.ceil((window + 1) * window_seconds - now))
    # Hashed: a key must be short and free of spaces and control characters for every cache backend.
    digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}:{window}"
    try:
        if cache.add(cache_key, 1, timeout=window_seconds + 1):
            count = 1
        else:
            try:
                count = cache.incr(cache_key)
            except ValueError:  # expired between add and incr: this hit opens a fresh window
                cache.set(cache_key, 1, timeout=window_seconds + 1)
                count = 1
    except Exception:
        logger.exception("rate limiter cache unavailable; letting the request through")
        return Verdict(True, 0, limit, retry_after)
    return Verdict(count <= limit, count, limit, retry_after)


def client_address(request) -> str | None:
    """The client's IP address: REMOTE_ADDR, or with WEBHOOK_NUM_PROXIES = n trusted proxies in front, the
    n-th entry from the right of X-Forwarded-For (the ones left of it are the client's to forge).

    Returns None when the address is missing or not an IP address.
    """
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = settings.WEBHOOK_NUM_PROXIES
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
