"""Writes about people: inviting a member of an organization and emailing them a link to set a password."""

import logging
import smtplib
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import Membership
from common.links import portal_site
from orgs.models import Organization

logger = logging.getLogger(__name__)


def _member_account(email: str):
    """The account for an invited email: the one that has it, or a new one without a password."""
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


def member_password_email(*, user) -> bool:
    """Email a person a link to set their password (an invitation); False when the email could not be sent.

    The link is on PORTAL_BASE_URL, like every link in the portal's emails (common.links)."""
    scheme, domain = portal_site()
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


def member_invite(*, organization: Organization, email: str, role: str) -> tuple[Membership, bool]:
    """Add a person to an organization's members and email them a link to set their password.

    A new account gets no password until they choose one through the link (Django's password-reset flow).
    Returns the membership and whether the email went out. Raises ValidationError for an ambiguous email.
    """
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    with transaction.atomic():
        user = _member_account(email)
        membership, _created = Membership.objects.update_or_create(
            user=user, organization=organization, defaults={"role": role}
        )
    return membership, member_password_email(user=user)
