"""Pledges (a donor's commitment), payments (money that moved), refunds, and Stripe's events.

A pledge's status changes only through donations.services.pledges.pledge_transition.
"""

import enum
import secrets

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.money import CURRENCY_CHOICES, DEFAULT_CURRENCY, format_money
from orgs.models import Organization, Program

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """A pledge's public reference: unguessable, unambiguous to read aloud."""
    return "P" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(15))


class Frequency(models.TextChoices):
    ONCE = "once", _("once")
    MONTHLY = "monthly", _("monthly")


class PledgeStatus(models.TextChoices):
    PENDING = "pending", _("pending")  # saved; the donor is at (or on the way to) Checkout
    PROCESSING = "processing", _("processing")  # paid by a delayed method that has not settled yet
    PAID = "paid", _("paid")  # a single gift, paid
    ACTIVE = "active", _("active")  # a monthly gift, its first payment made
    PAST_DUE = "past_due", _("past due")  # a monthly payment failed; Stripe retries
    CANCELED = "canceled", _("stopped")  # a monthly gift, stopped
    REFUNDED = "refunded", _("refunded")  # a single gift, refunded in full
    FAILED = "failed", _("failed")  # the delayed payment failed
    ABANDONED = "abandoned", _("abandoned")  # the donor cancelled at Checkout
    EXPIRED = "expired", _("expired")  # the Checkout Session expired unpaid


class PledgeQuerySet(models.QuerySet["Pledge"]):
    # Monthly gifts not stopped: active ones, and past-due ones (a month failed; Stripe retries the card). Staff and
    # donors can stop either. Reports count only active ones as bringing money; past-due ones are shown apart.
    RUNNING_MONTHLY = (PledgeStatus.ACTIVE, PledgeStatus.PAST_DUE)
    # Gifts started but not (or not yet) completed: pledged, not received.
    NOT_COMPLETED = (
        PledgeStatus.PENDING,
        PledgeStatus.ABANDONED,
        PledgeStatus.EXPIRED,
        PledgeStatus.FAILED,
        PledgeStatus.PROCESSING,
    )

    def running_monthly(self) -> "PledgeQuerySet":
        return self.filter(frequency=Frequency.MONTHLY, status__in=self.RUNNING_MONTHLY)

    def not_completed(self) -> "PledgeQuerySet":
        return self.filter(status__in=self.NOT_COMPLETED)


