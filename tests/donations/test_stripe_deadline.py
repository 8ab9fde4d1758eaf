"""A slow Stripe never holds a web worker longer than STRIPE_DONOR_WAIT_SECONDS: the donor is told to try again and
the pledge is kept (the sandbox's `slow` fault holds a request in flight before it runs)."""

import time

import pytest

from donations import stripe_gateway as gateway
from donations.models import Pledge, PledgeStatus
from tests.donations.conftest import give


def _checkout(key: str) -> gateway.CheckoutRequest:
    return gateway.CheckoutRequest(
        reference="PTESTDEADLINE001",
        mode="payment",
        amount=2500,
        currency="USD",
        product_name="Gift",
        customer_email="d@example.org",
        success_url="http://127.0.0.1/thanks?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://127.0.0.1/cancel",
        idempotency_key=key,
    )


def test_no_retry_starts_past_the_deadline(stripe_sandbox):
    assert gateway.client()._requestor._options.max_network_retries == 2
    stripe_sandbox.set_fault("error", count=3)  # without a deadline the SDK would try three times
    with gateway.deadline(0.3), pytest.raises(gateway.StripeUnavailable):  # less than the SDK's first back-off
        gateway.checkout_session_create(_checkout("deadline-1"))
    assert len(stripe_sandbox.api_requests) == 1


def test_outside_a_deadline_the_sdk_still_retries(stripe_sandbox):
    stripe_sandbox.set_fault("error", count=1)
    session = gateway.checkout_session_create(_checkout("deadline-2"))
    assert session.id.startswith("cs_") and len(stripe_sandbox.api_requests) == 2


def _session_made(server, timeout: float = 20) -> list:
    """Wait for the sandbox to finish the request it held (the test's own wait, not the portal's)."""
    for _ in range(int(timeout / 0.1)):
        sessions = server.store.all("checkout.session")
        if sessions:
            return sessions
        time.sleep(0.1)
    return []


@pytest.mark.slow  # waits on a real slow answer
def test_a_slow_stripe_is_given_up_at_the_donor_deadline_and_the_pledge_kept(
    client, stripe_sandbox, giving_org, settings
):
    settings.STRIPE_DONOR_WAIT_SECONDS = 1  # each try may take 3 s (the fixture's STRIPE_TIMEOUT_SECONDS)
    stripe_sandbox.set_fault("slow", count=3, delay=6)
    response = give(client, giving_org)

    assert response.status_code == 503
    assert "did not answer in time" in response.text and "Try again" in response.text
    pledge = Pledge.objects.get()
    assert pledge.status == PledgeStatus.PENDING and not pledge.stripe_checkout_session_id
    # The portal answered while Stripe still held its one try: no session made yet, no second try sent.
    assert stripe_sandbox.store.all("checkout.session") == []
    assert stripe_sandbox.api_requests == ["POST /v1/checkout/sessions"]

    assert len(_session_made(stripe_sandbox)) == 1  # Stripe finishes the held request in its own time
    retry = client.post(f"/donations/pledges/{pledge.reference}/checkout/", {"token": response.context["token"]})
    assert retry.status_code == 303  # the same idempotency key: that session, not a second one
    assert len(stripe_sandbox.store.all("checkout.session")) == 1 and Pledge.objects.count() == 1


@pytest.mark.slow  # waits on a real slow answer
def test_the_return_page_does_not_wait_on_a_slow_stripe(client, stripe_sandbox, giving_org, settings):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    settings.STRIPE_DONOR_WAIT_SECONDS = 1
    stripe_sandbox.set_fault("slow", count=3, delay=4)
    before = len(stripe_sandbox.api_requests)
    page = client.get(f"/donations/thanks/?session_id={pledge.stripe_checkout_session_id}")
    assert page.status_code == 200 and not page.context["confirmed"]
    assert len(stripe_sandbox.api_requests) == before + 1  # one try, cut short; the webhook will confirm the gift
