"""Webhook delivery: Stripe's signature, headers, an endpoint that is down, delivering again, async delivery."""

from __future__ import annotations

import json
import time

import pytest
import requests

from stripe_sandbox import DEFAULT_WEBHOOK_SECRET, SandboxServer, sign

from .conftest import SECRET, Api, pay, payment_params


def paid_session(api: Api, sandbox) -> dict:
    session = api.ok("post", "checkout/sessions", payment_params())
    pay(sandbox, session["id"])
    return session


def test_signature_verifies_with_the_stripe_sdk(api: Api, sandbox, receiver) -> None:
    # The one place besides the smoke test that imports stripe: to prove the signature is exactly Stripe's.
    import stripe

    paid_session(api, sandbox)
    for delivery in receiver.deliveries:
        header = delivery["headers"]["Stripe-Signature"]
        assert stripe.WebhookSignature.verify_header(delivery["body"].decode(), header, SECRET, tolerance=300)
    first = receiver.deliveries[0]
    event = stripe.Webhook.construct_event(first["body"], first["headers"]["Stripe-Signature"], SECRET)
    assert event.type == "payment_intent.succeeded"


def test_signature_and_headers(api: Api, sandbox, receiver) -> None:
    paid_session(api, sandbox)
    delivery = receiver.deliveries[0]
    timestamp = delivery["headers"]["Stripe-Signature"].split(",")[0][2:]
    assert delivery["headers"]["Stripe-Signature"] == sign(delivery["body"].decode(), SECRET, int(timestamp))
    assert delivery["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert delivery["headers"]["User-Agent"] == "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
    assert abs(int(timestamp) - time.time()) < 60
    assert json.loads(delivery["body"])["pending_webhooks"] == 1


def test_delivery_switched_off_then_pending_delivered(api: Api, sandbox, receiver) -> None:
    off = requests.post(f"{sandbox.url}/_sandbox/webhooks", {"enabled": "0"}, timeout=5)
    assert off.status_code == 200 and off.json()["enabled"] is False
    paid_session(api, sandbox)
    assert receiver.deliveries == []
    state = requests.get(f"{sandbox.url}/_sandbox/state", timeout=5).json()
    assert {e["delivery"] for e in state["events"]} == {"pending"} and state["counts"]["charge"] == 1
    assert len(api.ok("get", "events", {"delivery_success": "false"})["data"]) == 3
    requests.post(f"{sandbox.url}/_sandbox/webhooks", {"enabled": "1"}, timeout=5)
    pending = requests.post(f"{sandbox.url}/_sandbox/webhooks/deliver_pending", timeout=5).json()["delivered"]
    assert [p["delivery"] for p in pending] == ["delivered"] * 3
    assert receiver.types() == ["payment_intent.succeeded", "charge.succeeded", "checkout.session.completed"]
    assert all(e["pending_webhooks"] == 0 for e in api.ok("get", "events")["data"])


def test_failing_endpoint_leaves_events_pending_and_one_can_be_sent_again(api: Api, sandbox, receiver) -> None:
    receiver.status = 500
    paid_session(api, sandbox)
    assert len(receiver.deliveries) == 3
    assert {e["delivery"] for e in sandbox.state()["events"]} == {"failed"}
    receiver.status = 200
    event_id = sandbox.events()[0]["id"]
    again = requests.post(f"{sandbox.url}/_sandbox/events/{event_id}/deliver", timeout=5).json()
    assert again == {"event": event_id, "status": 200, "delivery": "delivered"}
    assert sandbox.deliver_pending() == [e["id"] for e in sandbox.events()[1:]]


def test_unreachable_endpoint_does_not_break_the_api(api: Api, sandbox) -> None:
    sandbox.set_webhook_url("http://127.0.0.1:9/nothing-listens-here/")
    paid_session(api, sandbox)
    state = sandbox.state()
    assert {e["delivery"] for e in state["events"]} == {"failed"}
    assert state["events"][0]["attempts"][0]["status"] is None


def test_delivery_is_asynchronous_by_default(receiver) -> None:
    assert SandboxServer().delivery == "async"
    with SandboxServer(port=0, webhook_url=receiver.url, webhook_secret=SECRET) as sandbox:
        receiver.gate.clear()  # the endpoint hangs: a synchronous delivery would hold the donor's page
        response = pay(sandbox, Api(sandbox.url).ok("post", "checkout/sessions", payment_params())["id"])
        assert response.status_code == 303 and receiver.deliveries == []
        assert sandbox.webhooks.pending_count() == 3
        receiver.gate.set()
        sandbox.wait_for_deliveries()
    assert sorted(receiver.types()) == ["charge.succeeded", "checkout.session.completed", "payment_intent.succeeded"]
    assert {e["delivery"] for e in sandbox.state()["events"]} == {"delivered"}


def test_async_webhooks_come_after_the_api_answer(receiver) -> None:
    with SandboxServer(port=0, webhook_url=receiver.url, webhook_secret=SECRET, max_delay=0) as sandbox:
        receiver.gate.clear()
        api = Api(sandbox.url)
        session = api.ok("post", "checkout/sessions", payment_params())
        pay(sandbox, session["id"])
        receiver.gate.set()
        sandbox.wait_for_deliveries()
        receiver.clear()
        receiver.gate.clear()
        expired = api.post(f"checkout/sessions/{api.ok('post', 'checkout/sessions', payment_params())['id']}/expire")
        assert expired.status_code == 200 and receiver.deliveries == []  # answered while the endpoint hangs
        receiver.gate.set()
        sandbox.wait_for_deliveries()
    assert receiver.types() == ["checkout.session.expired"]


def test_async_delivery_reorders_the_events_of_one_action(receiver) -> None:
    made, delivered = [], []
    with SandboxServer(port=0, webhook_url=receiver.url, webhook_secret=SECRET) as sandbox:
        sandbox.webhooks.random.seed(10)
        api = Api(sandbox.url)
        for _ in range(6):
            receiver.clear()
            pay(sandbox, api.ok("post", "checkout/sessions", payment_params())["id"])
            sandbox.wait_for_deliveries()
            made.append([e["type"] for e in sandbox.events()[-3:]])
            delivered.append(receiver.types())
    assert all(sorted(d) == sorted(m) for d, m in zip(delivered, made, strict=True))
    assert any(d != m for d, m in zip(delivered, made, strict=True)), "never reordered"


def test_sync_delivery_is_in_order_before_the_answer(receiver) -> None:
    with SandboxServer(port=0, webhook_url=receiver.url, webhook_secret=SECRET, delivery="sync") as sandbox:
        pay(sandbox, Api(sandbox.url).ok("post", "checkout/sessions", payment_params())["id"])
        assert receiver.types() == ["payment_intent.succeeded", "charge.succeeded", "checkout.session.completed"]
    with pytest.raises(ValueError, match="delivery is 'async' or 'sync'"):
        SandboxServer(delivery="later")


def test_default_secret(monkeypatch) -> None:
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    assert SandboxServer().webhook_secret == DEFAULT_WEBHOOK_SECRET
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_from_env")
    assert SandboxServer().webhook_secret == "whsec_from_env"
