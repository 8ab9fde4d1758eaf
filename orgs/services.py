"""Writes to the directory that staff make through the admin: its actions, and the logos its form stores."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from common import images
from common.audit import audit_changes
from common.pagecache import public_pages_changed
from orgs.models import Organization, OrganizationQuerySet, UnitCost


def organization_set_published(*, organizations: OrganizationQuerySet, published: bool) -> int:
    """Publish or unpublish; returns how many organizations changed."""
    with transaction.atomic():
        changing = list(organizations.exclude(published=published))
        changed = Organization.objects.filter(pk__in=[o.pk for o in changing]).update(
            published=published, updated_at=timezone.now()
        )
        for organization in changing:  # a queryset update sends no signal: the audit trail and the cache are told
            audit_changes(organization, {"published": (not published, published)})
        public_pages_changed()
        return changed


def organization_verify(
    *,
    organizations: OrganizationQuerySet,
    by: AbstractBaseUser,
    basis: str,
    reference: str,
    role: str = Organization.VerifierRole.STAFF,
) -> int:
    """Record that a staff member verified these organizations now, against a registry entry, a document or the
    ownership of the connected bank account. Donors see the role (`role`), never the person.

    The verification lasts VERIFICATION_VALID_DAYS; verifying again renews it.
    """
    if basis not in Organization.VerificationBasis.values:
        raise ValidationError(_("Choose what the organization was verified against."))
    if role not in Organization.VerifierRole.values:
        raise ValidationError(_("Choose the role of whoever verified the organization."))
    reference = reference.strip()
    if not reference:
        raise ValidationError(_("Give the registry entry or document that was checked."))
    if not by.is_staff:
        raise ValidationError(_("Only staff can verify organizations."))
    now = timezone.now()
    with transaction.atomic():
        for organization in organizations.select_related("verified_by"):
            audit_changes(
                organization,
                {
                    "verified_at": (organization.verified_at, now),
                    "verified_by": (organization.verified_by_id, by.pk),
                    "verification_basis": (organization.verification_basis, basis),
                    "verification_reference": (organization.verification_reference, reference),
                },
            )
        changed = organizations.update(
            verified_at=now,
            verified_by=by,
            verification_basis=basis,
            verification_reference=reference,
            verifier_role=role,
            updated_at=now,
        )
        public_pages_changed()  # a queryset update sends no signal
        return changed


def unit_cost_approve(*, unit_costs: QuerySet[UnitCost], by: AbstractBaseUser) -> int:
    """Staff approve organizations' unit-cost statements: from now on the give form may show them."""
    if not by.is_staff:
        raise ValidationError(_("Only staff can approve statements."))
    with transaction.atomic():
        changed = unit_costs.filter(approved_at__isnull=True).update(approved_at=timezone.now(), approved_by=by)
        public_pages_changed()  # a queryset update sends no signal
        return changed


def unit_cost_withdraw(*, unit_costs: QuerySet[UnitCost]) -> int:
    """Withdraw staff approval: the statements no longer show."""
    with transaction.atomic():
        changed = unit_costs.filter(approved_at__isnull=False).update(approved_at=None, approved_by=None)
        public_pages_changed()
        return changed


# Logos: the limits of an upload and the boxes its stored versions fit in (twice the size they are shown at).
LOGO_MAX_BYTES = 5 * 1024 * 1024
LOGO_MAX_SIDE = 5000
LOGO_PROFILE_BOX = (400, 160)
LOGO_CARD_BOX = (160, 96)


@dataclass(frozen=True)
class LogoVersions:
    profile: images.Encoded
    card: images.Encoded


def logo_versions(*, upload: File) -> LogoVersions:
    """The stored versions of an uploaded logo: pixels only (no EXIF, GPS, comments), resized for the profile and
    for directory cards. Refuses (ValidationError) a file over LOGO_MAX_BYTES or LOGO_MAX_SIDE pixels, which is
    checked from the file's header before it is decoded."""
    try:
        image = images.open_bounded(upload, size=upload.size, max_bytes=LOGO_MAX_BYTES, max_side=LOGO_MAX_SIDE)
        return LogoVersions(
            profile=images.encode_within(image, box=LOGO_PROFILE_BOX),
            card=images.encode_within(image, box=LOGO_CARD_BOX),
        )
    except images.ImageRejected as exc:
        raise ValidationError(_logo_refusal(exc), code=f"logo_{exc.reason}") from exc
    except (OSError, ValueError) as exc:  # pixels Pillow cannot convert
        raise ValidationError(_logo_refusal(images.ImageRejected("unreadable")), code="logo_unreadable") from exc


def _logo_refusal(exc: images.ImageRejected) -> str:
    limits = {"megabytes": LOGO_MAX_BYTES // (1024 * 1024), "side": LOGO_MAX_SIDE}
    if exc.reason == "bytes":
        size = {"size": f"{exc.details['size'] / (1024 * 1024):.1f}"}
        return _("This logo is %(size)s MB; a logo may be at most %(megabytes)s MB. Upload a smaller file.") % (
            limits | size
        )
    if exc.reason == "pixels" and exc.details.get("width"):
        size = {"width": exc.details["width"], "height": exc.details["height"]}
        return _(
            "This logo is %(width)s × %(height)s pixels; a logo may be at most %(side)s pixels wide and high. "
            "Resize it and upload it again."
        ) % (limits | size)
    if exc.reason == "pixels":
        return _("This logo has too many pixels; a logo may be at most %(side)s pixels wide and high.") % limits
    return _("Upload the logo as a PNG, JPEG, GIF or WebP image.")


def organization_logo_replace(*, organization: Organization, versions: LogoVersions | None) -> None:
    """Put new logo versions (None: no logo) on the organization; saving it writes them. The files they replace
    are deleted once the surrounding transaction commits. For forms that save the organization themselves."""
    replaced = [field.name for field in (organization.logo, organization.logo_card) if field]
    if versions is None:
        organization.logo = organization.logo_card = ""
    else:
        stem = organization.slug or "logo"
        organization.logo = ContentFile(versions.profile.content, name=f"{stem}.{versions.profile.extension}")
        organization.logo_card = ContentFile(versions.card.content, name=f"{stem}.{versions.card.extension}")
    storage = organization.logo.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in replaced])


def organization_logo_set(*, organization: Organization, upload: File | None) -> None:
    """Store an uploaded logo's versions (see logo_versions), or remove the logo; saves the organization."""
    versions = logo_versions(upload=upload) if upload else None
    with transaction.atomic():
        organization_logo_replace(organization=organization, versions=versions)
        organization.save()
