"""The rate limiter's counters: in Redis when REDIS_URL is set, keyed by a hash, never the address itself."""

import socket

import pytest


def test_rate_limit_counts_in_redis_when_redis_url_is_set(settings):
    from django.core.cache import caches

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379 (CI's machine has one)")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/15"}
    }
    settings.PLEDGE_RATE_LIMIT = 3
    from common import ratelimit

    caches["default"].clear()
    assert [ratelimit.hit("ip", "198.51.100.7") for _ in range(4)] == [True, True, True, False]
    assert ratelimit.hit("ip", "198.51.100.8") is True
    assert "198.51.100.7" not in str(caches["default"]._cache.get_client().keys("*"))  # hashed, never the address
    caches["default"].clear()
