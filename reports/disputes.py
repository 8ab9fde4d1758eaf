"""Reads for reports about disputes and refunds taken back from an organization's connected account.

Kept apart from selectors.py's payment and refund totals (which may come from rollups): these read the Dispute and
Refund tables directly and are combined with those totals per currency by `with_disputes`. A lost dispute's money is
not received: the net subtracts it; a won dispute's counts again (it is no longer lost).
"""

from dataclasses import MISSING, dataclass, fields

from django.db.models import Count, Q, QuerySet, Sum

from common.money import format_money
from donations.models import Dispute
from orgs.models import Organization
from reports.selectors import CurrencyTotals, ReportFilters, refunds_in


@dataclass(frozen=True)
class DisputeTotals:
    currency: str
    open_count: int = 0  # disputes open now (the money is in question, or already withdrawn, until they close)
    open_amount: int = 0
    lost_count: int = 0  # disputes lost in the period (closed as lost between its start and end)
    lost_amount: int = 0
    reversed_amount: int = 0  # refunds in the period taken back from the organization's connected account


def _disputes(organization: Organization, filters: ReportFilters) -> QuerySet[Dispute]:
    disputes = Dispute.objects.filter(organization=organization)
    if filters.program:
        disputes = disputes.filter(payment__pledge__program=filters.program)
    if filters.frequency:
        disputes = disputes.filter(payment__pledge__frequency=filters.frequency)
    return disputes.filter(currency=filters.currency) if filters.currency else disputes


def dispute_totals(organization: Organization, filters: ReportFilters) -> dict[str, DisputeTotals]:
    """Per currency: the amount under open dispute now, the amount lost to disputes closed in the period, and the
    refunds of the period whose transfer was reversed from the organization's connected account."""
    in_period = Q(status=Dispute.Status.LOST, closed_at__gte=filters.since, closed_at__lt=filters.until)
    rows = (
        _disputes(organization, filters)
        .filter(Q(status__in=[s for s in Dispute.Status if s not in Dispute.CLOSED]) | in_period)
        .values("currency")
        .annotate(
            open_count=Count("id", filter=~Q(status__in=Dispute.CLOSED)),
            open_amount=Sum("amount", filter=~Q(status__in=Dispute.CLOSED), default=0),
            lost_count=Count("id", filter=in_period),
            lost_amount=Sum("amount", filter=in_period, default=0),
        )
    )
    totals = {row["currency"]: row for row in rows}
    reversed_refunds = (
        refunds_in(organization, filters)
        .exclude(transfer_reversal_id="")
        .values("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    )
    for code, total in reversed_refunds:
        totals.setdefault(code, {"currency": code})["reversed_amount"] = total
    return {code: DisputeTotals(**row) for code, row in totals.items()}


@dataclass(frozen=True)
class TotalsWithDisputes(CurrencyTotals):
    """A currency's totals with its disputes: the net no longer counts money lost to disputes."""

    under_dispute: int = 0
    disputes_open: int = 0
    lost_to_disputes: int = 0
    disputes_lost: int = 0
    refunded_from_account: int = 0  # of `refunded`: taken back from the organization's connected account

    @property
    def net(self) -> int:
        return super().net - self.lost_to_disputes

    @property
    def under_dispute_display(self) -> str:
        return format_money(self.under_dispute, self.currency)

    @property
    def lost_to_disputes_display(self) -> str:
        return format_money(self.lost_to_disputes, self.currency)

    @property
    def refunded_from_account_display(self) -> str:
        return format_money(self.refunded_from_account, self.currency)


def _empty(code: str) -> dict:
    """A currency with disputes but no other figure in the period: every total zero."""
    return {f.name: 0 for f in fields(CurrencyTotals) if f.default is MISSING and f.name != "currency"}


def with_disputes(totals: list[CurrencyTotals], disputes: dict[str, DisputeTotals]) -> list[TotalsWithDisputes]:
    """The report's totals per currency, each with its disputes (currencies sorted, as report_totals sorts them)."""
    by_currency = {row.currency: row for row in totals}
    combined = []
    for code in sorted(set(by_currency) | set(disputes)):
        base = (
            {f.name: getattr(by_currency[code], f.name) for f in fields(CurrencyTotals)} if code in by_currency else {}
        )
        d = disputes.get(code) or DisputeTotals(currency=code)
        combined.append(
            TotalsWithDisputes(
                **({**_empty(code), "currency": code} | base),
                under_dispute=d.open_amount,
                disputes_open=d.open_count,
                lost_to_disputes=d.lost_amount,
                disputes_lost=d.lost_count,
                refunded_from_account=d.reversed_amount,
            )
        )
    return combined
