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

from common.money import CURRENCY_CHOICES, AmountError, currency, format_money, parse_presets


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


class Taxonomy(Translated, models.Model):
    """A named, ordered term staff edit: a cause or a region."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        return self._local("name")


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
    own_statement = models.BooleanField(
        _("the organization's own statement"),
        default=False,
        help_text=_("Tick when the document is published by the organization itself (its report, its website)."),
    )

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
        BANK_ACCOUNT = "bank_account", _("ownership of the bank account receiving gifts (Stripe Connect)")

    class VerifierRole(models.TextChoices):
        STAFF = "staff", _("portal staff")
        FINANCE = "finance", _("the portal's finance staff")

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
    verifier_role = models.CharField(
        _("verified by (role)"),
        max_length=20,
        choices=VerifierRole.choices,
        blank=True,
        help_text=_("Donors see the role, never the person's name."),
    )

    # Trust evidence: every field optional, shown only where known, each with its source (evidence_source).
    aliases = models.CharField(
        _("other names and acronyms"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated, e.g. an acronym; search finds the organization by them."),
    )
    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    registration_country = models.CharField(_("country of registration"), max_length=100, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=100, blank=True)
    registry_url = models.URLField(_("public registry entry"), blank=True)
    charitable_status = models.CharField(
        _("charitable status"), max_length=200, blank=True, help_text=_("E.g. 'tax-exempt public charity'.")
    )
    charitable_status_country = models.CharField(
        _("charitable status under the tax rules of"), max_length=100, blank=True
    )
    founded_year = models.PositiveSmallIntegerField(
        _("year founded"), null=True, blank=True, validators=[MaxValueValidator(2100)]
    )
    city = models.CharField(
        _("city"), max_length=100, blank=True, help_text=_("City and country only; never a street address.")
    )
    leadership = models.CharField(
        _("leadership"),
        max_length=500,
        blank=True,
        help_text=_("Names and roles of leaders where they are public, e.g. 'Jane Doe (director)'; comma-separated."),
    )
    charitable_status_ko = models.CharField(_("charitable status (Korean)"), max_length=200, blank=True)
    city_ko = models.CharField(_("city (Korean)"), max_length=100, blank=True)
    leadership_ko = models.CharField(_("leadership (Korean)"), max_length=500, blank=True)
    evidence_source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source of the facts above"),
        help_text=_("The document the legal name, registration, status, founding year, city and leaders come from."),
    )
    evidence_year = models.PositiveSmallIntegerField(
        _("as of year"), null=True, blank=True, help_text=_("The year the source states these facts for.")
    )

    # Giving: set by staff.
    accepts_gifts = models.BooleanField(_("accepts gifts through the portal"), default=False)
    gift_currencies = models.CharField(
        _("gift currencies"),
        max_length=100,
        blank=True,
        help_text=_("Comma-separated ISO codes (e.g. 'USD,KRW'); empty means every currency the portal takes."),
    )
    gift_presets = models.TextField(
        _("suggested amounts"),
        blank=True,
        help_text=_(
            "One line per currency: its code, then 2 to 6 amounts separated by spaces, e.g. "
            "'KRW 10,000 30,000 50,000 100,000'. The second is chosen at first. A currency without a line shows "
            "the portal's amounts."
        ),
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
    def local_charitable_status(self) -> str:
        return self._local("charitable_status")

    @property
    def local_city(self) -> str:
        return self._local("city")

    @property
    def local_leadership(self) -> str:
        return self._local("leadership")

    @property
    def currencies(self) -> list[str]:
        """The currencies this organization takes; all the portal's when none is set."""
        chosen = [code.strip().upper() for code in self.gift_currencies.split(",") if code.strip()]
        return [code for code, _label in CURRENCY_CHOICES if not chosen or code in chosen]

    def presets(self, code: str) -> tuple[int, ...]:
        """The suggested amounts (minor units) for a currency: staff's for this organization, else the portal's."""
        try:
            chosen = parse_presets(self.gift_presets).get(code)
        except AmountError:  # saved before a rule tightened: the portal's amounts until staff fix it
            chosen = None
        return chosen or currency(code).suggested

    def clean(self) -> None:
        super().clean()
        try:
            presets = parse_presets(self.gift_presets)
        except AmountError as exc:
            raise ValidationError({"gift_presets": str(exc)}) from exc
        if untaken := [code for code in presets if code not in self.currencies]:
            raise ValidationError(
                {"gift_presets": _("Not among the gift currencies: %(codes)s.") % {"codes": ", ".join(untaken)}}
            )
        unknown = [
            c.strip()
            for c in self.gift_currencies.split(",")
            if c.strip() and c.strip().upper() not in dict(CURRENCY_CHOICES)
        ]
        if unknown:
            raise ValidationError(
                {"gift_currencies": _("Unknown currency codes: %(codes)s.") % {"codes": ", ".join(unknown)}}
            )
        if self.platform_fee_basis_points and not self.stripe_account_id:
            raise ValidationError({"platform_fee_basis_points": _("A platform fee needs a connected Stripe account.")})
        if self.has_evidence and not self.evidence_source_id:
            raise ValidationError({"evidence_source": _("Give the source of the legal and registration facts.")})
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

    @property
    def verification_lapsed(self) -> bool:
        """Verified once, but the verification has run out: donors see that it lapsed."""
        return self.verified_at is not None and not self.is_verified

    @property
    def has_evidence(self) -> bool:
        return any(getattr(self, name) for name in EVIDENCE_FIELDS)

    @property
    def alias_list(self) -> list[str]:
        return [alias.strip() for alias in self.aliases.split(",") if alias.strip()]

    @property
    def takes_gifts(self) -> bool:
        return self.accepts_gifts and self.published


