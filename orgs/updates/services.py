"""Writes to updates: the manager's submission through the gate, staff approval, publication when due."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import images
from common.pagecache import public_pages_changed
from orgs.models import Organization, Program, Region
from orgs.updates import gate
from orgs.updates.models import MAX_DELAY_DAYS, MIN_DELAY_DAYS, Update, UpdatePhoto, UpdateStatus

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 8000
PHOTO_BOX = (1600, 1600)  # the largest a stored photo is, either way
MAX_PHOTOS = 3
APPROVE_PERMISSION = "orgs.approve_update"

# What the reviewer checks before approving; every item must be ticked.
CHECKLIST = {
    "places": gettext_lazy(
        "No place is named or shown below country level: no town, street, building, landmark, sign or map, "
        "in the text or in any photo."
    ),
    "people": gettext_lazy("No one is named, and no one can be recognised from the text (age, family, story)."),
    "photos": gettext_lazy(
        "Each photo shows no identifiable person (face, tattoo, clothing, voice of a video), or the author "
        "confirmed that person's informed consent, and nothing in it identifies the person."
    ),
    "time": gettext_lazy(
        'Nothing dates the events closely ("yesterday", a date, a festival) so that, after the delay, '
        "no one can be placed in time."
    ),
    "harm": gettext_lazy("Nothing in it would help anyone find, pursue or punish a refugee or their family."),
}


@dataclass(frozen=True)
class PhotoUpload:
    file: IO[bytes]
    size: int
    description: str
    consent: str


def photo_clean(upload: IO[bytes], *, size: int) -> images.Encoded:
    """The photo re-encoded from its pixels only (no EXIF, GPS, device, XMP, ICC or comments), resized into
    PHOTO_BOX; refused with a clear message when it is too large or not an image."""
    try:
        image = images.open_bounded(upload, size=size, max_bytes=PHOTO_MAX_BYTES, max_side=PHOTO_MAX_SIDE)
    except images.ImageRejected as exc:
        messages = {
            "bytes": _("This photo is larger than 10 MB."),
            "pixels": _("This photo is larger than 8000 pixels wide or high."),
            "format": _("Upload a photo as JPEG, PNG, GIF or WebP."),
            "unreadable": _("This file could not be read as a photo."),
        }
        raise ValidationError(messages[exc.reason]) from exc
    return images.encode_within(image, box=PHOTO_BOX)


def allowed_places() -> set[str]:
    return set(Region.objects.values_list("name", flat=True))


def gate_findings(*texts: str) -> list[gate.Finding]:
    places = allowed_places()
    found: list[gate.Finding] = []
    for text in texts:
        found += [f for f in gate.check_text(text, allowed_places=places) if f not in found]
    return found


def update_submit(
    *,
    organization: Organization,
    author: AbstractBaseUser,
    title: str,
    text: str,
    program: Program | None,
    regions: Iterable[Region],
    names_no_one: bool,
    photos: list[PhotoUpload],
) -> Update:
    """Save an update waiting for staff review, or refuse it (ValidationError) when it fails the gate.

    Publication waits the organization's delay, counted from now; photos are stored cleaned, never as uploaded."""
    if program is not None and program.organization_id != organization.pk:
        raise ValidationError(_("Choose one of this organization's programs."))
    if not names_no_one:
        raise ValidationError(_("Confirm that the update names no one."))
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_("An update has at most %(count)d photos.") % {"count": MAX_PHOTOS})
    if any(photo.consent not in UpdatePhoto.Consent.values for photo in photos):
        raise ValidationError(_("For each photo, confirm who is in it."))
    findings = gate_findings(title, text, *(photo.description for photo in photos))
    if findings:
        raise ValidationError(gate.refusal(findings))
    cleaned = [photo_clean(photo.file, size=photo.size) for photo in photos]
    now = timezone.now()
    with transaction.atomic():
        update = Update.objects.create(
            organization=organization,
            program=program,
            title=title.strip(),
            text=text.strip(),
            author=author,
            names_no_one=True,
            status=UpdateStatus.SUBMITTED,
            delay_days=organization.update_delay_days,
            submitted_at=now,
            publish_after=Update.publication_date(now, organization.update_delay_days),
        )
        update.regions.set(regions)
        for position, (photo, encoded) in enumerate(zip(photos, cleaned, strict=True)):
            stored = UpdatePhoto(
                update=update, description=photo.description.strip(), consent=photo.consent, position=position
            )
            stored.image.save(f"photo.{encoded.extension}", ContentFile(encoded.content), save=False)
            stored.save()
    return update


