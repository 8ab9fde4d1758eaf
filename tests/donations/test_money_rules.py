"""The money rules the QuerySets carry: which refunds count, which monthly gifts run, what is not completed, net."""

import re

import pytest

from donations.models import Payment, Pledge, PledgeStatus, Refund
from donations.services.refunds import payment_refundable
from tests import factories

pytestmark = pytest.mark.django_db

COUNTED = ["succeeded", "pending", "requires_action"]
NOT_COUNTED = ["failed", "canceled"]


def _payment(amount: int = 5000) -> Payment:
    org = factories.giving_organization()
    pledge = factories.pledge(organization=org, gift_amount=amount, status=PledgeStatus.PAID)
    return factories.payment(pledge=pledge, stripe_id="pi_rules")


def _refunded_cell(html: str) -> str:
    cell = re.search(r'<td class="field-refunded_display">(.*?)</td>', html, re.S)
    assert cell, "the payment changelist has a refunded column"
    return cell.group(1).strip()


def test_admin_refunded_column_counts_only_counted_refunds(superuser_client):
    payment = _payment(5000)
    factories.refund(payment=payment, amount=1000, status="succeeded")
    factories.refund(payment=payment, amount=3000, status="failed")
    response = superuser_client.get("/admin/donations/payment/")
    assert response.status_code == 200
    assert _refunded_cell(response.content.decode()) == "US$10.00"


def test_admin_refunded_column_is_empty_when_every_refund_failed(superuser_client):
    factories.refund(payment=_payment(5000), amount=3000, status="failed")
    cell = _refunded_cell(superuser_client.get("/admin/donations/payment/").content.decode())
    assert "US$" not in cell  # the admin's empty-value mark, as for a payment never refunded


def test_counted_refunds_are_succeeded_pending_and_requires_action():
    payment = _payment(100_000)
    for status in COUNTED + NOT_COUNTED:
        factories.refund(payment=payment, amount=1000, status=status)
    assert sorted(Refund.objects.counted().values_list("status", flat=True)) == sorted(COUNTED)
    assert Refund.objects.counted().total() == 3000
    assert payment.refunds.counted().total() == 3000


def test_total_of_no_refunds_is_zero():
    assert Refund.objects.counted().total() == 0


def test_running_monthly_is_active_or_past_due_monthly_gifts():
    org = factories.giving_organization()
    for status in PledgeStatus.values:
        factories.pledge(organization=org, frequency="monthly", status=status)
    factories.pledge(organization=org, frequency="once", status=PledgeStatus.PAID)
    running = Pledge.objects.running_monthly()
    assert sorted(running.values_list("status", flat=True)) == ["active", "past_due"]
    assert set(running.values_list("frequency", flat=True)) == {"monthly"}


def test_not_completed_is_pledged_but_not_received():
    org = factories.giving_organization()
    for status in PledgeStatus.values:
        factories.pledge(organization=org, status=status)
    statuses = sorted(Pledge.objects.not_completed().values_list("status", flat=True))
    assert statuses == ["abandoned", "expired", "failed", "pending", "processing"]


def test_net_of_a_payment_leaves_failed_refunds_out():
    payment = _payment(5000)
    factories.refund(payment=payment, amount=1000, status="succeeded")
    factories.refund(payment=payment, amount=500, status="pending")
    factories.refund(payment=payment, amount=3000, status="failed")
    assert Payment.objects.with_refunded().get(pk=payment.pk).refunded_total == 1500
    assert payment_refundable(payment) == 3500


def test_payment_without_counted_refunds_has_no_refunded_total():
    payment = _payment(5000)
    factories.refund(payment=payment, amount=5000, status="canceled")
    assert Payment.objects.with_refunded().get(pk=payment.pk).refunded_total is None
    assert payment_refundable(payment) == 5000
