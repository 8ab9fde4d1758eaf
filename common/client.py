"""Who is asking: the client's address, behind as many trusted proxies as TRUSTED_PROXY_HOPS says."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address; behind N trusted proxies, the one the outermost trusted proxy saw."""
    hops = settings.TRUSTED_PROXY_HOPS
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
