"""The donor's sign-in link to their page, without an account: asked for with an email, single use, 30 minutes.

The request does the same work whether or not the address gave (one lookup, one row, one task), so neither the
answer nor the work says whether an address has gifts. Only an address with gifts gets an email; the row of one
without is deleted by the task. The link carries a signed nonce and a keyed digest of the address: a changed
character fails the signature, an old link fails its age, a used one fails its row, and a link opens only the
gifts of the address it was asked for.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from donations.models import DonorLink, Pledge

LINK_SALT = "donations.mine-link"
LINK_MAX_AGE = 30 * 60  # seconds a link stays valid
SESSION_MAX_AGE = 2 * 3600  # seconds the donor's page stays open after the link is used


def email_digest(email: str) -> str:
    """A keyed hash of an address (no raw email in a token or a URL)."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"donor-link:" + email.strip().lower().encode(), hashlib.sha256).hexdigest()


def donor_link_request(*, email: str, language: str = "") -> None:
    """Record a sign-in request and queue its email; the same work whether or not the address gave."""
    from donations.tasks import send_donor_link

    email = email.strip()
    has_gifts = Pledge.objects.filter(donor_email__iexact=email, identity_erased_at__isnull=True).exists()
    with transaction.atomic():
        link = DonorLink.objects.create(
            nonce=secrets.token_urlsafe(32), digest=email_digest(email), email=email if has_gifts else ""
        )
        transaction.on_commit(lambda: send_donor_link.enqueue(link_id=link.pk, language=language))


def link_token(link: DonorLink) -> str:
    return signing.dumps({"n": link.nonce, "d": link.digest[:32]}, salt=LINK_SALT)


def _valid_link(token: str) -> DonorLink | None:
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:  # tampered with, or older than 30 minutes (SignatureExpired)
        return None
    if not isinstance(data, dict) or not isinstance(data.get("n"), str) or not isinstance(data.get("d"), str):
        return None
    cutoff = timezone.now() - timedelta(seconds=LINK_MAX_AGE)
    link = DonorLink.objects.filter(nonce=data["n"], used_at__isnull=True, created_at__gte=cutoff).first()
    if link is None or not link.email or not hmac.compare_digest(link.digest[:32], data["d"]):
        return None
    if not hmac.compare_digest(link.digest, email_digest(link.email)):  # bound to the address it was asked for
        return None
    return link


def donor_link_peek(*, token: str) -> bool:
    """Whether a link would open the page (for the confirmation page a GET shows; nothing is used up)."""
    return _valid_link(token) is not None


def donor_link_use(*, token: str) -> DonorLink | None:
    """Use a link, once: the link's row (whose email the page lists the gifts of), or None when it is not valid."""
    link = _valid_link(token)
    if link is None:
        return None
    used = DonorLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
    return link if used == 1 else None


def donor_session_email(link_id: int | None) -> str:
    """The email of the donor whose page this session opened, or "" when it is closed (or never opened)."""
    if not link_id:
        return ""
    cutoff = timezone.now() - timedelta(seconds=SESSION_MAX_AGE)
    link = DonorLink.objects.filter(pk=link_id, used_at__gte=cutoff).exclude(email="").first()
    return link.email if link else ""


def donor_session_end(*, link_id: int | None) -> None:
    if link_id:
        DonorLink.objects.filter(pk=link_id).delete()
