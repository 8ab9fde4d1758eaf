"""Writes to the directory that staff make through the admin's actions."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import Organization, OrganizationQuerySet


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
