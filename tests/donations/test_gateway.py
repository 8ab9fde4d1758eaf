"""The gateway: the one module importing stripe; short timeouts, few retries; errors in the portal's terms."""

import re
import socket
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from donations import stripe_gateway as gateway

ROOT = Path(__file__).resolve().parents[2]


def test_only_the_gateway_imports_stripe():
    importers = []
    for path in ROOT.rglob("*.py"):
        if any(part in {".venv", "node_modules", "tests"} for part in path.parts):
            continue
        if re.search(r"^\s*(import stripe|from stripe\b)", path.read_text(encoding="utf-8"), re.MULTILINE):
            importers.append(str(path.relative_to(ROOT)))
    assert importers == ["donations/stripe_gateway.py"]


def test_client_timeout_is_well_under_the_worker_timeout_with_at_most_two_retries(stripe_sandbox):
    client = gateway.client()
    assert settings.STRIPE_TIMEOUT_SECONDS <= 10
    assert client._requestor._options.max_network_retries <= 2
    assert client._requestor._client._timeout == settings.STRIPE_TIMEOUT_SECONDS


def test_unreachable_stripe_is_stripe_unavailable(settings):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    with pytest.raises(gateway.StripeUnavailable):
        gateway.checkout_session_retrieve("cs_test_nothing")


def test_unknown_object_is_stripe_rejected(stripe_sandbox):
    with pytest.raises(gateway.StripeRejected):
        gateway.checkout_session_retrieve("cs_test_does_not_exist")


def test_refund_larger_than_the_payment_is_rejected_with_stripes_message(stripe_sandbox):
    session = gateway.checkout_session_create(
        gateway.CheckoutRequest(
            reference="PTESTREFUND00001",
            mode="payment",
            amount=2500,
            currency="USD",
            product_name="Gift",
            customer_email="d@example.org",
            success_url="http://127.0.0.1/thanks?session_id={CHECKOUT_SESSION_ID}",
            cancel_url="http://127.0.0.1/cancel",
            idempotency_key="test-refund-1",
        )
    )
    stripe_sandbox.pay(session.id)
    paid = gateway.checkout_session_retrieve(session.id)
    assert paid.payment_status == "paid" and paid.payment_intent_id.startswith("pi_")
    with pytest.raises(gateway.StripeRejected):
        gateway.refund_create(
            payment_intent_id=paid.payment_intent_id, amount=9999, idempotency_key="r1", reference="x"
        )
    refund = gateway.refund_create(
        payment_intent_id=paid.payment_intent_id, amount=500, idempotency_key="r2", reference="x"
    )
    again = gateway.refund_create(
        payment_intent_id=paid.payment_intent_id, amount=500, idempotency_key="r2", reference="x"
    )
    assert refund.id == again.id and refund.amount == 500


def _checkout(key: str) -> gateway.CheckoutRequest:
    return gateway.CheckoutRequest(
        reference="PTESTBUSY0000001",
        mode="payment",
        amount=2500,
        currency="USD",
        product_name="Gift",
        customer_email="d@example.org",
        success_url="http://127.0.0.1/thanks?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://127.0.0.1/cancel",
        idempotency_key=key,
    )


def _in_flight(stripe_sandbox, key: str) -> tuple[threading.Thread, list]:
    """A first request with ``key`` that Stripe holds for 0.6 s."""
    stripe_sandbox.set_fault("slow", count=1, delay=0.6)
    first: list = []
    thread = threading.Thread(target=lambda: first.append(gateway.checkout_session_create(_checkout(key))))
    thread.start()
    time.sleep(0.2)
    return thread, first


def test_a_request_while_its_key_is_in_flight_is_unavailable_not_rejected(stripe_sandbox, settings):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    thread, first = _in_flight(stripe_sandbox, "busy-1")
    with pytest.raises(gateway.StripeUnavailable):
        gateway.checkout_session_create(_checkout("busy-1"))
    thread.join()
    assert gateway.checkout_session_create(_checkout("busy-1")).id == first[0].id


@pytest.mark.slow  # the SDK's retry back-off
def test_the_sdk_retries_a_409_until_the_first_request_has_answered(stripe_sandbox):
    thread, first = _in_flight(stripe_sandbox, "busy-2")
    second = gateway.checkout_session_create(_checkout("busy-2"))
    thread.join()
    assert second.id == first[0].id and len(stripe_sandbox.store.all("checkout.session")) == 1


def test_rate_limited_is_unavailable(stripe_sandbox):
    stripe_sandbox.set_fault("rate_limit", count=100)
    with pytest.raises(gateway.StripeUnavailable):
        gateway.checkout_session_create(_checkout("busy-3"))


def test_a_replayed_500_is_unavailable_and_not_retried_by_the_sdk(stripe_sandbox):
    assert gateway.client()._requestor._options.max_network_retries == 2
    stripe_sandbox.set_fault("error", count=1, saved=True)
    before = len(stripe_sandbox.api_requests)
    with pytest.raises(gateway.StripeUnavailable):
        gateway.checkout_session_create(_checkout("busy-4"))
    assert len(stripe_sandbox.api_requests) - before == 1  # Stripe-Should-Retry: false
