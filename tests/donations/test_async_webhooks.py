"""Every flow the portal knows, through real servers, with the sandbox's webhooks as Stripe sends them: after the
API's answer, after random delays, in any order. The portal ends right whatever the order; delivering everything
again, in reverse, changes nothing."""

import time

import pytest
import requests
from django.core import mail
from django.test import Client

from donations.models import ActionRequired, Payment, Pledge, PledgeStatus, Refund, StripeEvent
from tests.donations.conftest import give_data, pay_on_checkout_page, receipts
from tests.donations.webhook_helpers import post_event

pytestmark = pytest.mark.django_db(transaction=True)


def _give(donor, org, key: str, **form) -> Pledge:
    response = donor.post(f"/donations/give/{org.slug}/", give_data(submission_key=key * 32, **form))
    assert response.status_code == 303, response.content
    return Pledge.objects.get(stripe_checkout_url=response["Location"])


def _charge(server, pledge) -> str:
    return server.store.get("payment_intent", Payment.objects.get(pledge=pledge).stripe_payment_intent_id)[
        "latest_charge"
    ]


def _status(pledge) -> str:
    pledge.refresh_from_db()
    return pledge.status


@pytest.mark.parametrize("seed", [1, 2])
def test_every_flow_ends_right_with_asynchronous_reordered_webhooks(
    live_server, stripe_sandbox, giving_org_with_program, giving_org, seed
):
    server = stripe_sandbox
    server.webhooks.random.seed(seed)
    server.set_webhook_url(live_server.url + "/donations/stripe/webhook/")
    assert server.delivery == "async"
    donor = Client(HTTP_HOST="127.0.0.1")

    once = _give(donor, giving_org, "a")
    monthly = _give(donor, giving_org_with_program, "b", frequency="monthly", currency="KRW", amount_choice="50000")
    bounced = _give(donor, giving_org, "c")
    refunded = _give(donor, giving_org, "d")
    for pledge in (once, monthly, bounced, refunded):
        assert pay_on_checkout_page(pledge.stripe_checkout_url)[0] == 303
    server.wait_for_deliveries()
    assert [_status(p) for p in (once, monthly, bounced, refunded)] == ["paid", "active", "paid", "paid"]
    assert len(receipts()) == 4

    subscription = monthly.stripe_subscription_id
    failed = server.advance(subscription, "failed")
    server.wait_for_deliveries()
    assert _status(monthly) == PledgeStatus.PAST_DUE
    server.retry_invoice(failed["id"], "paid")
    server.wait_for_deliveries()
    assert _status(monthly) == PledgeStatus.ACTIVE
    mail.outbox.clear()
    awaiting = server.advance(subscription, "requires_action")
    server.wait_for_deliveries()
    assert _status(monthly) == PledgeStatus.PAST_DUE
    [link] = mail.outbox  # one email for the month: the page to confirm it
    assert awaiting["hosted_invoice_url"] in link.body
    assert requests.post(f"{awaiting['hosted_invoice_url']}/pay", timeout=10).status_code == 200
    server.wait_for_deliveries()
    assert _status(monthly) == PledgeStatus.ACTIVE and Payment.objects.filter(pledge=monthly).count() == 3

    server.make_refunds_pending(outcome="fail", delay=0.05)
    server.dashboard_refund(_charge(server, bounced))
    server.dashboard_refund(_charge(server, refunded))
    for timer in server._timers:
        timer.join(timeout=10)
    server.wait_for_deliveries()
    assert Refund.objects.get(payment__pledge=bounced).status == "failed" and _status(bounced) == PledgeStatus.PAID
    assert Refund.objects.get(payment__pledge=refunded).status == "succeeded"
    assert _status(refunded) == PledgeStatus.REFUNDED

    unpaid = _give(donor, giving_org, "e")
    server.advance_clock(86400)  # Checkout's 24 hours pass: the sandbox's timer expires the session, unasked
    deadline = time.monotonic() + 10
    while not server.events("checkout.session.expired"):
        assert time.monotonic() < deadline, "the session did not expire on time"
        time.sleep(0.02)
    server.wait_for_deliveries()
    assert _status(unpaid) == PledgeStatus.EXPIRED

    assert {e["delivery"] for e in server.state()["events"]} == {"delivered"}  # no delivery failed
    before = (StripeEvent.objects.count(), len(mail.outbox), Payment.objects.count(), Refund.objects.count())
    client = Client()
    for event in server.events()[::-1]:  # Stripe's redeliveries, in reverse
        assert post_event(client, event).status_code == 200
    assert (StripeEvent.objects.count(), len(mail.outbox), Payment.objects.count(), Refund.objects.count()) == before
    states = [_status(p) for p in (once, monthly, bounced, refunded, unpaid)]
    assert states == ["paid", "active", "paid", "refunded", "expired"]
    assert ActionRequired.objects.awaiting().count() == 0
