"""Refunds that take time: pending, then succeeded or failed. A failed refund never counts; the pledge and the
donor's email wait for success; Stripe's events may come in any order, twice."""

import pytest
from django.core import mail

from donations.models import Payment, Pledge, PledgeStatus, Refund
from donations.services.refunds import payment_refundable
from reports.selectors import ReportFilters, report_totals
from tests.donations.conftest import deliver, give, new_events, pay_on_checkout_page
from tests.live import one_at_a_time

pytestmark = pytest.mark.django_db


def _paid_gift(client, server, org) -> tuple[Payment, str]:
    give(client, org)
    pay_on_checkout_page(Pledge.objects.get().stripe_checkout_url)
    deliver(client, new_events(server))
    payment = Payment.objects.get()
    return payment, server.store.get("payment_intent", payment.stripe_payment_intent_id)["latest_charge"]


def _refunded_in_report(org) -> int:
    totals = {row.currency: row for row in report_totals(org, ReportFilters.default())}
    return totals["USD"].refunded


def _refund_emails() -> list:
    return [m for m in mail.outbox if "refund" in m.subject.lower()]


def test_pending_refund_that_fails_never_counts(client, stripe_sandbox, giving_org, django_capture_on_commit_callbacks):
    payment, charge = _paid_gift(client, stripe_sandbox, giving_org)
    stripe_sandbox.make_refunds_pending()
    refund_id = stripe_sandbox.dashboard_refund(charge)["id"]
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, new_events(stripe_sandbox))  # charge.refunded, refund.created
    refund = Refund.objects.get()
    assert (refund.stripe_refund_id, refund.status, refund.amount) == (refund_id, "pending", 2500)
    assert _refunded_in_report(giving_org) == 2500  # Stripe took it from the balance while it is pending
    assert Pledge.objects.get().status == PledgeStatus.PAID  # not refunded until it succeeds
    assert _refund_emails() == []  # nor is the donor told yet

    stripe_sandbox.settle_refund(refund_id, "fail")
    events = new_events(stripe_sandbox)
    assert [e["type"] for e in events] == ["refund.updated", "charge.refund.updated", "refund.failed"]
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, events[::-1] + events)  # in any order, twice
    refund.refresh_from_db()
    assert refund.status == "failed"
    assert _refunded_in_report(giving_org) == 0
    assert payment_refundable(payment) == 2500
    assert Pledge.objects.get().status == PledgeStatus.PAID
    assert _refund_emails() == []


def test_pending_refund_that_succeeds_refunds_the_gift_and_tells_the_donor_once(
    client, stripe_sandbox, giving_org, django_capture_on_commit_callbacks
):
    _paid_gift(client, stripe_sandbox, giving_org)
    stripe_sandbox.make_refunds_pending()
    refund_id = stripe_sandbox.dashboard_refund(charge := _charge_of(stripe_sandbox))["id"]
    created = new_events(stripe_sandbox)
    stripe_sandbox.settle_refund(refund_id, "succeed")
    settled = new_events(stripe_sandbox)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, settled + created + settled)  # the news of success first, the older news after
    refund = Refund.objects.get()
    assert refund.status == "succeeded" and stripe_sandbox.store.get("charge", charge)["amount_refunded"] == 2500
    assert Pledge.objects.get().status == PledgeStatus.REFUNDED
    assert len(_refund_emails()) == 1
    assert _refunded_in_report(giving_org) == 2500


def test_a_late_pending_news_never_undoes_a_failure(client, stripe_sandbox, giving_org):
    _paid_gift(client, stripe_sandbox, giving_org)
    stripe_sandbox.make_refunds_pending()
    refund_id = stripe_sandbox.dashboard_refund(_charge_of(stripe_sandbox))["id"]
    created = new_events(stripe_sandbox)
    stripe_sandbox.settle_refund(refund_id, "fail")
    failed = new_events(stripe_sandbox)
    pending_news = [{**e, "id": e["id"] + "late"} for e in failed if e["type"] == "charge.refund.updated"]
    pending_news[0]["data"] = {"object": {**pending_news[0]["data"]["object"], "status": "pending"}}
    deliver(client, failed + pending_news + created)
    assert Refund.objects.get().status == "failed"


def _charge_of(server) -> str:
    return server.store.get("payment_intent", Payment.objects.get().stripe_payment_intent_id)["latest_charge"]


@pytest.mark.django_db(transaction=True)
def test_staff_refund_that_fails_later_through_asynchronous_webhooks(
    client, live_server, superuser, superuser_client, stripe_sandbox, giving_org
):
    from tests.donations.test_admin_money import _refund

    payment, _charge = _paid_gift(client, stripe_sandbox, giving_org)
    stripe_sandbox.set_webhook_url(live_server.url + "/donations/stripe/webhook/")  # async, random order
    stripe_sandbox.make_refunds_pending(outcome="fail", delay=0.05)  # the bank refuses it a moment later
    with one_at_a_time():  # its webhooks wait for the page to finish (tests/live.py)
        response = _refund(superuser_client, payment, amount="25", reason="Gave twice", request_key="c" * 32)
    assert "Refunded US$25.00" in response.text  # Stripe accepted it (pending)
    for timer in stripe_sandbox._timers:
        timer.join(timeout=10)
    stripe_sandbox.wait_for_deliveries()
    refund = Refund.objects.get()
    assert (refund.status, refund.requested_by, refund.reason) == ("failed", superuser, "Gave twice")
    assert _refunded_in_report(giving_org) == 0 and payment_refundable(payment) == 2500
    assert Pledge.objects.get().status == PledgeStatus.PAID
    assert _refund_emails() == []
    types = {e["type"] for e in stripe_sandbox.events()}
    assert {"charge.refunded", "refund.updated", "charge.refund.updated", "refund.failed"} <= types
