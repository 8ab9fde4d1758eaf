"""Fixed-window counters in the cache (Redis when REDIS_URL is set): brakes on pledge starts, sign-in and password
resets; and remembered facts (an account's usual addresses). Keys are hashes: no raw emails or IPs in the cache.

When the cache cannot be reached (Redis down), the brakes fail closed: `hit` answers False, so nothing they guard
(a pledge, a sign-in, a reset email) goes ahead unbraked; `reachable()` tells a view which refusal it is. What only
reads (`peek`, `remembered`) fails open, and pages that use no brake are served as ever (common.pagecache).
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache

from common.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)


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
    try:
        if cache.add(key, 1, timeout=left + 1):
            return allowance >= 1
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=left + 1)
            count = 1
    except CACHE_ERRORS as exc:
        logger.warning("rate limit %s: the cache is unreachable (%s); refused", kind, type(exc).__name__)
        return False  # fail closed: no brake, no attempt
    return count <= allowance


def reachable() -> bool:
    """Whether the cache that holds the counters answers (a refusal by `hit` may mean it does not)."""
    try:
        cache.get("pledge-rate:ping")
    except CACHE_ERRORS:
        return False
    return True


def retry_after() -> int:
    """Seconds until the current window ends, when every allowance starts again."""
    return _window()[1]


def peek(kind: str, value: str) -> int:
    """How many times this was counted in the current window, without counting."""
    number, _left = _window()
    try:
        return cache.get(f"{_key(kind, value)}:{number}", 0)
    except CACHE_ERRORS:
        return 0  # fail open: a read


def remember(kind: str, value: str, *, seconds: int) -> None:
    """Remember a fact for a while (for example: this account signed in from this address)."""
    try:
        cache.set(_key(kind, value), 1, timeout=seconds)
    except CACHE_ERRORS:
        logger.warning("rate limit %s: the cache is unreachable; not remembered", kind)


def remembered(kind: str, value: str) -> bool:
    try:
        return bool(cache.get(_key(kind, value)))
    except CACHE_ERRORS:
        return False
