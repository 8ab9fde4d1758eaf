"""Disputes and refunds taken back from a connected account in an organization's report: per currency, the money
under dispute now and the money lost to disputes (left out of the net), a won dispute counting again; the CSV
shows each payment's dispute. The donor's identity appears only when shared."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from donations.models import Dispute
from reports import disputes, selectors
from tests import factories

pytestmark = pytest.mark.django_db


def _dispute(payment, status: str, amount: int | None = None, closed_days_ago: int | None = None) -> Dispute:
    closed = timezone.now() - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
    return Dispute.objects.create(
        payment=payment,
        organization_id=payment.organization_id,
        stripe_dispute_id=f"dp_{payment.stripe_id}",
        amount=payment.amount if amount is None else amount,
        currency=payment.currency,
        status=status,
        reason="fraudulent",
        closed_at=closed,
    )


@pytest.fixture
def disputed(org_a, org_b):
    """Organization A: US$25 lost, US$40 won, US$10 under dispute now, ₩50,000 under dispute, a US$30 refund taken back
    from its connected account; organization B: a lost dispute of its own."""

    def gift(org, amount, currency="USD", **fields):
        pledge = factories.pledge(organization=org, status="paid", currency=currency, gift_amount=amount, **fields)
        return factories.payment(pledge=pledge, paid_at=timezone.now() - timedelta(days=20))

    secret = gift(org_a, 2500, donor_name="Hidden Hana", donor_email="hana@example.org")
    _dispute(secret, "lost", closed_days_ago=2)
    _dispute(gift(org_a, 4000), "won", closed_days_ago=1)
    _dispute(gift(org_a, 1000), "needs_response")
    _dispute(gift(org_a, 50000, "KRW"), "warning_under_review")
    refunded = gift(org_a, 3000)
    factories.refund(payment=refunded, amount=3000, transfer_reversal_id="trr_1")
    factories.refund(payment=gift(org_a, 500), amount=500)  # paid back by the platform: not "taken back"
    _dispute(gift(org_b, 9900), "lost", closed_days_ago=2)
    return secret


def _by_currency(org) -> dict:
    filters = selectors.ReportFilters.default()
    rows = disputes.with_disputes(selectors.report_totals(org, filters), disputes.dispute_totals(org, filters))
    return {row.currency: row for row in rows}


def test_totals_per_currency_leave_lost_disputes_out_of_the_net(disputed, org_a):
    usd, krw = _by_currency(org_a)["USD"], _by_currency(org_a)["KRW"]
    assert usd.received == 2500 + 4000 + 1000 + 3000 + 500
    assert usd.refunded == 3500 and usd.refunded_from_account == 3000
    assert (usd.lost_to_disputes, usd.disputes_lost) == (2500, 1)
    assert usd.net == 11000 - 3500 - 2500  # the won dispute counts again; the open one is not lost (yet)
    assert (usd.under_dispute, usd.disputes_open) == (1000, 1)
    assert (krw.under_dispute, krw.lost_to_disputes, krw.net) == (50000, 0, 50000)


def test_a_lost_dispute_outside_the_period_or_with_other_filters_is_not_counted(disputed, org_a):
    Dispute.objects.filter(status="lost").update(closed_at=timezone.now() - timedelta(days=800))
    assert _by_currency(org_a)["USD"].lost_to_disputes == 0
    filters = selectors.ReportFilters(start=timezone.localdate(), end=timezone.localdate(), currency="KRW")
    assert set(disputes.dispute_totals(org_a, filters)) == {"KRW"}


def test_a_currency_with_only_disputes_gets_a_row(org_a):
    pledge = factories.pledge(organization=org_a, status="paid", currency="KRW", gift_amount=30000)
    payment = factories.payment(pledge=pledge, paid_at=timezone.now() - timedelta(days=900))
    _dispute(payment, "lost", closed_days_ago=3)
    [krw] = _by_currency(org_a).values()
    assert (krw.currency, krw.received, krw.lost_to_disputes, krw.net) == ("KRW", 0, 30000, -30000)


def test_report_page_shows_disputes_and_reversed_refunds_to_members_only(disputed, member_a_client, member_b_client):
    page = member_a_client.get("/reports/alpha/").text
    flat = " ".join(page.split())
    for text in ("Lost to disputes", "Under dispute now", "US$25.00 (1)", "US$10.00 (1)", "₩50,000 (1)"):
        assert text in flat, text
    assert "US$30.00 taken back from your Stripe account" in flat
    assert "US$50.00" in flat  # net: 110 received - 35 refunded - 25 lost
    assert "Hidden Hana" not in page and "hana@example.org" not in page
    other = " ".join(member_b_client.get("/reports/beta/").text.split())
    assert "US$99.00 (1)" in other and "US$25.00" not in other  # B's own lost dispute, none of A's
    assert member_b_client.get("/reports/alpha/").status_code == 404


def test_csv_shows_each_payments_dispute_without_unshared_donors(disputed, member_a_client):
    content = b"".join(member_a_client.get("/reports/alpha/gifts.csv").streaming_content)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    by_status = {row["dispute"]: row for row in rows}
    assert set(by_status) == {"lost", "won", "needs_response", "warning_under_review", ""}
    assert by_status["lost"]["disputed"] == "25.00" and by_status["lost"]["donor name"] == "Anonymous"
    assert by_status["warning_under_review"]["disputed"] == "50000"
    assert "hana@example.org" not in content.decode("utf-8-sig")
