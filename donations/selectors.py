"""Reads about the portal's own gifts for donors' pages: a program's progress toward its goals, what to do next."""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from common.links import portal_url
from common.money import format_money, input_value
from donations.models import Dispute, Frequency, Payment, Pledge, Refund
from orgs import selectors as directory
from orgs.models import Program


@dataclass(frozen=True)
class GoalProgress:
    """Progress toward one currency's goal: what the portal's payments brought, refunds and lost disputes out."""

    currency: str
    goal: int
    received: int
    gifts: int

    @property
    def percent(self) -> int:
        """Whole percent reached, at most 100 (for the bar); the amounts say the rest."""
        return min(100, self.received * 100 // self.goal)

    @property
    def goal_display(self) -> str:
        return format_money(self.goal, self.currency)

    @property
    def received_display(self) -> str:
        return format_money(self.received, self.currency)


def _per_payment_totals(model, **filters) -> Subquery:
    rows = model.objects.filter(payment=OuterRef("pk"), **filters).values("payment").annotate(total=Sum("amount"))
    return Subquery(rows.values("total"))


def program_received(*, program: Program) -> dict[str, tuple[int, int]]:
    """Per currency: (received, gifts) from the portal's own payments to this program. Each payment counts what is
    left of it after its counted refunds and lost disputes (never below zero); a payment with nothing left is not a
    gift. Open disputes still count: the money is in question, not gone. One query; currencies never mixed."""
    refunded = _per_payment_totals(Refund, status__in=Refund.COUNTED)
    lost = _per_payment_totals(Dispute, status=Dispute.Status.LOST)
    payments = (
        Payment.objects.filter(pledge__program=program)
        .annotate(kept=Greatest(Value(0), F("amount") - Coalesce(refunded, 0) - Coalesce(lost, 0)))
        .values("currency")
        .annotate(received=Sum("kept"), gifts=Count("id", filter=Q(kept__gt=0)))
        .order_by("currency")
    )
    return {row["currency"]: (row["received"] or 0, row["gifts"]) for row in payments}


def program_progress(*, program: Program) -> list[GoalProgress]:
    """One row per currency the program has a goal in (program.goals should be prefetched)."""
    goals = list(program.goals.all())
    if not goals:
        return []
    received = program_received(program=program)
    return [
        GoalProgress(
            currency=goal.currency,
            goal=goal.amount,
            received=received.get(goal.currency, (0, 0))[0],
            gifts=received.get(goal.currency, (0, 0))[1],
        )
        for goal in goals
    ]


@dataclass(frozen=True)
class AfterGift:
    """What the thank-you page offers next: make it monthly, share, other organizations on the same cause."""

    monthly_url: str | None
    share_url: str
    share_links: list[tuple[str, str]]
    others: list


def _share_links(url: str, text: str) -> list[tuple[str, str]]:
    """Plain links (no scripts, no trackers): the browser opens the service's own share page, if the donor wants."""
    quoted_url, quoted_text = quote(url, safe=""), quote(text, safe="")
    return [
        (_("Email"), f"mailto:?subject={quoted_text}&body={quoted_url}"),
        ("X", f"https://x.com/intent/post?url={quoted_url}&text={quoted_text}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={quoted_url}"),
        ("LINE", f"https://social-plugins.line.me/lineit/share?url={quoted_url}"),
    ]


def after_gift(*, pledge: Pledge) -> AfterGift:
    organization = pledge.organization
    page = pledge.program.get_absolute_url() if pledge.program else organization.get_absolute_url()
    share_url = portal_url(page)  # the portal's public address, whichever host the donor came back through
    monthly_url = None
    if not pledge.is_monthly:
        query = {"frequency": Frequency.MONTHLY, "amount": input_value(pledge.gift_amount, pledge.currency)}
        query["currency"] = pledge.currency
        if pledge.program:
            query["program"] = str(pledge.program.pk)
        monthly_url = f"{page}?{urlencode(query)}#give"
    causes = list(organization.causes.all())
    if pledge.program and pledge.program.cause:
        causes.append(pledge.program.cause)
    return AfterGift(
        monthly_url=monthly_url,
        share_url=share_url,
        share_links=_share_links(share_url, organization.local_name),
        others=directory.organizations_on_causes(causes=causes, exclude=organization) if causes else [],
    )
