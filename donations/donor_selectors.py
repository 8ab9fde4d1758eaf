"""Reads for the donor's own page (`/donations/mine/`): their gifts, receipts and annual statements.

Everything here is found by the donor's email (case-insensitive) among pledges whose identity is not erased; a
donor never sees another address's gifts.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from common.money import format_money
from donations.models import Dispute, Frequency, Payment, Pledge, PledgeStatus, Refund

S = PledgeStatus


def donor_pledges(email: str):
    """The donor's pledges that are gifts (paid at least once, or a monthly gift that ran), newest first."""
    if not email:
        return Pledge.objects.none()
    completed = Q(payments__isnull=False) | Q(status__in=(S.ACTIVE, S.PAST_DUE, S.CANCELED))
    return (
        Pledge.objects.filter(donor_email__iexact=email, identity_erased_at__isnull=True)
        .filter(completed)
        .distinct()
        .select_related("organization", "program")
    )


def donor_pledge(email: str, reference: str) -> Pledge | None:
    return donor_pledges(email).filter(reference=reference).first()


@dataclass
class PaymentLine:
    payment: Payment
    refunded: int
    disputed: bool

    @property
    def net(self) -> int:
        return self.payment.amount - self.refunded

    @property
    def display_refunded(self) -> str:
        return format_money(self.refunded, self.payment.currency)

    @property
    def display_net(self) -> str:
        return format_money(self.net, self.payment.currency)


@dataclass
class Gift:
    pledge: Pledge
    payments: list[PaymentLine]
    status: str  # a key of GIFT_STATUS
    open_dispute: bool

    @property
    def status_label(self) -> str:
        return str(GIFT_STATUS[self.status])


GIFT_STATUS = {
    "paid": _("paid"),
    "partly_refunded": _("partly refunded"),
    "refunded": _("refunded"),
    "disputed": _("disputed"),
    "monthly_active": _("monthly: active"),
    "monthly_paused": _("monthly: paused"),
    "monthly_past_due": _("monthly: past due"),
    "monthly_stopped": _("monthly: stopped"),
    "processing": _("processing"),
}


def _status(pledge: Pledge, lines: list[PaymentLine]) -> str:
    if any(line.disputed for line in lines):
        return "disputed"
    if pledge.frequency == Frequency.MONTHLY:
        if pledge.status == S.CANCELED:
            return "monthly_stopped"
        if pledge.status == S.PAST_DUE:
            return "monthly_past_due"
        return "monthly_paused" if pledge.is_paused else "monthly_active"
    paid = sum(line.payment.amount for line in lines)
    refunded = sum(line.refunded for line in lines)
    if lines and refunded >= paid:
        return "refunded"
    if refunded:
        return "partly_refunded"
    return "paid" if lines else "processing"


def _payments_prefetch() -> Prefetch:
    refunds = Prefetch("refunds", queryset=Refund.objects.counted(), to_attr="counted_refunds")
    disputes = Prefetch("disputes", queryset=Dispute.objects.all(), to_attr="all_disputes")
    return Prefetch(
        "payments", queryset=Payment.objects.order_by("paid_at").prefetch_related(refunds, disputes), to_attr="paid"
    )


def _lines(pledge: Pledge) -> list[PaymentLine]:
    return [
        PaymentLine(
            payment=payment,
            refunded=sum(r.amount for r in payment.counted_refunds),
            disputed=any(d.is_open or d.status == Dispute.Status.LOST for d in payment.all_disputes),
        )
        for payment in pledge.paid
    ]


def donor_gifts(email: str) -> list[Gift]:
    """Each of the donor's gifts with its payments (refunded amounts, disputes) and its status for the donor."""
    gifts = []
    for pledge in donor_pledges(email).prefetch_related(_payments_prefetch()):
        lines = _lines(pledge)
        open_dispute = any(d.is_open for line in lines for d in line.payment.all_disputes)
        gifts.append(Gift(pledge=pledge, payments=lines, status=_status(pledge, lines), open_dispute=open_dispute))
    return gifts


def donor_payment(email: str, payment_id: int) -> Payment | None:
    """One of the donor's payments (for its receipt)."""
    return (
        Payment.objects.filter(pk=payment_id, pledge__in=donor_pledges(email))
        .select_related("pledge__organization", "pledge__program")
        .first()
    )


@dataclass
class Statement:
    year: int
    organization: object
    lines: list[PaymentLine] = field(default_factory=list)

    @property
    def totals(self) -> list[str]:
        """Net received per currency (never added across currencies), in currency order."""
        sums: dict[str, int] = defaultdict(int)
        for line in self.lines:
            sums[line.payment.currency] += line.net
        return [format_money(amount, code) for code, amount in sorted(sums.items())]

    @property
    def legal_name(self) -> str:
        return self.organization.legal_name

    @property
    def registration_number(self) -> str:
        return self.organization.registration_number


def donor_statements(email: str) -> list[Statement]:
    """One statement per year and organization with money received, newest year first."""
    found: dict[tuple[int, int], Statement] = {}
    for gift in donor_gifts(email):
        for line in gift.payments:
            year = line.payment.paid_at.year
            key = (year, gift.pledge.organization_id)
            statement = found.setdefault(key, Statement(year=year, organization=gift.pledge.organization))
            statement.lines.append(line)
    for statement in found.values():
        statement.lines.sort(key=lambda line: line.payment.paid_at)
    return sorted(found.values(), key=lambda s: (-s.year, s.organization.name))


def donor_statement(email: str, year: int, slug: str) -> Statement | None:
    return next((s for s in donor_statements(email) if s.year == year and s.organization.slug == slug), None)
