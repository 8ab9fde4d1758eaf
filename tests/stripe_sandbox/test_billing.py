"""Refunds (API and dashboard), a subscription's later months, cancelling."""

from __future__ import annotations

import requests

from .conftest import Api, pay, payment_params, subscription_params


def paid_charge(api: Api, sandbox) -> dict:
    session = api.ok("post", "checkout/sessions", payment_params())
    pay(sandbox, session["id"])
    pi = api.ok("get", f"checkout/sessions/{session['id']}", {"expand[]": "payment_intent"})["payment_intent"]
    return api.ok("get", f"charges/{pi['latest_charge']}")


def test_partial_then_full_refund(api: Api, sandbox, receiver) -> None:
    charge = paid_charge(api, sandbox)
    receiver.clear()
    refund = api.ok(
        "post",
        "refunds",
        {
            "payment_intent": charge["payment_intent"],
            "amount": "1000",
            "reason": "requested_by_customer",
            "metadata[pledge]": "41",
        },
    )
    assert refund["id"].startswith("re_") and refund["status"] == "succeeded" and refund["amount"] == 1000
    assert (refund["charge"], refund["payment_intent"]) == (charge["id"], charge["payment_intent"])
    assert receiver.types() == ["charge.refunded", "refund.created"]
    refunded = receiver.events()[0]["data"]["object"]
    assert refunded["amount_refunded"] == 1000 and refunded["refunded"] is False
    assert refunded["payment_intent"] == charge["payment_intent"]
    rest = api.ok("post", "refunds", {"charge": charge["id"]})
    assert rest["amount"] == 1500
    charge = api.ok("get", f"charges/{charge['id']}")
    assert charge["refunded"] is True and [r["id"] for r in charge["refunds"]["data"]] == [rest["id"], refund["id"]]
    assert api.ok("get", f"refunds/{refund['id']}")["amount"] == 1000


def test_refund_too_large_or_already_refunded(api: Api, sandbox) -> None:
    charge = paid_charge(api, sandbox)
    too_large = api.post("refunds", {"charge": charge["id"], "amount": "2501"})
    assert too_large.status_code == 400 and too_large.json()["error"]["code"] == "amount_too_large"
    api.ok("post", "refunds", {"charge": charge["id"]})
    again = api.post("refunds", {"charge": charge["id"]})
    assert again.status_code == 400 and again.json()["error"]["code"] == "charge_already_refunded"
    missing = api.post("refunds", {})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "parameter_missing"


def test_refund_from_the_dashboard(api: Api, sandbox, receiver) -> None:
    charge = paid_charge(api, sandbox)
    receiver.clear()
    response = requests.post(f"{sandbox.url}/_sandbox/charges/{charge['id']}/refund", {"amount": "700"}, timeout=5)
    assert response.status_code == 200 and response.json()["amount"] == 700
    assert receiver.types() == ["charge.refunded", "refund.created"]
    assert receiver.events()[0]["request"]["idempotency_key"] is None
    sandbox.dashboard_refund(charge["id"])
    assert api.ok("get", f"charges/{charge['id']}")["refunded"] is True


def test_a_pending_refund_fails_later_and_the_charge_counts_it_back(api: Api, sandbox, receiver) -> None:
    charge = paid_charge(api, sandbox)
    refund = api.ok("post", "refunds", {"payment_intent": charge["payment_intent"], "amount": "1000"})
    receiver.clear()
    url = f"{sandbox.url}/_sandbox/refunds/{refund['id']}/status"
    assert requests.post(url, {"status": "pending"}, timeout=5).json()["status"] == "pending"
    assert requests.post(url, {"status": "failed"}, timeout=5).json()["failure_reason"] == "expired_or_canceled_card"
    assert receiver.types() == ["refund.updated", "charge.refund.updated"] * 2
    assert receiver.events()[-1]["data"]["previous_attributes"] == {"status": "pending"}
    assert api.ok("get", f"refunds/{refund['id']}")["status"] == "failed"
    listed = api.ok("get", "refunds", {"charge": charge["id"]})["data"]
    assert [r["status"] for r in listed] == ["failed"]
    assert api.ok("get", f"charges/{charge['id']}")["amount_refunded"] == 0
    again = requests.post(url, {"status": "succeeded"}, timeout=5)
    assert again.status_code == 400 and "cannot change" in again.json()["error"]["message"]
    assert requests.post(url, {}, timeout=5).status_code == 400  # the status is required


