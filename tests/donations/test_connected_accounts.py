"""Stripe Connect: an organization with a connected account receives the money, less the platform's fee."""

import pytest

from donations.models import Payment, Pledge, Refund
from donations.services.refunds import refund_issue
from tests import factories
from tests.donations.conftest import checkout_session, connect, deliver, give, new_events, pay_on_checkout_page

pytestmark = pytest.mark.django_db


def test_connected_account_receives_the_money_with_the_platform_fee(
    client, stripe_sandbox, giving_org, giving_org_with_program
):
    for org in (giving_org, giving_org_with_program):
        connect(stripe_sandbox, org, "acct_1Partner", 250, "AID GIFT")
    give(client, giving_org, amount_choice="10000")
    give(
        client,
        giving_org_with_program,
        submission_key="c" * 32,
        frequency="monthly",
        currency="KRW",
        amount_choice="50000",
    )
    once, monthly = (
        Pledge.objects.get(organization=giving_org),
        Pledge.objects.get(organization=giving_org_with_program),
    )
    pay_on_checkout_page(once.stripe_checkout_url)
    pay_on_checkout_page(monthly.stripe_checkout_url)
    intent = stripe_sandbox.store.get("payment_intent", checkout_session(stripe_sandbox, once)["payment_intent"])
    assert intent["transfer_data"]["destination"] == "acct_1Partner"
    assert intent["application_fee_amount"] == 250  # 2.5% of US$100.00
    assert intent["statement_descriptor_suffix"] == "AID GIFT"
    subscription = stripe_sandbox.store.get("subscription", checkout_session(stripe_sandbox, monthly)["subscription"])
    assert subscription["transfer_data"]["destination"] == "acct_1Partner"
    assert float(subscription["application_fee_percent"]) == 2.5


def test_without_a_connected_account_the_platform_collects(client, stripe_sandbox, giving_org):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    intent = stripe_sandbox.store.get("payment_intent", checkout_session(stripe_sandbox, pledge)["payment_intent"])
    assert intent.get("transfer_data") is None and not intent.get("application_fee_amount")


def _paid_connected_gift(client, stripe_sandbox, org, **overrides) -> Payment:
    give(client, org, **overrides)
    pledge = Pledge.objects.order_by("-pk").first()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    deliver(client, new_events(stripe_sandbox))
    return Payment.objects.get(pledge=pledge)


def _staff_refund(payment: Payment, amount: int, key: str) -> Refund:
    staff = factories.staff(username=f"staff-{key}")
    return refund_issue(
        payment=payment,
        amount=amount,
        request_key=key * 32,
        requested_by=staff,
        reason="The donor asked",
        source="staff",
    )


def test_refund_of_a_gift_to_a_connected_account_reverses_the_transfer_and_refunds_the_fee(
    client, stripe_sandbox, giving_org
):
    connect(stripe_sandbox, giving_org, "acct_1Partner", 250)
    payment = _paid_connected_gift(client, stripe_sandbox, giving_org, amount_choice="10000")  # US$100, fee US$2.50
    charge = stripe_sandbox.store.get(
        "charge", stripe_sandbox.store.get("payment_intent", payment.stripe_payment_intent_id)["latest_charge"]
    )
    transfer = stripe_sandbox.store.get("transfer", charge["transfer"])
    fee = stripe_sandbox.store.get("application_fee", charge["application_fee"])
    assert (transfer["destination"], transfer["amount"], fee["amount"]) == ("acct_1Partner", 10000, 250)

    first = _staff_refund(payment, 4000, "a")
    assert first.transfer_reversal_id.startswith("trr_") and first.transfer_reversed
    assert (transfer["amount_reversed"], fee["amount_refunded"]) == (4000, 100)  # in proportion: the org returns it
    assert stripe_sandbox.store.get("refund", first.stripe_refund_id)["transfer_reversal"] == first.transfer_reversal_id

    rest = _staff_refund(payment, 6000, "b")
    assert rest.transfer_reversal_id.startswith("trr_") and rest.transfer_reversal_id != first.transfer_reversal_id
    assert (transfer["amount_reversed"], transfer["reversed"]) == (10000, True)
    assert (fee["amount_refunded"], fee["refunded"]) == (250, True)
    deliver(client, new_events(stripe_sandbox))  # charge.refunded, refund.created, transfer.reversed, ...
    assert Refund.objects.filter(transfer_reversal_id="").count() == 0


def test_refund_of_a_monthly_gift_to_a_connected_account_reverses_its_transfer(
    client, stripe_sandbox, giving_org_with_program
):
    connect(stripe_sandbox, giving_org_with_program, "acct_1Partner", 250)
    payment = _paid_connected_gift(
        client, stripe_sandbox, giving_org_with_program, frequency="monthly", currency="KRW", amount_choice="50000"
    )
    refund = _staff_refund(payment, 50000, "c")
    reversal = stripe_sandbox.store.get("transfer_reversal", refund.transfer_reversal_id)
    charge = stripe_sandbox.store.get("charge", stripe_sandbox.store.get("refund", reversal["source_refund"])["charge"])
    assert reversal["amount"] == 50000 and stripe_sandbox.store.get("transfer", charge["transfer"])["reversed"]
    assert stripe_sandbox.store.get("application_fee", charge["application_fee"])["amount_refunded"] == 1250


def test_refund_of_a_platform_gift_reverses_nothing(client, stripe_sandbox, giving_org):
    payment = _paid_connected_gift(client, stripe_sandbox, giving_org)
    refund = _staff_refund(payment, 1000, "d")
    assert refund.status == "succeeded" and refund.transfer_reversal_id == "" and not refund.transfer_reversed


def test_gift_to_an_account_stripe_does_not_know_is_refused(client, stripe_sandbox, giving_org):
    giving_org.stripe_account_id, giving_org.platform_fee_basis_points = "acct_1Unknown", 250
    giving_org.save()
    response = give(client, giving_org)  # Stripe answers 400 resource_missing: the donor is not sent to pay
    assert response.status_code == 502 and not stripe_sandbox.store.all("checkout.session")
    assert not Pledge.objects.get().stripe_checkout_session_id
