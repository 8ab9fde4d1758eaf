"""Writes to the directory that staff make through the admin's actions."""

import logging
import smtplib
import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import Membership, Organization, OrganizationQuerySet

logger = logging.getLogger(__name__)


def organization_set_published(*, organizations: OrganizationQuerySet, published: bool) -> int:
    """Publish or unpublish; returns how many organizations changed."""
    with transaction.atomic():
        return organizations.exclude(published=published).update(published=published, updated_at=timezone.now())


def organization_verify(
    *, organizations: OrganizationQuerySet, by: AbstractBaseUser, basis: str, reference: str
) -> int:
    """Record that a staff member verified these organizations now, against a registry entry or a document.

    The verification lasts VERIFICATION_VALID_DAYS; verifying again renews it.
    """
    if basis not in Organization.VerificationBasis.values:
        raise ValidationError(_("Choose what the organization was verified against."))
    reference = reference.strip()
    if not reference:
        raise ValidationError(_("Give the registry entry or document that was checked."))
    if not by.is_staff:
        raise ValidationError(_("Only staff can verify organizations."))
    now = timezone.now()
    with transaction.atomic():
        return organizations.update(
            verified_at=now,
            verified_by=by,
            verification_basis=basis,
            verification_reference=reference,
            updated_at=now,
        )


def _member_account(email: str):
    """The account for an invited email: the one that has it, or a new one without a password."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    matches = list(users.filter(email__iexact=email)[:2])
    if len(matches) > 1:
        raise ValidationError(_("Several accounts use this email; give the member's role to one of them directly."))
    if matches:
        return matches[0]
    taken = len(email) > 150 or users.filter(username__iexact=email).exists()
    user = users.create_user(username=f"member-{uuid.uuid4().hex[:12]}" if taken else email, email=email)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def member_password_email(*, user, base_url: str) -> bool:
    """Email a person a link to set their password (an invitation); False when the email could not be sent."""
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    scheme, _separator, domain = base_url.rstrip("/").partition("://")
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": _("Refugee Aid Portal"),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": scheme,
    }
    subject = render_to_string("registration/password_reset_subject.txt", context).strip()
    try:
        send_mail(subject, render_to_string("registration/password_reset_email.html", context), None, [user.email])
    except (OSError, smtplib.SMTPException):
        logger.warning("invitation email to member account %s could not be sent", user.pk)
        return False
    return True


def member_invite(*, organization: Organization, email: str, role: str, base_url: str) -> tuple[Membership, bool]:
    """Add a person to an organization's members and email them a link to set their password.

    A new account gets no password until they choose one through the link (Django's password-reset flow).
    Returns the membership and whether the email went out. Raises ValidationError for an ambiguous email.
    """
    from django.contrib.auth import get_user_model

    email = get_user_model().objects.normalize_email(email.strip()).lower()
    with transaction.atomic():
        user = _member_account(email)
        membership, _created = Membership.objects.update_or_create(
            user=user, organization=organization, defaults={"role": role}
        )
    return membership, member_password_email(user=user, base_url=base_url)
