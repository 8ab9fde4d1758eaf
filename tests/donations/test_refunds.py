"""Refunds made in Stripe's dashboard reach the records, in part or in full, even before the payment's news."""

import pytest

from donations.models import Payment, Pledge, PledgeStatus, Refund
from tests.donations.conftest import deliver, events_by_type, give, new_events, pay_on_checkout_page, start_monthly_gift

pytestmark = pytest.mark.django_db


def test_refund_made_in_stripe_dashboard_shows_up(
    client, stripe_sandbox, giving_org, django_capture_on_commit_callbacks
):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    deliver(client, new_events(stripe_sandbox))
    charge_id = stripe_sandbox.store.get("payment_intent", Payment.objects.get().stripe_payment_intent_id)[
        "latest_charge"
    ]

    stripe_sandbox.dashboard_refund(charge_id, amount=1000)
    deliver(client, new_events(stripe_sandbox))
    refund = Refund.objects.get()
    assert (refund.amount, refund.currency, refund.source) == (1000, "USD", Refund.Source.STRIPE)
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAID  # partly refunded

    stripe_sandbox.dashboard_refund(charge_id)
    events = new_events(stripe_sandbox)
    deliver(client, events)
    deliver(client, events)
    assert Refund.objects.count() == 2 and sum(r.amount for r in Refund.objects.all()) == 2500
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.REFUNDED


def test_refund_before_completed(client, stripe_sandbox, giving_org):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    completed = events_by_type(new_events(stripe_sandbox))["checkout.session.completed"]
    intent = stripe_sandbox.store.get("payment_intent", completed["data"]["object"]["payment_intent"])
    stripe_sandbox.dashboard_refund(intent["latest_charge"])
    refunded = events_by_type(new_events(stripe_sandbox))["charge.refunded"]
    deliver(client, [refunded, completed, refunded])
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.REFUNDED
    assert Payment.objects.count() == 1 and Refund.objects.count() == 1
    assert Refund.objects.get().amount == Payment.objects.get().amount == 2500


def test_refund_of_a_month_before_its_invoice_is_retried_not_lost(client, stripe_sandbox, giving_org_with_program):
    from tests.donations.webhook_helpers import post_event

    pledge, first = start_monthly_gift(client, stripe_sandbox, giving_org_with_program)
    deliver(client, [first["checkout.session.completed"]])
    stripe_sandbox.advance(
        stripe_sandbox.store.get("checkout.session", pledge.stripe_checkout_session_id)["subscription"]
    )
    second_paid = events_by_type(new_events(stripe_sandbox))["invoice.paid"]
    invoice = stripe_sandbox.store.get("invoice", second_paid["data"]["object"]["id"])
    intent_id = next(
        p["payment"]["payment_intent"]
        for p in stripe_sandbox.store.all("invoice_payment")
        if p["invoice"] == invoice["id"]
    )
    stripe_sandbox.dashboard_refund(stripe_sandbox.store.get("payment_intent", intent_id)["latest_charge"])
    refunded = events_by_type(new_events(stripe_sandbox))["charge.refunded"]
    assert post_event(client, refunded).status_code == 500  # not recorded yet: Stripe will deliver it again
    deliver(client, [first["invoice.paid"], second_paid, refunded])
    assert Refund.objects.get().payment.stripe_id == invoice["id"]
