"""News in any order ends right (what the webhook storm in bench/storm.py found): a refund's events re-fetch the
refund, a failed refund gives a single gift back its "paid", and a late Checkout completion follows the subscription
as Stripe has it now."""

import pytest

from donations.models import Payment, Pledge, PledgeStatus, Refund
from tests.donations.conftest import deliver, give, new_events, pay_on_checkout_page, start_monthly_gift

pytestmark = pytest.mark.django_db


def _paid_single_gift(client, server, org) -> tuple[Pledge, str]:
    give(client, org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    deliver(client, new_events(server))
    charge = server.store.get("payment_intent", Payment.objects.get().stripe_payment_intent_id)["latest_charge"]
    return pledge, charge


def test_a_late_pending_refund_event_does_not_undo_its_failure(client, stripe_sandbox, giving_org):
    pledge, charge = _paid_single_gift(client, stripe_sandbox, giving_org)
    refund = stripe_sandbox.dashboard_refund(charge)
    stripe_sandbox.set_refund_status(refund["id"], "pending")
    stripe_sandbox.set_refund_status(refund["id"], "failed")
    events = new_events(stripe_sandbox)
    deliver(client, events[::-1])  # newest first: "failed", then "pending", then the refund's creation
    assert Refund.objects.get().status == "failed"
    assert Refund.objects.counted().total() == 0
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAID


def test_a_refund_that_fails_after_counting_gives_the_gift_back_its_paid(client, stripe_sandbox, giving_org):
    pledge, charge = _paid_single_gift(client, stripe_sandbox, giving_org)
    refund = stripe_sandbox.dashboard_refund(charge)
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.REFUNDED  # a refund that succeeded settles the gift
    stripe_sandbox.set_refund_status(refund["id"], "failed")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAID
    assert pledge.transitions.last().note == "a refund failed: not refunded in full"
    assert Refund.objects.counted().total() == 0


def test_a_late_checkout_completion_leaves_a_past_due_gift_past_due(client, stripe_sandbox, giving_org):
    pledge, first = start_monthly_gift(client, stripe_sandbox, giving_org)
    subscription = stripe_sandbox.store.get("checkout.session", pledge.stripe_checkout_session_id)["subscription"]
    stripe_sandbox.advance(subscription, outcome="failed")
    later = new_events(stripe_sandbox)
    deliver(client, later)  # the failed renewal's news first: the gift is still pending here
    deliver(client, [first["checkout.session.completed"], first["invoice.paid"]])
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAST_DUE
    assert Payment.objects.filter(pledge=pledge).count() == 1


def test_a_late_checkout_completion_does_not_undo_a_refund(client, stripe_sandbox, giving_org):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    paid = new_events(stripe_sandbox)
    completed = next(event for event in paid if event["type"] == "checkout.session.completed")
    charge = stripe_sandbox.store.get("payment_intent", completed["data"]["object"]["payment_intent"])["latest_charge"]
    stripe_sandbox.dashboard_refund(charge)
    deliver(client, new_events(stripe_sandbox))  # the refund first: the payment is learnt from it
    deliver(client, paid)
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.REFUNDED
