"""A fixed-window request counter on Django's cache, per scope and client address.

With Redis as the cache (REDIS_URL set) every process shares the counts; with LocMem each process counts
on its own, so the effective limit is the limit times the number of processes.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# One redis client per Redis location and process: building one (as Django's cache does on every call)
# costs more than the round trip it makes.
_redis_clients: dict[str, redis.Redis] = {}
# The limiter's clock; tests that count many requests pin it, so that no window ends in the middle of a test.
clock = time.time


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
    now = clock() if now is None else now
    window = int(now // window_seconds)
    retry_after = max(1, math.ceil((window + 1) * window_seconds - now))
    # Hashed: a key must be short and free of spaces and control characters for every cache backend.
    digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}:{window}"
    try:
        count = _count(cache_key, window_seconds + 1)
    except Exception:
        logger.exception("rate limiter cache unavailable; letting the request through")
        return Verdict(True, 0, limit, retry_after)
    return Verdict(count <= limit, count, limit, retry_after)


def _count(cache_key: str, timeout: int) -> int:
    """Add one to the counter `cache_key` (created with `timeout` seconds to live) and return its count."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return _count_in_redis(backend, cache_key, timeout)
    if cache.add(cache_key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr: this hit opens a fresh window
        cache.set(cache_key, 1, timeout=timeout)
        return 1


def _first_server(location) -> str:
    """The server that takes the writes, as in Django's RedisCacheClient: the first of LOCATION (a list, or
    a string separated by ';' or ','). Our settings give the cache no OPTIONS, so a plain client matches."""
    servers = location if isinstance(location, list | tuple) else re.split("[;,]", location)
    return servers[0].strip()


def _count_in_redis(backend: RedisCache, cache_key: str, timeout: int) -> int:
    """One round trip where the cache API makes three (add, then exists and incr): SET NX with the expiry,
    then INCR, pipelined. The key is the one the cache API would use; Django stores integers as plain
    Redis integers, so both read the same counter."""
    location = _first_server(settings.CACHES["default"]["LOCATION"])
    client = _redis_clients.get(location)
    if client is None:
        client = _redis_clients[location] = redis.Redis.from_url(location)
    redis_key = backend.make_and_validate_key(cache_key)
    pipeline = client.pipeline(transaction=False)
    pipeline.set(redis_key, 0, ex=timeout, nx=True)
    pipeline.incr(redis_key)
    return pipeline.execute()[1]
