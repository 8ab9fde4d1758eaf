"""Fixed-window counters in the cache (Redis when REDIS_URL is set): brakes on pledge starts, sign-in and password
resets; and remembered facts (an account's usual addresses). Keys are hashes: no raw emails or IPs in the cache."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]  # no raw emails or IPs in the cache
    return f"pledge-rate:{kind}:{digest}"


def _window() -> tuple[int, int]:
    """The current window's number and the seconds left in it: windows follow the clock, so all end together."""
    size = settings.PLEDGE_RATE_WINDOW_SECONDS
    now = int(time.time())
    return now // size, size - now % size


def hit(kind: str, value: str, *, limit: int | None = None) -> bool:
    """Count one attempt; False when this address or email has used up its allowance for the window."""
    number, left = _window()
    key = f"{_key(kind, value)}:{number}"
    allowance = settings.PLEDGE_RATE_LIMIT if limit is None else limit
    if cache.add(key, 1, timeout=left + 1):
        return allowance >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=left + 1)
        count = 1
    return count <= allowance


def retry_after() -> int:
    """Seconds until the current window ends, when every allowance starts again."""
    return _window()[1]


def peek(kind: str, value: str) -> int:
    """How many times this was counted in the current window, without counting."""
    number, _left = _window()
    return cache.get(f"{_key(kind, value)}:{number}", 0)


def remember(kind: str, value: str, *, seconds: int) -> None:
    """Remember a fact for a while (for example: this account signed in from this address)."""
    cache.set(_key(kind, value), 1, timeout=seconds)


def remembered(kind: str, value: str) -> bool:
    return bool(cache.get(_key(kind, value)))
