"""Fixed-window counters in the cache (Redis when REDIS_URL is set): a card-testing brake on pledge starts."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]  # no raw emails or IPs in the cache
    return f"pledge-rate:{kind}:{digest}"


def hit(kind: str, value: str, *, limit: int | None = None) -> bool:
    """Count one attempt; False when this address or email has used up its allowance for the window."""
    key = _key(kind, value)
    window = settings.PLEDGE_RATE_WINDOW_SECONDS
    if cache.add(key, 1, timeout=window):
        return (settings.PLEDGE_RATE_LIMIT if limit is None else limit) >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= (settings.PLEDGE_RATE_LIMIT if limit is None else limit)