EVIDENCE_FIELDS = (
    "legal_name",
    "registration_country",
    "registration_number",
    "registry_url",
    "charitable_status",
    "charitable_status_country",
    "founded_year",
    "city",
    "leadership",
)


class FinanceYear(models.Model):
    """One year of an organization's finances, as one document states them."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="finance_years", verbose_name=_("organization")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MaxValueValidator(2100)])
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    income = models.PositiveBigIntegerField(_("income (minor units)"), null=True, blank=True)
    programme_share = models.PositiveSmallIntegerField(
        _("share spent on programmes (percent)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+", verbose_name=_("source"))

    class Meta:
        ordering = ["-year"]
        verbose_name = _("finance year")
        verbose_name_plural = _("finance summary")
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="financeyear_unique_year")]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"

    @property
    def display_income(self) -> str:
        return format_money(self.income, self.currency) if self.income is not None else ""


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

    def get_absolute_url(self) -> str:
        # The page is served by donations (it shows the portal's own gifts); the URL lives in config/urls.py.
        return reverse("program", kwargs={"slug": self.organization.slug, "program_slug": self.slug})

    @property
    def local_name(self) -> str:
        return self._local("name")

    @property
    def local_description(self) -> str:
        return self._local("description")


class ProgramGoal(models.Model):
    """What a program hopes to raise in one currency; progress counts the portal's own gifts only."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="goals", verbose_name=_("program"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    amount = models.PositiveBigIntegerField(_("goal (minor units)"))

    class Meta:
        ordering = ["currency"]
        verbose_name = _("funding goal")
        verbose_name_plural = _("funding goals")
        constraints = [
            models.UniqueConstraint(fields=["program", "currency"], name="programgoal_one_per_currency"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="programgoal_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.program}: {self.display_amount}"

    @property
    def display_amount(self) -> str:
        return format_money(self.amount, self.currency)


class UnitCostQuerySet(models.QuerySet):
    def approved(self) -> "UnitCostQuerySet":
        return self.filter(approved_at__isnull=False)


class UnitCost(Translated, models.Model):
    """What an amount does, as the organization states it ("₩50,000 feeds a family for a month").

    The portal repeats the organization's statement, with its source and date, only once staff approve it; the
    portal never claims an outcome itself.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="unit_costs", verbose_name=_("organization")
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="unit_costs",
        verbose_name=_("program"),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    amount = models.PositiveBigIntegerField(_("amount (minor units)"))
    statement = models.CharField(_("what the amount does, in the organization's words"), max_length=300)
    statement_ko = models.CharField(_("statement (Korean)"), max_length=300, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+", verbose_name=_("source"))
    stated_on = models.DateField(_("stated on"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    objects = UnitCostQuerySet.as_manager()

    class Meta:
        ordering = ["currency", "amount"]
        verbose_name = _("unit cost statement")
        verbose_name_plural = _("unit cost statements")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="unitcost_positive")]

    def __str__(self) -> str:
        return f"{self.display_amount}: {self.statement}"

    @property
    def display_amount(self) -> str:
        return format_money(self.amount, self.currency)

    @property
    def local_statement(self) -> str:
        return self._local("statement")

    def clean(self) -> None:
        super().clean()
        if self.program_id and self.organization_id and self.program.organization_id != self.organization_id:
            raise ValidationError({"program": _("Choose one of this organization's programs.")})


SMALL_NUMBER = 10  # outcome counts below this are shown only as "fewer than 10"
ROUND_TO = 10  # larger counts are rounded to the nearest multiple of this


def protected_count(count: int) -> int | None:
    """An outcome count as it may be published: None for fewer than SMALL_NUMBER (shown as "fewer than 10"),
    otherwise rounded to the nearest ROUND_TO (halves up)."""
    if count < SMALL_NUMBER:
        return None
    return (count + ROUND_TO // 2) // ROUND_TO * ROUND_TO


class OutcomeQuerySet(models.QuerySet):
    def published(self, *, today=None) -> "OutcomeQuerySet":
        """Outcomes whose staff-set delay has passed (publish_on set and reached)."""
        return self.filter(publish_on__lte=today or timezone.localdate())


class Outcome(Translated, models.Model):
    """A yearly total an organization reports (people resettled, children cared for), never about one person.

    Published only from `publish_on`, a date staff set (the delay), and only rounded (protected_count)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="outcomes", verbose_name=_("organization")
    )
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, null=True, blank=True, related_name="outcomes", verbose_name=_("program")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MaxValueValidator(2100)])
    label = models.CharField(_("what is counted"), max_length=200, help_text=_("E.g. 'people resettled'."))
    label_ko = models.CharField(_("what is counted (Korean)"), max_length=200, blank=True)
    count = models.PositiveIntegerField(_("count as reported"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+", verbose_name=_("source"))
    publish_on = models.DateField(
        _("publish on"),
        null=True,
        blank=True,
        help_text=_("Staff set the delay: the rounded total is public from this date; empty means not yet."),
    )

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "label"]
        verbose_name = _("reported outcome")
        verbose_name_plural = _("reported outcomes")

    def __str__(self) -> str:
        return f"{self.organization} {self.year}: {self.label}"

    @property
    def local_label(self) -> str:
        return self._local("label")

    @property
    def published_count(self) -> int | None:
        return protected_count(self.count)


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
    causes = models.ManyToManyField(
        Cause,
        blank=True,
        related_name="figures",
        verbose_name=_("causes that answer it"),
        help_text=_("The situation page lists the organizations working on these causes beside the figure's topic."),
    )

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
