"""The count caches are keyed by campaign id, and ids come round again in the next test: every test here
starts and ends with an empty cache."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def large_from(monkeypatch):
    """large_from(n): campaigns with n contacts (or n earlier attempts) or more count as large, and are cached."""
    from campaigns.queries import counts

    def _set(n: int) -> None:
        monkeypatch.setattr(counts, "COUNTS_CACHE_MIN_ROWS", n)

    return _set
