"""The fixed-window counter: the same counts on LocMem and on Redis, where one hit is one round trip."""

import pytest
from django.conf import settings as django_settings

from retryadmin.lib import ratelimit

NOW = 1_800_000_010.0  # 10 s into a minute window


def _hits(count: int, **options) -> list[ratelimit.Verdict]:
    return [ratelimit.hit("test-scope", "10.0.0.1", limit=3, now=NOW, **options) for _ in range(count)]


@pytest.fixture
def locmem(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "test-ratelimit",
        }
    }
    from django.core.cache import cache

    # No clear(): that would flush the whole Redis database, which other runs may share.
    cache.delete(_counter_key(int(NOW // 60)))
    yield cache
    cache.delete(_counter_key(int(NOW // 60)))


def test_counts_past_the_limit_are_refused_until_the_window_ends(locmem):
    verdicts = _hits(5)
    assert [v.count for v in verdicts] == [1, 2, 3, 4, 5]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert verdicts[-1].retry_after == 50
    assert ratelimit.hit("test-scope", "10.0.0.1", limit=3, now=NOW + 60).count == 1


def test_a_cache_that_is_down_lets_the_request_through(locmem, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(ratelimit, "_count", down)
    verdict = ratelimit.hit("test-scope", "10.0.0.1", limit=3, now=NOW)
    assert verdict.allowed and verdict.count == 0


@pytest.mark.redis
def test_on_redis_one_hit_is_one_round_trip_on_the_counter_the_cache_api_reads(redis_cache, monkeypatch):
    import redis

    round_trips = []
    execute = redis.client.Pipeline.execute

    def counted(self, *args, **kwargs):
        round_trips.append(len(self.command_stack))
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counted)
    verdicts = _hits(4)
    assert [v.count for v in verdicts] == [1, 2, 3, 4] and not verdicts[-1].allowed
    assert round_trips == [2, 2, 2, 2]  # SET NX EX and INCR, pipelined: one round trip per hit
    key = _counter_key(int(NOW // 60))
    assert redis_cache.get(key) == 4
    client = ratelimit._redis_clients[django_settings.CACHES["default"]["LOCATION"]]
    assert 0 < client.ttl(redis_cache.make_key(key)) <= 61


def _counter_key(window: int) -> str:
    import hashlib

    return f"ratelimit:test-scope:{hashlib.sha256(b'10.0.0.1').hexdigest()[:32]}:{window}"