class Pledge(models.Model):
    reference = models.CharField(_("reference"), max_length=16, unique=True, default=new_reference, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("organization")
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pledges",
        verbose_name=_("program"),
        help_text=_("Empty: where most needed."),
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY)
    gift_amount = models.PositiveBigIntegerField(_("gift (minor units)"))
    fee_amount = models.PositiveBigIntegerField(_("added processing fee (minor units)"), default=0)
    amount = models.PositiveBigIntegerField(_("charged (minor units)"), help_text=_("Gift plus the added fee."))
    donor_name = models.CharField(_("donor name"), max_length=200)
    donor_email = models.EmailField(_("donor email"))
    share_identity = models.BooleanField(_("donor shares name and email with the organization"), default=False)
    wants_updates = models.BooleanField(
        _("donor asked for the organization's updates by email"),
        default=False,
        help_text=_("Sent by the portal; the organization never learns who asked."),
    )
    dedication = models.CharField(_("dedication"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=PledgeStatus.choices, default=PledgeStatus.PENDING, db_index=True
    )
    submission_key = models.CharField(
        _("submission key"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    stripe_checkout_session_id = models.CharField(
        _("stripe checkout session id"), max_length=255, unique=True, null=True, blank=True
    )
    stripe_checkout_url = models.URLField(_("stripe checkout url"), max_length=2000, blank=True)
    stripe_subscription_id = models.CharField(
        _("stripe subscription id"), max_length=255, unique=True, null=True, blank=True
    )
    stripe_customer_id = models.CharField(_("stripe customer id"), max_length=255, blank=True)
    stripe_mismatch = models.CharField(
        _("Stripe mismatch"),
        max_length=300,
        blank=True,
        help_text=_("An amount or currency Stripe reported that is not this pledge's: not counted as paid; check it."),
    )
    # A monthly gift the donor paused: Stripe collects nothing until this day (pause_collection resumes_at).
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    # The donor's name, email, dedication and Stripe customer id were erased (retention or the donor's request):
    # amounts, dates, organization, program and references stay. Never undone.
    identity_erased_at = models.DateTimeField(_("identity erased at"), null=True, blank=True, editable=False)
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_("Set by staff: the donor's identity is kept (not erased by retention or on request)."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PledgeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=models.F("gift_amount") + models.F("fee_amount")),
                name="pledge_amount_is_gift_plus_fee",
            ),
            models.CheckConstraint(condition=Q(gift_amount__gt=0), name="pledge_gift_positive"),
        ]
        indexes = [models.Index(fields=["organization", "status", "created_at"], name="pledge_org_status_created")]

    def __str__(self) -> str:
        return f"{self.reference} {self.display_amount} {self.get_frequency_display()}"

    @property
    def display_amount(self) -> str:
        return format_money(self.amount, self.currency)

    @property
    def display_gift(self) -> str:
        return format_money(self.gift_amount, self.currency)

    @property
    def display_fee(self) -> str:
        return format_money(self.fee_amount, self.currency)

    @property
    def is_monthly(self) -> bool:
        return self.frequency == Frequency.MONTHLY

    @property
    def is_paused(self) -> bool:
        """Paused by the donor, and the pause not over yet (Stripe resumes collection by itself on that day)."""
        return self.paused_until is not None and self.paused_until > timezone.now().date()

    @property
    def identity_erased(self) -> bool:
        return self.identity_erased_at is not None

    @property
    def donor_label_for_organization(self) -> str:
        """What the organization may see of the donor: their name only if they chose to share it."""
        return self.donor_name if self.share_identity else str(_("Anonymous"))


class DonorLink(models.Model):
    """A sign-in link to the donor's page (`/donations/mine/`), asked for with an email: single use, short-lived.

    `email` is empty when no gift was made with the address asked for (nothing is sent; the row only makes the
    request do the same work either way and is deleted by the task). `digest` is a keyed hash of the address the
    link was asked for: the signed token carries it, so a link opens only the gifts of that address. Rows are
    deleted when the donor's session ends, on erasure, and by `erase_donor_data`.
    """

    nonce = models.CharField(max_length=43, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    email = models.EmailField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("donor sign-in link")
        verbose_name_plural = _("donor sign-in links")

    def __str__(self) -> str:
        return f"link {self.pk}"


class PledgeTransition(models.Model):
    """One move of a pledge's status: the history staff read in the admin."""

    class Source(models.TextChoices):
        WEBHOOK = "webhook", _("Stripe webhook")
        RETURN_PAGE = "return_page", _("donor's return page")
        RECONCILE = "reconcile", _("reconciliation")
        STAFF = "staff", _("staff")
        DONOR = "donor", _("donor")
        RETENTION = "retention", _("retention rule")

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("pledge"))
    from_status = models.CharField(_("from status"), max_length=12, choices=PledgeStatus.choices)
    to_status = models.CharField(_("to status"), max_length=12, choices=PledgeStatus.choices)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    stripe_event_id = models.CharField(_("stripe event id"), max_length=255, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The donor's email about this move (stopped, past due, failed): sent once, whatever repeats.
    notice_sent_at = models.DateTimeField(_("donor emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status history")

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class PaymentQuerySet(models.QuerySet["Payment"]):
    def with_refunded(self) -> "PaymentQuerySet":
        """Annotate `refunded_total`: the payment's counted refunds (None when it has none).

        A subquery per row, not a join and GROUP BY over every payment, so it stays cheap on a sliced page.
        """
        refunded = (
            Refund.objects.filter(payment=OuterRef("pk"))
            .counted()
            .values("payment")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.annotate(refunded_total=Subquery(refunded))

    def with_dispute(self) -> "PaymentQuerySet":
        """Annotate `dispute_status` and `dispute_amount`: the payment's latest dispute (None when it has none)."""
        latest = Dispute.objects.filter(payment=OuterRef("pk")).order_by("-opened_at", "-pk")
        return self.annotate(
            dispute_status=Subquery(latest.values("status")[:1]), dispute_amount=Subquery(latest.values("amount")[:1])
        )


class Payment(models.Model):
    """Money that moved: a single gift's charge or one monthly invoice."""

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="payments", verbose_name=_("pledge"))
    # Copied from the pledge so that reports aggregate one table on an index (organization, paid_at).
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="payments", verbose_name=_("organization")
    )
    stripe_id = models.CharField(
        _("stripe id"),
        max_length=255,
        unique=True,
        help_text=_("The payment intent (single gift) or invoice (monthly) id."),
    )
    stripe_payment_intent_id = models.CharField(
        _("stripe payment intent id"), max_length=255, unique=True, null=True, blank=True
    )
    amount = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    paid_at = models.DateTimeField(_("paid at"), db_index=True)
    receipt_sent_at = models.DateTimeField(_("receipt sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-paid_at"]
        indexes = [models.Index(fields=["organization", "paid_at"], name="payment_org_paid_at")]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.stripe_id} {format_money(self.amount, self.currency)}"

    @property
    def display_amount(self) -> str:
        return format_money(self.amount, self.currency)


class RefundQuerySet(models.QuerySet["Refund"]):
    def counted(self) -> "RefundQuerySet":
        """Refunds that count as money returned; failed and canceled ones are kept but not counted."""
        return self.filter(status__in=Refund.COUNTED)

    def total(self) -> int:
        """The sum of these refunds' amounts in minor units (0 when none). Only for refunds of one currency."""
        return self.aggregate(total=Sum("amount"))["total"] or 0


class Refund(models.Model):
    class Source(models.TextChoices):
        STAFF = "staff", _("portal staff")
        STRIPE = "stripe", _("Stripe dashboard")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("organization")
    )
    # Empty only while a refund staff asked for waits for Stripe's answer (a claim; see services.refunds).
    stripe_refund_id = models.CharField(_("stripe refund id"), max_length=255, unique=True, null=True, blank=True)
    amount = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    # Refunds in these states count as money returned; "failed" and "canceled" ones are kept but not counted.
    COUNTED = ("succeeded", "pending", "requires_action")
    REQUESTED = "requested"  # a claim: staff asked, Stripe has not answered yet (not counted)
    SUCCEEDED = "succeeded"  # only succeeded refunds settle a pledge as refunded and are told to the donor

    status = models.CharField(_("status"), max_length=30, default="succeeded")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.STRIPE)
    refunded_at = models.DateTimeField(
        _("refunded at"), default=timezone.now, help_text=_("When Stripe made the refund.")
    )
    request_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
        help_text=_("The staff member who refunded through the portal's refund page; empty for Stripe's dashboard."),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    notice_sent_at = models.DateTimeField(_("donor emailed at"), null=True, blank=True)
    # A gift to a connected account (a destination charge): the reversal that took the refunded money back from
    # the organization's account (Stripe's trr_ id). Empty: the platform's balance paid the refund.
    transfer_reversal_id = models.CharField(
        _("transfer reversal"),
        max_length=255,
        blank=True,
        help_text=_("Stripe's reversal of the transfer to the organization's connected account, if any."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RefundQuerySet.as_manager()

    class Meta:
        ordering = ["-refunded_at"]
        indexes = [models.Index(fields=["organization", "refunded_at"], name="refund_org_refunded_at")]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")

    def __str__(self) -> str:
        return f"{self.stripe_refund_id or self.REQUESTED} {format_money(self.amount, self.currency)}"

    @property
    def display_amount(self) -> str:
        return format_money(self.amount, self.currency)

    @property
    def transfer_reversed(self) -> bool:
        return bool(self.transfer_reversal_id)


class PaymentRollup(models.Model):
    """One day's payments and counted refunds of an organization, per currency, program and frequency: what the
    reports add up instead of every payment row.

    Kept up to date by donations.services.rollups in the same transaction as each payment or refund write, and
    rebuilt from the raw rows by `manage.py rebuild_rollups`. The day is the payment's (or refund's) date in the
    portal's time zone (settings.TIME_ZONE), the zone the report's date filters use. A day, not a month: a report's
    period starts and ends on any day.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    day = models.DateField(_("day"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("program")
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    payments = models.BigIntegerField(_("payments"), default=0)
    received = models.BigIntegerField(_("received (minor units)"), default=0)
    anonymous = models.BigIntegerField(_("payments of donors who did not share their identity"), default=0)
    refunded = models.BigIntegerField(_("refunded (minor units)"), default=0)

    class Meta:
        verbose_name = _("payment rollup")
        verbose_name_plural = _("payment rollups")
        constraints = [
            # Two partial constraints, not one: NULLs are distinct in a unique index (PostgreSQL before 15, SQLite).
            models.UniqueConstraint(
                fields=["organization", "day", "currency", "frequency", "program"],
                condition=Q(program__isnull=False),
                name="payment_rollup_key_program",
            ),
            models.UniqueConstraint(
                fields=["organization", "day", "currency", "frequency"],
                condition=Q(program__isnull=True),
                name="payment_rollup_key_no_program",
            ),
        ]
        indexes = [models.Index(fields=["organization", "day"], name="payment_rollup_org_day")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.day} {self.currency} {self.frequency} {self.program_id}"


class PledgeRollup(models.Model):
    """How many pledges an organization has, and their amount, per currency, program, frequency and status: what the
    reports count running monthly gifts from. Kept by pledge creation and pledge_transition in their transactions
    (donations.services.rollups), rebuilt by `manage.py rebuild_rollups`."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("program")
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    status = models.CharField(_("status"), max_length=12, choices=PledgeStatus.choices)
    pledges = models.BigIntegerField(_("pledges"), default=0)
    amount = models.BigIntegerField(_("amount (minor units)"), default=0)

    class Meta:
        verbose_name = _("pledge rollup")
        verbose_name_plural = _("pledge rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "currency", "frequency", "status", "program"],
                condition=Q(program__isnull=False),
                name="pledge_rollup_key_program",
            ),
            models.UniqueConstraint(
                fields=["organization", "currency", "frequency", "status"],
                condition=Q(program__isnull=True),
                name="pledge_rollup_key_no_program",
            ),
        ]
        indexes = [models.Index(fields=["organization", "frequency", "status"], name="pledge_rollup_org_status")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.currency} {self.frequency} {self.status} {self.program_id}"


class RollupDonor(models.Model):
    """A donor who shared their identity with an organization, per currency, program and frequency of their gifts: the
    first and last day they paid. With RollupDonorDay, what the reports count "donors who shared their name" from
    (once each, by email) without reading every payment; kept with PaymentRollup (donations.services.rollups).

    The donor is known here only by a hash of their email in lower case (`email_key`, 64 bits of SHA-256: an integer,
    quick to count distinct): enough to count them once.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("program")
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    email_key = models.BigIntegerField(_("donor key"))
    first_day = models.DateField(_("first paid"))
    last_day = models.DateField(_("last paid"))

    class Meta:
        verbose_name = _("donor rollup")
        verbose_name_plural = _("donor rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email_key", "currency", "frequency", "program"],
                condition=Q(program__isnull=False),
                name="rollup_donor_key_program",
            ),
            models.UniqueConstraint(
                fields=["organization", "email_key", "currency", "frequency"],
                condition=Q(program__isnull=True),
                name="rollup_donor_key_no_program",
            ),
        ]
        indexes = [models.Index(fields=["organization", "last_day", "first_day"], name="rollup_donor_org_days")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.currency} {self.first_day}..{self.last_day}"


class RollupDonorDay(models.Model):
    """A day a RollupDonor paid: read only for donors whose first and last days lie outside a report's period."""

    donor = models.ForeignKey(RollupDonor, on_delete=models.CASCADE, related_name="days", verbose_name=_("donor"))
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("donor rollup day")
        verbose_name_plural = _("donor rollup days")
        constraints = [models.UniqueConstraint(fields=["donor", "day"], name="rollup_donor_day_unique")]

    def __str__(self) -> str:
        return f"{self.donor_id} {self.day}"


class DisputeQuerySet(models.QuerySet["Dispute"]):
    def open(self) -> "DisputeQuerySet":
        """Disputes Stripe has not closed yet: the money is in question (or already withdrawn) until they close."""
        return self.exclude(status__in=Dispute.CLOSED)

    def lost(self) -> "DisputeQuerySet":
        return self.filter(status=Dispute.Status.LOST)


class Dispute(models.Model):
    """A cardholder's dispute of a payment's charge (Stripe's `dp_` object), one record per dispute.

    Its status follows Stripe's dispute statuses. While open, the disputed amount is in question; when lost, it is
    gone (not received); when won, it counts again.
    """

    class Status(models.TextChoices):
        WARNING_NEEDS_RESPONSE = "warning_needs_response", _("inquiry: needs response")
        WARNING_UNDER_REVIEW = "warning_under_review", _("inquiry: under review")
        WARNING_CLOSED = "warning_closed", _("inquiry: closed")
        NEEDS_RESPONSE = "needs_response", _("needs response")
        UNDER_REVIEW = "under_review", _("under review")
        WON = "won", _("won")
        LOST = "lost", _("lost")
        PREVENTED = "prevented", _("prevented")

    CLOSED = (Status.WARNING_CLOSED, Status.WON, Status.LOST, Status.PREVENTED)

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("payment"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("organization")
    )
    stripe_dispute_id = models.CharField(_("stripe dispute id"), max_length=255, unique=True)
    stripe_charge_id = models.CharField(_("stripe charge id"), max_length=255, blank=True)
    amount = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=50, blank=True)
    evidence_due_by = models.DateTimeField(_("evidence due by"), null=True, blank=True)
    funds_withdrawn_at = models.DateTimeField(_("funds withdrawn at"), null=True, blank=True)
    funds_reinstated_at = models.DateTimeField(_("funds reinstated at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    staff_notified_at = models.DateTimeField(_("staff emailed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["organization", "opened_at"], name="dispute_org_opened_at")]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return f"{self.stripe_dispute_id} {format_money(self.amount, self.currency)}"

    @property
    def display_amount(self) -> str:
        return format_money(self.amount, self.currency)

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED


