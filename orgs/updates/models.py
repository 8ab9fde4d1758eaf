"""An organization's update and its photos, from draft to published behind the safety gate (see orgs.updates)."""

import os
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization, Program, Region

DEFAULT_DELAY_DAYS = 30
MIN_DELAY_DAYS = 7
MAX_DELAY_DAYS = 365


class UpdateStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("waiting for staff review")
    RETURNED = "returned", _("returned to the author")
    APPROVED = "approved", _("approved, waiting for its publication date")
    PUBLISHED = "published", _("published")


class UpdateQuerySet(models.QuerySet):
    def published(self) -> "UpdateQuerySet":
        """What the public may see: approved by staff, its delay passed, and published by publish_updates."""
        return self.filter(
            status=UpdateStatus.PUBLISHED,
            approved_at__isnull=False,
            published_at__isnull=False,
            published_at__lte=timezone.now(),
            organization__published=True,
        )

    def due(self, *, now=None) -> "UpdateQuerySet":
        """Approved updates whose delay has passed: publish_updates publishes them."""
        return self.filter(status=UpdateStatus.APPROVED, publish_after__lte=now or timezone.now())


class PrivateMediaStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT (read when used, so tests may point it elsewhere); they have no public URL."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no public URL; use the update photo views")


private_media = PrivateMediaStorage()


def _photo_name(instance: "UpdatePhoto", filename: str) -> str:
    """A random name: the upload's own name (often a date, a place or a person) is never kept."""
    return f"updates/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


class Update(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="updates", verbose_name=_("organization")
    )
    program = models.ForeignKey(
        Program, on_delete=models.SET_NULL, null=True, blank=True, related_name="updates", verbose_name=_("program")
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), max_length=5000)
    regions = models.ManyToManyField(Region, blank=True, related_name="updates", verbose_name=_("where (regions)"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    names_no_one = models.BooleanField(_("the author confirmed that the update names no one"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=UpdateStatus.choices, default=UpdateStatus.DRAFT, db_index=True
    )
    delay_days = models.PositiveSmallIntegerField(_("delay (days)"), default=DEFAULT_DELAY_DAYS)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    publish_after = models.DateTimeField(_("not published before"), null=True, blank=True, db_index=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    review_note = models.TextField(_("note to the author"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        app_label = "orgs"
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("update")
        verbose_name_plural = _("updates")
        permissions = [("approve_update", _("Can approve updates for publication"))]
        constraints = [
            # Nothing is published without a staff approval, nor before its delay has passed.
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(approved_at__isnull=False, published_at__isnull=False, published_at__gte=models.F("publish_after")),
                name="update_published_only_when_approved_and_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def publication_date(submitted_at, delay_days: int):
        return submitted_at + timedelta(days=delay_days)


class UpdatePhoto(models.Model):
    class Consent(models.TextChoices):
        NO_PERSON = "no_person", _("No identifiable person is in this photo")
        CONSENT = "consent", _("Every identifiable person in it gave informed consent to its publication")

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="photos", verbose_name=_("update"))
    # Stored re-encoded and resized, without any of the upload's metadata (orgs.updates.services.photo_clean).
    image = models.ImageField(
        _("photo"), upload_to=_photo_name, storage=private_media, width_field="width", height_field="height"
    )
    width = models.PositiveSmallIntegerField(null=True, editable=False)
    height = models.PositiveSmallIntegerField(null=True, editable=False)
    description = models.CharField(_("description (for people who cannot see it)"), max_length=300)
    consent = models.CharField(_("people in the photo"), max_length=10, choices=Consent.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        app_label = "orgs"
        ordering = ["position", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.description