def subscription(api: Api, sandbox) -> dict:
    session = api.ok("post", "checkout/sessions", subscription_params())
    pay(sandbox, session["id"])
    sub_id = api.ok("get", f"checkout/sessions/{session['id']}")["subscription"]
    return api.ok("get", f"subscriptions/{sub_id}")


def test_advance_a_month_paid_and_failed(api: Api, sandbox, receiver) -> None:
    sub = subscription(api, sandbox)
    first_end = sub["items"]["data"][0]["current_period_end"]
    receiver.clear()
    response = requests.post(f"{sandbox.url}/_sandbox/subscriptions/{sub['id']}/advance", timeout=5)
    assert response.status_code == 200
    # a destination charge: the invoice's own events, then its transfer and fee
    assert receiver.types() == ["invoice.created", "invoice.paid", "transfer.created", "application_fee.created"]
    invoice = receiver.events()[1]["data"]["object"]
    assert invoice["billing_reason"] == "subscription_cycle" and invoice["status"] == "paid"
    assert invoice["lines"]["data"][0]["period"]["start"] == first_end
    assert invoice["parent"]["subscription_details"] == {"metadata": {"pledge": "42"}, "subscription": sub["id"]}
    assert api.ok("get", f"subscriptions/{sub['id']}")["latest_invoice"] == invoice["id"]
    receiver.clear()
    sandbox.advance(sub["id"], "failed")
    assert receiver.types() == [
        "invoice.created",
        "payment_intent.payment_failed",
        "invoice.payment_failed",
        "customer.subscription.updated",
    ]
    declined = receiver.events()[1]["data"]["object"]
    assert declined["status"] == "requires_payment_method"
    assert declined["last_payment_error"]["decline_code"] == "generic_decline"
    failed = receiver.events()[2]["data"]["object"]
    assert (failed["status"], failed["attempt_count"], failed["amount_paid"]) == ("open", 1, 0)
    assert receiver.events()[3]["data"]["object"]["status"] == "past_due"


def test_a_failed_renewal_retried_then_unpaid_paused_and_ending(api: Api, sandbox, receiver) -> None:
    sub = subscription(api, sandbox)
    failed = sandbox.advance(sub["id"], "failed")
    receiver.clear()
    sandbox.retry_invoice(failed["id"], "failed")
    assert receiver.types() == ["payment_intent.payment_failed", "invoice.payment_failed"]
    assert receiver.events()[1]["data"]["object"]["attempt_count"] == 2
    receiver.clear()
    response = requests.post(f"{sandbox.url}/_sandbox/invoices/{failed['id']}/retry", {"outcome": "paid"}, timeout=5)
    assert response.status_code == 200 and response.json()["status"] == "paid"
    assert receiver.types() == [
        "invoice.paid",
        "customer.subscription.updated",
        "transfer.created",  # a destination charge (the sandbox fixture's connected account)
        "application_fee.created",
    ]
    updated = receiver.events()[1]["data"]
    assert updated["object"]["status"] == "active" and updated["previous_attributes"] == {"status": "past_due"}
    assert (
        api.ok("get", f"invoices/{failed['id']}", {"expand[]": "payments"})["payments"]["data"][0]["status"] == "paid"
    )
    for status in ("unpaid", "paused", "active"):
        receiver.clear()
        response = requests.post(
            f"{sandbox.url}/_sandbox/subscriptions/{sub['id']}/update", {"status": status}, timeout=5
        )
        assert response.status_code == 200 and receiver.types() == ["customer.subscription.updated"]
        assert api.ok("get", f"subscriptions/{sub['id']}")["status"] == status
    receiver.clear()
    ending = sandbox.update_subscription(sub["id"], cancel_at_period_end=True)
    assert (
        ending["cancel_at_period_end"] is True
        and ending["cancel_at"] == ending["items"]["data"][0]["current_period_end"]
    )
    assert receiver.events()[0]["data"]["previous_attributes"] == {"cancel_at_period_end": False, "cancel_at": None}