class ActionRequiredQuerySet(models.QuerySet):
    def awaiting(self) -> "ActionRequiredQuerySet":
        """Months still waiting for the donor: the invoice is not paid (no payment for it) and the gift runs."""
        return self.filter(pledge__status__in=PledgeQuerySet.RUNNING_MONTHLY).exclude(
            models.Exists(Payment.objects.filter(stripe_id=models.OuterRef("stripe_invoice_id")))
        )


class ActionRequired(models.Model):
    """A monthly invoice whose payment the donor's bank asks the donor to confirm (3-D Secure): the donor is sent
    Stripe's hosted invoice page, once. Awaiting the donor until a payment for the invoice is recorded."""

    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, related_name="actions_required", verbose_name=_("pledge")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="actions_required", verbose_name=_("organization")
    )
    stripe_invoice_id = models.CharField(_("stripe invoice id"), max_length=255, unique=True)
    amount = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    hosted_invoice_url = models.URLField(_("hosted invoice page"), max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    notice_sent_at = models.DateTimeField(_("donor emailed at"), null=True, blank=True)

    objects = ActionRequiredQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("payment awaiting the donor")
        verbose_name_plural = _("payments awaiting the donor")

    def __str__(self) -> str:
        return self.stripe_invoice_id

    @property
    def amount_display(self) -> str:
        return format_money(self.amount, self.currency)


class Outcome(enum.StrEnum):
    """What handling a Stripe event (or a re-fetched Checkout Session) did: logged, stored in StripeEvent.outcome,
    answered to the webhook. The last four are templates: `Outcome.REFUNDS_RECORDED.format(count=2)`."""

    MOVED = "moved"  # the pledge moved (the three values of transitions.Moved)
    ALREADY = "already there"
    REFUSED = "refused"
    DUPLICATE = "duplicate"
    UNHANDLED = "ignored: unhandled type"
    NOT_OURS = "ignored: not ours"
    SESSION_OPEN = "ignored: session still open"
    INVOICE_PAID = "ignored: the invoice is paid"
    ACTION_REQUIRED = "awaiting the donor's confirmation"  # 3-D Secure on a renewal: the donor was sent the link
    ACTION_ALREADY = "ignored: the donor was already asked"
    REFUNDS_RECORDED = "{count} refund(s) recorded"
    REFUND_UPDATED = "refund {id}: {status}"
    NOTED = "noted in the pledge's history"  # nothing moved; the news (a decline, say) is on the pledge's history
    SUBSCRIPTION_IGNORED = "ignored: subscription {status}"
    UNPROCESSABLE = "unprocessable: {reason}"  # signed, but not an event the portal can read; kept for staff
    MISMATCH = "flagged: {detail}"  # an amount or currency that is not the pledge's: not accepted as paid
    DISPUTE = "dispute {id}: {status}"  # a dispute recorded or moved on (see services.disputes)
    DISPUTE_UNCHANGED = "dispute {id}: nothing new"  # a repeated or late event for a dispute: nothing changes


class StripeEvent(models.Model):
    """Every event Stripe sent or reconciliation fetched, recorded (uniquely) before it is acted on."""

    event_id = models.CharField(_("event id"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100, db_index=True)
    created = models.DateTimeField(_("created"), help_text=_("When Stripe created the event."))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    payload = models.JSONField(_("payload"))

    class Meta:
        ordering = ["-created"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class UpdateMailing(models.Model):
    """A published update's emails were queued (once: the row is unique per update)."""

    update = models.OneToOneField("orgs.Update", on_delete=models.CASCADE, related_name="+", verbose_name=_("update"))
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)

    class Meta:
        verbose_name = _("update mailing")
        verbose_name_plural = _("update mailings")

    def __str__(self) -> str:
        return str(self.update_id)


class UpdateEmail(models.Model):
    """One published update to one donor who asked for it: sent once (sent_at), whatever runs twice."""

    update = models.ForeignKey("orgs.Update", on_delete=models.CASCADE, related_name="+", verbose_name=_("update"))
    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="update_emails", verbose_name=_("latest pledge asking")
    )
    donor_email = models.EmailField(_("donor email"))
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("update email")
        verbose_name_plural = _("update emails")
        constraints = [models.UniqueConstraint(fields=["update", "donor_email"], name="update_email_once_per_donor")]

    def __str__(self) -> str:
        return f"{self.update_id}:{self.pk}"
