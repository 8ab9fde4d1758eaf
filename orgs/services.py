"""Writes to the directory that staff make through the admin's actions."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import Membership, Organization, OrganizationQuerySet


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


def member_invite(*, organization: Organization, email: str, role: str, base_url: str) -> Membership:
    """Add a person to an organization's members and email them a link to set their password.

    A new account gets no password until they choose one through the link (Django's password-reset flow).
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    email = get_user_model().objects.normalize_email(email.strip()).lower()
    users = get_user_model().objects
    with transaction.atomic():
        user = users.filter(email__iexact=email).first()
        if user is None:
            user = users.create_user(username=email, email=email)
            user.set_unusable_password()
            user.save(update_fields=["password"])
        membership, _created = Membership.objects.update_or_create(
            user=user, organization=organization, defaults={"role": role}
        )
    scheme, _separator, domain = base_url.rstrip("/").partition("://")
    context = {
        "email": email,
        "domain": domain,
        "site_name": _("Refugee Aid Portal"),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": scheme,
    }
    subject = render_to_string("registration/password_reset_subject.txt", context).strip()
    send_mail(subject, render_to_string("registration/password_reset_email.html", context), None, [email])
    return membership
