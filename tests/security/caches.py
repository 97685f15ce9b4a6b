"""The page cache and page parts switched on, in memory or on a real Redis.

The test settings turn both caches off so feature tests see fresh pages; the cache
tests here turn them on and run once per backend: the per-process memory cache of the
demo and the Redis the production stack uses (`TEST_CACHE_REDIS_URL`, else db 12 of the
Redis on 127.0.0.1; skipped if none answers). The Redis database is emptied before and
after each test, so give these tests a database of their own (parallel workers each take
the next one: tests/support/workers.py).
"""

import os

import pytest
from django.core.cache import cache

from cms.settings.services import cache_config
from tests.support.workers import redis_url_for_this_worker

REDIS_FOR_TESTS = redis_url_for_this_worker(
    os.environ.get("TEST_CACHE_REDIS_URL", "redis://127.0.0.1:6379/12")
)


def redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except Exception:  # noqa: BLE001  (any failure means: no Redis for this test)
        return False


@pytest.fixture(
    params=[
        "memory",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(
                not redis_answers(REDIS_FOR_TESTS), reason=f"no Redis at {REDIS_FOR_TESTS}"
            ),
        ),
    ]
)
def caches_on(request, settings):
    """Page cache and page parts on (600 s, as in production), on the chosen backend."""
    if request.param == "redis":
        settings.CACHES = cache_config(REDIS_FOR_TESTS)
        settings.CACHES["default"]["KEY_PREFIX"] = "hub-security-caches"
    settings.PAGE_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600
    cache.clear()
    yield request.param
    cache.clear()
