"""The directory: organizations, their programs, causes, regions and the documents behind them."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.money import CURRENCIES


class Translated:
    """Texts with an optional Korean version beside the English one; the English shows where it is empty."""

    def _local(self, field: str) -> str:
        if (get_language() or "").startswith("ko"):
            return getattr(self, f"{field}_ko") or getattr(self, field)
        return getattr(self, field)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Taxonomy(models.Model):
    """A named, ordered term staff edit: a cause or a region."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Cause(Taxonomy):
    """A kind of help: rescue along escape routes, refugee care, ..."""

    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta(Taxonomy.Meta):
        verbose_name = _("cause")
        verbose_name_plural = _("causes")


class Region(Taxonomy):
    """A place where organizations work or are based."""

    class Meta(Taxonomy.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Source(models.Model):
    """A document the directory's facts come from."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    author = models.CharField(_("author"), max_length=200, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    date_text = models.CharField(
        _("date"), max_length=60, blank=True, help_text=_("As precise as the document states, e.g. '2 May 2019'.")
    )
    url = models.URLField(_("link"), blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("source document")
        verbose_name_plural = _("source documents")

    def __str__(self) -> str:
        return self.title

    @property
    def byline(self) -> str:
        return ", ".join(part for part in (self.author, self.publisher, self.date_text) if part)


class OrganizationQuerySet(models.QuerySet):
    def published(self) -> "OrganizationQuerySet":
        return self.filter(published=True)

    def verified(self, *, now=None) -> "OrganizationQuerySet":
        return self.filter(verified_at__gt=verification_cutoff(now))

    def unverified(self, *, now=None) -> "OrganizationQuerySet":
        return self.exclude(verified_at__gt=verification_cutoff(now))


def verification_cutoff(now=None):
    """Verifications made at or before this moment have expired."""
    return (now or timezone.now()) - timedelta(days=settings.VERIFICATION_VALID_DAYS)


class Organization(Translated, TimeStamped):
    class VerificationBasis(models.TextChoices):
        REGISTRY = "registry", _("a registry entry")
        DOCUMENT = "document", _("a document")

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.CharField(_("summary"), max_length=300, help_text=_("One or two sentences for the directory."))
    description = models.TextField(_("description"), blank=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=200, blank=True)
    summary_ko = models.CharField(_("summary (Korean)"), max_length=300, blank=True)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    based_in = models.CharField(
        _("based in"), max_length=200, blank=True, help_text=_("Where the organization is based, as the sources say.")
    )
    regions = models.ManyToManyField(Region, blank=True, related_name="organizations", verbose_name=_("works in"))
    causes = models.ManyToManyField(Cause, blank=True, related_name="organizations", verbose_name=_("causes"))
    website = models.URLField(_("website"), blank=True)
    # The logo as stored: re-encoded without metadata, never the upload itself (orgs.services.logo_versions).
    logo = models.ImageField(
        _("logo"),
        upload_to="logos/",
        blank=True,
        width_field="logo_width",
        height_field="logo_height",
        help_text=_(
            "PNG, JPEG, GIF or WebP; at most 5 MB and 5000 pixels wide and high. "
            "Stored resized, without the file's metadata (camera, place, dates)."
        ),
    )
    logo_width = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    logo_card = models.ImageField(
        _("logo for directory cards"),
        upload_to="logos/cards/",
        blank=True,
        editable=False,
        width_field="logo_card_width",
        height_field="logo_card_height",
    )
    logo_card_width = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    logo_card_height = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    sources = models.ManyToManyField(Source, blank=True, related_name="organizations", verbose_name=_("sources"))
    published = models.BooleanField(_("published"), default=False)
    update_delay_days = models.PositiveSmallIntegerField(
        _("delay before an update is published (days)"),
        default=30,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
        help_text=_("So that an update cannot place a person in time: 7 to 365 days; 30 unless chosen."),
    )

    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verification_basis = models.CharField(
        _("verified against"), max_length=20, choices=VerificationBasis.choices, blank=True
    )
    verification_reference = models.CharField(
        _("verification reference"),
        max_length=300,
        blank=True,
        help_text=_("The registry entry (registry and number) or the document (title, date) checked."),
    )

    # Giving: set by staff.
    accepts_gifts = models.BooleanField(_("accepts gifts through the portal"), default=False)
    gift_currencies = models.CharField(
        _("gift currencies"),
        max_length=100,
        blank=True,
        help_text=_("Comma-separated ISO codes (e.g. 'USD,KRW'); empty means every currency the portal takes."),
    )
    statement_descriptor = models.CharField(
        _("card statement text"),
        max_length=10,
        blank=True,
        help_text=_("A neutral suffix for donors' card statements (letters, digits, spaces; at most 10)."),
        validators=[
            RegexValidator(r"^[A-Za-z0-9 ]*$", _("Use only letters, digits and spaces.")),
            RegexValidator(r"[A-Za-z]|^$", _("Include at least one letter.")),
        ],
    )
    stripe_account_id = models.CharField(
        _("connected Stripe account"),
        max_length=64,
        blank=True,
        help_text=_("acct_...: gifts go to this account directly. Empty: the platform account collects them."),
        validators=[RegexValidator(r"^acct_[A-Za-z0-9]+$", _("A connected account id starts with acct_."))],
    )
    platform_fee_basis_points = models.PositiveSmallIntegerField(
        _("platform fee (basis points)"),
        default=0,
        validators=[MaxValueValidator(2000)],
        help_text=_("Only with a connected account: 100 = 1%. Taken by the platform from each gift."),
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [
            models.Index(fields=["published", "name"], name="org_published_name_idx"),
            models.Index(fields=["verified_at"], name="org_verified_at_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:profile", kwargs={"slug": self.slug})

    @property
    def local_name(self) -> str:
        return self._local("name")

    @property
    def local_summary(self) -> str:
        return self._local("summary")

    @property
    def local_description(self) -> str:
        return self._local("description")

    @property
    def currencies(self) -> list[str]:
        """The currencies this organization takes; all the portal's when none is set."""
        chosen = [code.strip().upper() for code in self.gift_currencies.split(",") if code.strip()]
        return [code for code in CURRENCIES if not chosen or code in chosen]

    def clean(self) -> None:
        super().clean()
        unknown = [
            c.strip() for c in self.gift_currencies.split(",") if c.strip() and c.strip().upper() not in CURRENCIES
        ]
        if unknown:
            raise ValidationError(
                {"gift_currencies": _("Unknown currency codes: %(codes)s.") % {"codes": ", ".join(unknown)}}
            )
        if self.platform_fee_basis_points and not self.stripe_account_id:
            raise ValidationError({"platform_fee_basis_points": _("A platform fee needs a connected Stripe account.")})
        if self.verified_at and not (self.verification_basis and self.verification_reference.strip()):
            raise ValidationError(
                _("A verification needs what it was checked against: choose a basis and give the reference.")
            )

    @property
    def verification_expires_at(self):
        if not self.verified_at:
            return None
        return self.verified_at + timedelta(days=settings.VERIFICATION_VALID_DAYS)

    @property
    def is_verified(self) -> bool:
        expires = self.verification_expires_at
        return expires is not None and expires > timezone.now()


class Program(Translated, TimeStamped):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="programs", verbose_name=_("organization")
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=200, blank=True)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    cause = models.ForeignKey(
        Cause, on_delete=models.PROTECT, null=True, blank=True, related_name="programs", verbose_name=_("cause")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="programs", verbose_name=_("region")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["organization", "name"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="program_unique_slug_per_org"),
            models.UniqueConstraint(fields=["organization", "name"], name="program_unique_name_per_org"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        return self._local("name")

    @property
    def local_description(self) -> str:
        return self._local("description")


class Figure(models.Model):
    """A figure about the situation, as one source document states it."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    topic = models.CharField(_("topic"), max_length=100)
    label = models.CharField(_("what it counts"), max_length=300)
    value = models.CharField(_("value as stated"), max_length=100, help_text=_("E.g. '50,000 to 200,000'."))
    number = models.PositiveIntegerField(_("number"), null=True, blank=True, help_text=_("For charted series."))
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    series = models.SlugField(
        _("series"), max_length=80, blank=True, help_text=_("Figures sharing a series are charted together by year.")
    )
    quote = models.TextField(_("what the source says"), blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="figures", verbose_name=_("source"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "key"]
        verbose_name = _("figure")
        verbose_name_plural = _("figures")

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"

    @property
    def dated_label(self) -> str:
        """The label, with the year added when the label does not already say it."""
        if self.year and str(self.year) not in self.label:
            return f"{self.label} ({self.year})"
        return self.label


class SeedRecord(models.Model):
    """What the seed loader last wrote for one entry of the data file.

    The loader applies an entry only when its content changed since the last load, so
    re-running it does nothing and staff edits stand until the file's entry changes.
    """

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="seedrecord_unique_kind_key")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


# Updates behind the safety gate: their own module, models of this app.
from orgs.updates.models import Update, UpdatePhoto  # noqa: E402, F401
