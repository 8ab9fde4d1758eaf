"""Whole-page cache for anonymous visitors of public pages, keyed by language and a version bumped on every write.

A public page (a view marked `@public_page`) is the same for every anonymous visitor in a language, so its body is
kept in the cache (Redis when REDIS_URL is set) and served without running the view. Everything else about the
response (security headers, the Content-Security-Policy) is still added per request by the other middleware.

What is never cached: a visitor with a session or messages (a donor back from Checkout, anyone signed in), any
method but GET/HEAD, any answer but 200, and any response that set a cookie or used a CSRF token (a page that
needs one is per visitor; the public pages carry none). Writes that change what the pages show bump the version
(`public_pages_changed`), so the next request renders afresh; old entries simply expire.

When the cache cannot be reached (Redis down) the pages are rendered for every request, as if nothing were cached.
"""

import contextlib
import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import get_language

from common.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)
VERSION_KEY = "public-pages:version"
TIMEOUT_SECONDS = 600


def public_page(view: Callable) -> Callable:
    """Mark a view whose page is the same for every anonymous visitor in a language."""
    view.public_page = True
    return view


def _bump() -> None:
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no version yet (or evicted): any new value invalidates what was cached
            cache.set(VERSION_KEY, 1, timeout=None)
    except CACHE_ERRORS as exc:  # the write itself goes on; what was cached expires within TIMEOUT_SECONDS
        logger.warning("page cache: version not bumped, the cache is unreachable (%s)", type(exc).__name__)


def public_pages_changed(**_signal_arguments) -> None:
    """What the public pages show has changed: every cached page is stale from now on.

    Bumped at once and again when the transaction commits, so a page rendered from the old rows by another
    request between the two is not served after the commit.
    """
    _bump()
    transaction.on_commit(_bump)


def _key(request: HttpRequest) -> str:
    version = cache.get(VERSION_KEY, 0)
    page = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    mode = "test" if settings.STRIPE_SANDBOX else "live"  # every page says whether real money moves
    return f"public-pages:{version}:{mode}:{get_language()}:{request.method}:{page}"


def _anonymous_without_state(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


class PublicPageCacheMiddleware(MiddlewareMixin):
    def process_view(self, request: HttpRequest, view_func: Callable, view_args, view_kwargs) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD") or not getattr(view_func, "public_page", False):
            return None
        if not _anonymous_without_state(request):
            return None
        try:
            request._public_page_key = _key(request)
            cached = cache.get(request._public_page_key)
        except CACHE_ERRORS:
            request._public_page_key = None
            return None  # render the page
        if cached is None:
            return None
        content, content_type = cached
        response = HttpResponse(content, content_type=content_type)
        response._from_page_cache = True
        return response

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        key = getattr(request, "_public_page_key", None)
        if key and self._storable(request, response):
            with contextlib.suppress(*CACHE_ERRORS):  # served, not kept
                cache.set(key, (response.content, response["Content-Type"]), timeout=TIMEOUT_SECONDS)
        return response

    @staticmethod
    def _storable(request: HttpRequest, response: HttpResponse) -> bool:
        session = getattr(request, "session", None)
        return (
            response.status_code == 200
            and not getattr(response, "_from_page_cache", False)
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # the page used a CSRF token: per visitor
            and not (session is not None and session.modified)  # reading an empty session is fine
        )