def update_approve(*, update: Update, by: AbstractBaseUser, checked: Iterable[str]) -> Update:
    """The second approval: a staff member with the permission, every checklist item ticked. Publication still
    waits the delay (publish_updates publishes it when due)."""
    if not (by.is_staff and by.has_perm(APPROVE_PERMISSION)):
        raise ValidationError(_("Only portal staff allowed to approve updates can approve one."))
    missing = set(CHECKLIST) - set(checked)
    if missing:
        raise ValidationError(_("Tick every item of the checklist to approve this update."))
    with transaction.atomic():
        locked = Update.objects.select_for_update().get(pk=update.pk)
        if locked.status != UpdateStatus.SUBMITTED:
            raise ValidationError(_("Only an update waiting for review can be approved."))
        locked.status = UpdateStatus.APPROVED
        locked.approved_at = timezone.now()
        locked.approved_by = by
        locked.save(update_fields=["status", "approved_at", "approved_by"])
    return locked


def update_return(*, update: Update, by: AbstractBaseUser, note: str) -> Update:
    """Send an update back to its author with the reviewer's reason: before publication, or to take a published
    one down at once (the save makes the cached public pages stale)."""
    if not (by.is_staff and by.has_perm(APPROVE_PERMISSION)):
        raise ValidationError(_("Only portal staff allowed to approve updates can return one."))
    if not note.strip():
        raise ValidationError(_("Say what the author must change."))
    with transaction.atomic():
        locked = Update.objects.select_for_update().get(pk=update.pk)
        if locked.status not in (UpdateStatus.SUBMITTED, UpdateStatus.APPROVED, UpdateStatus.PUBLISHED):
            raise ValidationError(_("This update is not waiting for review nor published."))
        locked.status = UpdateStatus.RETURNED
        locked.review_note = note.strip()
        locked.approved_at = None
        locked.approved_by = None
        locked.published_at = None
        locked.save(update_fields=["status", "review_note", "approved_at", "approved_by", "published_at"])
    return locked


def update_publish_due(*, now=None) -> list[int]:
    """Publish every approved update whose delay has passed; the ids published now. Safe to run concurrently: each
    row is locked and moved once. Public pages are told (cache version bumped) when anything was published."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(Update.objects.select_for_update(skip_locked=True).due(now=now).values_list("pk", flat=True))
        if ids:
            Update.objects.filter(pk__in=ids, status=UpdateStatus.APPROVED).update(
                status=UpdateStatus.PUBLISHED, published_at=now
            )
            public_pages_changed()  # a queryset update sends no signal
    return ids


def organization_set_update_delay(*, organization: Organization, days: int) -> None:
    """The organization's delay for its next updates; a longer delay also holds back the ones not yet published."""
    if not MIN_DELAY_DAYS <= days <= MAX_DELAY_DAYS:
        raise ValidationError(
            _("Choose a delay of %(min)d to %(max)d days.") % {"min": MIN_DELAY_DAYS, "max": MAX_DELAY_DAYS}
        )
    with transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(update_delay_days=days)
        organization.update_delay_days = days
        pending = Update.objects.select_for_update().filter(
            organization=organization,
            status__in=[UpdateStatus.SUBMITTED, UpdateStatus.APPROVED],
            delay_days__lt=days,
        )
        for update in pending:
            update.delay_days = days
            update.publish_after = update.submitted_at + timedelta(days=days)
            update.save(update_fields=["delay_days", "publish_after"])
