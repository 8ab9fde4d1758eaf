"""Writes about people: inviting a member of an organization and emailing them a link to set a password."""

import logging
import smtplib
import uuid
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.timesince import timeuntil
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


def member_password_email(*, user, organization: Organization) -> bool:
    """Email a person their invitation to an organization: who invites them (portal staff), what the account is
    for, and a link to set their password that lasts PASSWORD_RESET_TIMEOUT. False when it could not be sent.

    Not the password-reset email: an unexpected "reset your password" from an unknown site reads like phishing.
    The link is on PORTAL_BASE_URL, like every link in the portal's emails (common.links).
    """
    scheme, domain = portal_site()
    now = timezone.now()
    expires_at = now + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": _("Refugee Aid Portal"),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": scheme,
        "organization": organization,
        "expires_at": expires_at,
        "expires_in": timeuntil(expires_at, now),
    }
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    try:
        send_mail(subject, render_to_string("emails/invitation.txt", context), None, [user.email])
    except (OSError, smtplib.SMTPException):
        logger.warning("invitation email to member account %s could not be sent", user.pk)
        return False
    return True


class Invitation(NamedTuple):
    membership: Membership
    created: bool  # False: they were a member already, and the membership was left as it was
    sent: bool  # whether the email with the link went out


def member_invite(*, organization: Organization, email: str) -> Invitation:
    """Add a person to an organization's members and email them a link to set their password.

    A new account gets no password until they choose one through the link (Django's password-reset flow).
    Inviting someone who is a member already changes nothing but sends a fresh link. Raises ValidationError for
    an ambiguous email.
    """
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    with transaction.atomic():
        user = _member_account(email)
        membership, created = Membership.objects.get_or_create(user=user, organization=organization)
    sent = member_password_email(user=user, organization=organization)
    return Invitation(membership, created, sent)