def test_cancel_subscription(api: Api, sandbox, receiver) -> None:
    sub = subscription(api, sandbox)
    receiver.clear()
    canceled = api.ok("delete", f"subscriptions/{sub['id']}")
    assert canceled["status"] == "canceled" and canceled["canceled_at"] and canceled["ended_at"]
    assert receiver.types() == ["customer.subscription.deleted"]
    again = api.delete(f"subscriptions/{sub['id']}")
    assert again.status_code == 400 and again.json()["error"]["type"] == "invalid_request_error"
    refused = requests.post(f"{sandbox.url}/_sandbox/subscriptions/{sub['id']}/advance", timeout=5)
    assert refused.status_code == 400


def test_dashboard_offers_dunning_buttons(api: Api, sandbox) -> None:
    sub = subscription(api, sandbox)
    failed = sandbox.advance(sub["id"], "failed")
    html = requests.get(f"{sandbox.url}/_sandbox/", timeout=5).text
    assert f"/_sandbox/invoices/{failed['id']}/retry" in html and "Make it unpaid" in html
    assert "End with the period" in html
    response = requests.post(
        f"{sandbox.url}/_sandbox/subscriptions/{sub['id']}/update",
        {"cancel_at_period_end": "1", "return_to": "dashboard"},
        timeout=5,
        allow_redirects=False,
    )
    assert response.status_code == 303
    assert "Renew as usual" in requests.get(f"{sandbox.url}/_sandbox/", timeout=5).text


def test_a_renewal_that_needs_3d_secure_waits_on_the_hosted_invoice_page_until_retried(
    api: Api, sandbox, receiver
) -> None:
    sub = subscription(api, sandbox)
    receiver.clear()
    response = requests.post(
        f"{sandbox.url}/_sandbox/subscriptions/{sub['id']}/advance", {"outcome": "requires_action"}, timeout=5
    )
    assert response.status_code == 200
    assert receiver.types() == [  # as Stripe: the automatic payment did not go through, the subscription is past due
        "invoice.created",
        "payment_intent.requires_action",
        "invoice.payment_failed",
        "invoice.payment_action_required",
        "customer.subscription.updated",
    ]
    intent = receiver.events()[1]["data"]["object"]
    invoice = receiver.events()[3]["data"]["object"]
    assert intent["status"] == "requires_action" and intent["next_action"]["type"] == "use_stripe_sdk"
    assert (invoice["status"], invoice["amount_paid"]) == ("open", 0)
    assert invoice["hosted_invoice_url"] == f"{sandbox.url}/invoice/{invoice['id']}"
    assert api.ok("get", f"subscriptions/{sub['id']}")["status"] == "past_due"
    page = requests.get(invoice["hosted_invoice_url"], timeout=5)
    assert page.status_code == 200 and "Confirm the payment" in page.text and "TEST MODE" in page.text
    receiver.clear()
    sandbox.retry_invoice(invoice["id"], "paid")
    assert receiver.types()[0] == "invoice.paid" and "customer.subscription.updated" in receiver.types()
    assert api.ok("get", f"subscriptions/{sub['id']}")["status"] == "active"
    assert api.ok("get", f"invoices/{invoice['id']}")["status"] == "paid"
    assert api.ok("get", f"payment_intents/{intent['id']}")["status"] == "succeeded"


def test_the_hosted_invoice_page_confirms_the_payment(api: Api, sandbox, receiver) -> None:
    sub = subscription(api, sandbox)
    invoice = sandbox.advance(sub["id"], "requires_action")
    receiver.clear()
    confirmed = requests.post(f"{invoice['hosted_invoice_url']}/pay", timeout=5)
    assert confirmed.status_code == 200 and "paid" in confirmed.text
    assert receiver.types()[0] == "invoice.paid"
    assert requests.get(f"{sandbox.url}/invoice/in_nope", timeout=5).status_code == 404
