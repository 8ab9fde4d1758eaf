"""The acceptance journey with real servers: the sandbox sends signed webhooks to the running portal."""

import pytest
from django.test import Client

from donations.models import Payment, Pledge, PledgeStatus, Refund
from tests.donations.conftest import give_data, pay_on_checkout_page, receipts
from tests.live import one_at_a_time

pytestmark = pytest.mark.django_db(transaction=True)


def test_krw_monthly_and_usd_once_through_real_webhooks(
    live_server, stripe_sandbox, giving_org_with_program, giving_org
):
    stripe_sandbox.set_webhook_url(live_server.url + "/donations/stripe/webhook/")
    assert stripe_sandbox.delivery == "async"  # webhooks after the API's answer, delayed and reordered, as Stripe's
    donor = Client(HTTP_HOST="127.0.0.1")
    program = giving_org_with_program.programs.get()

    monthly = donor.post(
        f"/donations/give/{giving_org_with_program.slug}/",
        give_data(
            frequency="monthly", currency="KRW", amount_choice="50000", program=str(program.pk), share_identity="on"
        ),
    )
    once = donor.post(f"/donations/give/{giving_org.slug}/", give_data(submission_key="c" * 32, amount_choice="2500"))
    assert monthly.status_code == once.status_code == 303
    for response in (monthly, once):
        status, location, _ = pay_on_checkout_page(response["Location"])  # webhooks come after it answers
        assert status == 303
        with one_at_a_time():  # the webhooks may be arriving meanwhile (tests/live.py)
            assert "is received" in donor.get(location.replace("http://testserver", "")).text
    stripe_sandbox.wait_for_deliveries()

    krw, usd = Pledge.objects.get(currency="KRW"), Pledge.objects.get(currency="USD")
    assert (krw.status, usd.status) == (PledgeStatus.ACTIVE, PledgeStatus.PAID)
    assert not usd.share_identity and usd.donor_label_for_organization == "Anonymous"
    assert len(receipts()) == 2

    stripe_sandbox.advance(krw.stripe_subscription_id)
    stripe_sandbox.wait_for_deliveries()
    assert Payment.objects.filter(pledge=krw).count() == 2 and len(receipts()) == 3

    charge = stripe_sandbox.store.get("payment_intent", Payment.objects.get(pledge=usd).stripe_payment_intent_id)[
        "latest_charge"
    ]
    stripe_sandbox.dashboard_refund(charge)
    stripe_sandbox.wait_for_deliveries()
    assert Refund.objects.get().amount == 2500
    usd.refresh_from_db()
    assert usd.status == PledgeStatus.REFUNDED
    assert {e["delivery"] for e in stripe_sandbox.state()["events"]} == {"delivered"}  # every webhook answered 2xx
