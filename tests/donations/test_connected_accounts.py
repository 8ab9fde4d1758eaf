"""Stripe Connect: an organization with a connected account receives the money, less the platform's fee."""

import pytest

from donations.models import Pledge
from tests.donations.conftest import checkout_session, give, pay_on_checkout_page

pytestmark = pytest.mark.django_db


def test_connected_account_receives_the_money_with_the_platform_fee(
    client, stripe_sandbox, giving_org, giving_org_with_program
):
    for org in (giving_org, giving_org_with_program):
        org.stripe_account_id, org.platform_fee_basis_points, org.statement_descriptor = (
            "acct_1Partner",
            250,
            "AID GIFT",
        )
        org.save()
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
