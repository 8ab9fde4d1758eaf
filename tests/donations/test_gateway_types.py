"""The gateway speaks the portal's types: ids as str, amounts in minor units, currencies upper-case, aware times."""

import re
from datetime import UTC
from pathlib import Path

import pytest

from donations import stripe_gateway as gateway
from donations.models import Outcome, Pledge
from donations.services.transitions import Moved
from tests.donations.conftest import give_data, new_events, pay_on_checkout_page

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _paid_monthly_gift(client, stripe_sandbox, org) -> Pledge:
    client.post(
        f"/donations/give/{org.slug}/",
        give_data(frequency="monthly", currency="KRW", amount_choice="50000"),
    )
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    return pledge


def test_invoice_from_a_webhook_payload_is_in_portal_terms(client, stripe_sandbox, giving_org_with_program):
    pledge = _paid_monthly_gift(client, stripe_sandbox, giving_org_with_program)
    event = next(e for e in new_events(stripe_sandbox) if e["type"] == "invoice.paid")
    invoice = gateway.Invoice.from_stripe(event["data"]["object"])
    session = stripe_sandbox.store.get("checkout.session", pledge.stripe_checkout_session_id)
    assert invoice.id == session["invoice"] and invoice.subscription_id == session["subscription"]
    assert invoice.reference == pledge.reference and invoice.status == "paid"
    assert (invoice.amount_paid, invoice.currency) == (50000, "KRW")
    assert invoice.paid_at is not None and invoice.paid_at.tzinfo is UTC
    assert gateway.invoice_payment_intent(invoice.id).startswith("pi_")
    assert invoice.payment_intent_id in ("", gateway.invoice_payment_intent(invoice.id))


def test_refunds_and_charges_are_typed(client, stripe_sandbox, giving_org):
    client.post(f"/donations/give/{giving_org.slug}/", give_data())
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    intent_id = stripe_sandbox.store.get("checkout.session", pledge.stripe_checkout_session_id)["payment_intent"]
    refund = gateway.refund_create(payment_intent_id=intent_id, amount=700, idempotency_key="t-1", reference="x")
    assert isinstance(refund, gateway.Refund) and refund.payment_intent_id == intent_id
    assert (refund.amount, refund.currency, refund.status) == (700, "USD", "succeeded")
    assert refund.created is not None and refund.created.tzinfo is UTC
    charge_event = next(e for e in new_events(stripe_sandbox) if e["type"] == "charge.refunded")
    charge = gateway.Charge.from_stripe(charge_event["data"]["object"])
    assert (charge.payment_intent_id, charge.amount, charge.currency) == (intent_id, 2500, "USD")
    assert gateway.refunds_for_charge(charge.id) == [refund]
    assert gateway.payment_intent_retrieve(intent_id).reference == pledge.reference


def test_subscription_and_events_are_typed(client, stripe_sandbox, giving_org_with_program):
    pledge = _paid_monthly_gift(client, stripe_sandbox, giving_org_with_program)
    subscription_id = stripe_sandbox.store.get("checkout.session", pledge.stripe_checkout_session_id)["subscription"]
    subscription = gateway.subscription_retrieve(subscription_id)
    assert (subscription.id, subscription.status, subscription.reference) == (
        subscription_id,
        "active",
        pledge.reference,
    )
    events = list(gateway.events_list(created_gte=0))
    assert [e.id for e in events] == [e["id"] for e in stripe_sandbox.events()]  # oldest first
    assert all(isinstance(e, gateway.Event) and e.created.tzinfo is UTC for e in events)


def test_outcomes_keep_the_strings_stored_today():
    assert Outcome.DUPLICATE == "duplicate" and Outcome.NOT_OURS == "ignored: not ours"
    assert Outcome.UNHANDLED == "ignored: unhandled type"
    assert {Outcome(moved.value) for moved in Moved} == {Outcome.MOVED, Outcome.ALREADY, Outcome.REFUSED}
    assert Outcome.REFUNDS_RECORDED.format(count=2) == "2 refund(s) recorded"


def test_only_the_gateway_reads_its_private_helpers():
    users = []
    for path in ROOT.rglob("*.py"):
        if any(part in {".venv", "node_modules", "tests"} for part in path.parts):
            continue
        if re.search(r"\bgateway\._[a-z]", path.read_text(encoding="utf-8")):
            users.append(str(path.relative_to(ROOT)))
    assert users == []
