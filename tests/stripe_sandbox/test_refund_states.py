"""Refunds that take time: ``pending``, then ``succeeded`` or ``failed``, with Stripe's events."""

from __future__ import annotations

import requests

from .conftest import Api, pay, payment_params


def _charge(api: Api, sandbox) -> dict:
    session = api.ok("post", "checkout/sessions", payment_params())
    pay(sandbox, session["id"])
    intent_id = api.ok("get", f"checkout/sessions/{session['id']}")["payment_intent"]
    intent = api.ok("get", f"payment_intents/{intent_id}")
    return api.ok("get", f"charges/{intent['latest_charge']}")


def test_pending_refund_then_succeeded(api: Api, sandbox, receiver) -> None:
    charge = _charge(api, sandbox)
    made = requests.post(f"{sandbox.url}/_sandbox/refunds/pending", {"count": "1"}, timeout=5)
    assert made.json()["pending_refunds"] == 1
    receiver.clear()
    refund = api.ok("post", "refunds", {"charge": charge["id"], "amount": "1000"})
    assert (refund["status"], refund["pending_reason"]) == ("pending", "processing")
    assert receiver.types() == ["charge.refunded", "refund.created"]
    assert api.ok("get", f"charges/{charge['id']}")["amount_refunded"] == 1000
    receiver.clear()
    settled = requests.post(f"{sandbox.url}/_sandbox/refunds/{refund['id']}/settle", {"outcome": "succeed"}, timeout=5)
    assert settled.json()["status"] == "succeeded" and "pending_reason" not in settled.json()
    assert receiver.types() == ["refund.updated", "charge.refund.updated"]
    assert receiver.events()[0]["data"]["previous_attributes"]["status"] == "pending"
    assert api.ok("post", "refunds", {"charge": charge["id"], "amount": "100"})["status"] == "succeeded"  # count 1


def test_pending_refund_then_failed_gives_the_money_back_to_the_charge(api: Api, sandbox, receiver) -> None:
    charge = _charge(api, sandbox)
    sandbox.make_refunds_pending()
    refund = sandbox.dashboard_refund(charge["id"])
    assert refund["status"] == "pending"
    receiver.clear()
    failed = sandbox.settle_refund(refund["id"], "fail")
    assert (failed["status"], failed["failure_reason"]) == ("failed", "expired_or_canceled_card")
    assert receiver.types() == ["refund.updated", "charge.refund.updated", "refund.failed"]
    after = api.ok("get", f"charges/{charge['id']}", {"expand[]": "refunds"})
    assert (after["amount_refunded"], after["refunded"]) == (0, False)
    assert after["refunds"]["data"][0]["status"] == "failed"
    again = requests.post(f"{sandbox.url}/_sandbox/refunds/{refund['id']}/settle", timeout=5)
    assert again.status_code == 400 and "only a pending refund settles" in again.json()["error"]["message"]
    assert api.ok("post", "refunds", {"charge": charge["id"]})["amount"] == 2500  # the whole charge is refundable


def test_pending_refunds_can_settle_by_themselves(api: Api, sandbox, receiver) -> None:
    charge = _charge(api, sandbox)
    sandbox.make_refunds_pending(count=1, outcome="fail", delay=0.05)
    refund = api.ok("post", "refunds", {"payment_intent": charge["payment_intent"]})
    assert refund["status"] == "pending"
    for timer in sandbox._timers:
        timer.join(timeout=10)
    assert api.ok("get", f"refunds/{refund['id']}")["status"] == "failed"
    assert "refund.failed" in receiver.types()
