"""Absolute links in emails: one rule, PORTAL_BASE_URL, whatever request (or none) caused the email.

A background task has no request, and a request's Host may be an internal name or a port the donor never sees;
the portal's public address is a setting. The development server sets it to its own host and port.
"""

from urllib.parse import urlsplit

from django.conf import settings


def portal_url(path: str) -> str:
    """The absolute address of a path of the portal (a path from reverse(), starting with /)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def portal_site() -> tuple[str, str]:
    """PORTAL_BASE_URL as Django's password-reset emails want it: (protocol, domain with its port)."""
    parts = urlsplit(settings.PORTAL_BASE_URL.rstrip("/"))
    return parts.scheme, parts.netloc + parts.path
