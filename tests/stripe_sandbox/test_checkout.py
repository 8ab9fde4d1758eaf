"""Checkout Sessions through real HTTP: creation, each outcome of the test checkout page, expiry."""

from __future__ import annotations

import json
import time

from stripe_sandbox import SandboxServer

from .conftest import Api, Receiver, pay, payment_params, subscription_params


def test_created_session_is_open_and_shaped_like_stripes(api: Api, sandbox: SandboxServer) -> None:
    session = api.ok("post", "checkout/sessions", payment_params())
    assert session["id"].startswith("cs_test_") and session["object"] == "checkout.session"
    assert (session["status"], session["payment_status"], session["livemode"]) == ("open", "unpaid", False)
    assert (session["amount_total"], session["currency"], session["mode"]) == (2500, "usd", "payment")
    assert session["url"] == f"{sandbox.url}/checkout/{session['id']}"
    assert session["metadata"] == {"pledge": "41"} and session["client_reference_id"] == "pledge-41"
    assert session["customer_email"] == "donor@example.org" and session["submit_type"] == "donate"
    assert session["payment_intent"] is None and session["expires_at"] - session["created"] == 86400
    assert "a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY" not in str(session)  # no fixture id left
    assert api.ok("get", f"checkout/sessions/{session['id']}") == session


def test_paying_redirects_to_success_url_and_sends_payment_events(api: Api, sandbox, receiver: Receiver) -> None:
    session = api.ok("post", "checkout/sessions", payment_params())
    response = pay(sandbox, session["id"])
    assert response.status_code == 303
    assert response.headers["Location"] == f"https://portal.example/give/thanks?session={session['id']}"
    assert receiver.types() == ["payment_intent.succeeded", "charge.succeeded", "checkout.session.completed"]
    pi, charge, completed = (e["data"]["object"] for e in receiver.events())
    assert pi["id"].startswith("pi_") and pi["status"] == "succeeded" and pi["metadata"] == {"pledge": "41"}
    assert (pi["amount"], pi["currency"], pi["latest_charge"]) == (2500, "usd", charge["id"])
    assert charge["id"].startswith("ch_") and charge["paid"] and charge["status"] == "succeeded"
    assert (charge["payment_intent"], charge["amount_refunded"], charge["refunded"]) == (pi["id"], 0, False)
    assert charge["receipt_email"] == charge["billing_details"]["email"] == "donor@example.org"
    assert (completed["status"], completed["payment_status"], completed["payment_intent"]) == (
        "complete",
        "paid",
        pi["id"],
    )
    assert completed["customer_details"]["email"] == "donor@example.org"
    assert api.ok("get", f"payment_intents/{pi['id']}")["status"] == "succeeded"


def test_connect_fields_reach_the_payment_intent_and_charge(api: Api, sandbox) -> None:
    params = payment_params(
        **{
            "payment_intent_data[transfer_data][destination]": "acct_1TestOrganization",
            "payment_intent_data[application_fee_amount]": "100",
            "payment_intent_data[statement_descriptor_suffix]": "REFUGEE AID",
            "payment_intent_data[description]": "Gift",
        }
    )
    session = api.ok("post", "checkout/sessions", params)
    pay(sandbox, session["id"])
    pi = api.ok("get", f"checkout/sessions/{session['id']}", {"expand[]": "payment_intent.latest_charge"})[
        "payment_intent"
    ]
    assert pi["transfer_data"] == {"destination": "acct_1TestOrganization"} and pi["application_fee_amount"] == 100
    assert pi["statement_descriptor_suffix"] == "REFUGEE AID" and pi["description"] == "Gift"
    assert pi["latest_charge"]["transfer_data"]["destination"] == "acct_1TestOrganization"


def test_subscription_payment_makes_customer_subscription_and_paid_invoice(api: Api, sandbox, receiver) -> None:
    session = api.ok("post", "checkout/sessions", subscription_params())
    assert pay(sandbox, session["id"]).status_code == 303
    assert receiver.types() == [
        "customer.created",
        "customer.subscription.created",
        "invoice.paid",
        "checkout.session.completed",
        "transfer.created",  # a destination charge: the money goes on to the connected account,
        "application_fee.created",  # less the platform's fee
    ]
    customer, sub, invoice, completed, _transfer, _fee = (e["data"]["object"] for e in receiver.events())
    assert customer["id"].startswith("cus_") and customer["email"] == "monthly@example.org"
    assert sub["id"].startswith("sub_") and sub["status"] == "active" and sub["customer"] == customer["id"]
    assert sub["metadata"] == {"pledge": "42"} and sub["latest_invoice"] == invoice["id"]
    assert sub["transfer_data"]["destination"] == "acct_1TestOrganization" and sub["application_fee_percent"] == 2.5
    price = sub["items"]["data"][0]["price"]
    assert price["id"].startswith("price_") and price["product"].startswith("prod_")
    assert price["recurring"]["interval"] == "month" and price["unit_amount"] == 50000
    assert invoice["id"].startswith("in_") and invoice["status"] == "paid"
    assert (invoice["billing_reason"], invoice["amount_paid"], invoice["currency"]) == (
        "subscription_create",
        50000,
        "krw",
    )
    assert invoice["parent"]["subscription_details"]["subscription"] == sub["id"]
    assert "subscription" not in invoice  # gone from invoices since API version 2025-03-31
    assert invoice["parent"]["type"] == "subscription_details"
    assert invoice["parent"]["subscription_details"]["metadata"] == {"pledge": "42"}
    assert invoice["customer_email"] == "monthly@example.org" and invoice["status_transitions"]["paid_at"]
    assert len(invoice["lines"]["data"]) == 1 and "payments" not in invoice  # includable, as with Stripe
    assert (completed["status"], completed["payment_status"]) == ("complete", "paid")
    assert (completed["subscription"], completed["invoice"], completed["customer"]) == (
        sub["id"],
        invoice["id"],
        customer["id"],
    )
    full = api.ok("get", f"invoices/{invoice['id']}", {"expand[]": "payments"})
    payment = full["payments"]["data"][0]
    assert payment["id"].startswith("inpay_") and payment["payment"]["type"] == "payment_intent"
    pi = api.ok("get", f"payment_intents/{payment['payment']['payment_intent']}")
    charge = api.ok("get", f"charges/{pi['latest_charge']}")
    assert pi["metadata"] == {} and charge["payment_intent"] == pi["id"] and pi["amount"] == 50000


def test_event_order_can_be_reversed(api: Api, sandbox, receiver) -> None:
    sandbox.event_order = "reversed"
    session = api.ok("post", "checkout/sessions", subscription_params())
    pay(sandbox, session["id"])
    assert receiver.types()[0] == "application_fee.created"
    assert receiver.types()[-1] == "customer.created"


def test_declined_card_fails_its_payment_intent_and_says_so(api: Api, sandbox, receiver) -> None:
    session = api.ok("post", "checkout/sessions", payment_params())
    response = pay(sandbox, session["id"], "decline")
    assert response.status_code == 200
    assert 'role="alert"' in response.text and "declined" in response.text
    assert "Pay with test card 4242" in response.text  # offered again
    assert api.ok("get", f"checkout/sessions/{session['id']}")["status"] == "open"
    assert receiver.types() == ["payment_intent.payment_failed"]
    declined = receiver.events()[0]["data"]["object"]
    assert declined["status"] == "requires_payment_method" and declined["metadata"] == {"pledge": "41"}
    assert declined["last_payment_error"]["decline_code"] == "generic_decline"
    assert pay(sandbox, session["id"]).status_code == 303
    paid = api.ok("get", f"checkout/sessions/{session['id']}")
    assert paid["payment_intent"] == declined["id"]  # the same payment intent, paid by the next card
    intent = api.ok("get", f"payment_intents/{declined['id']}")
    assert intent["status"] == "succeeded" and intent["last_payment_error"] is None


def test_delayed_payment_completes_unpaid_then_settles(api: Api, sandbox, receiver) -> None:
    session = api.ok("post", "checkout/sessions", payment_params())
    assert pay(sandbox, session["id"], "delayed_success").status_code == 303
    assert receiver.types() == ["checkout.session.completed"]
    completed = receiver.events()[0]["data"]["object"]
    assert (completed["status"], completed["payment_status"]) == ("complete", "unpaid")
    assert api.ok("get", f"payment_intents/{completed['payment_intent']}")["status"] == "processing"
    receiver.clear()
    settled = requests_post(f"{sandbox.url}/_sandbox/checkout/{session['id']}/settle", {"outcome": "succeed"})
    assert settled.status_code == 200 and settled.json()["payment_status"] == "paid"
    assert receiver.types() == [
        "payment_intent.succeeded",
        "charge.succeeded",
        "checkout.session.async_payment_succeeded",
    ]
    again = requests_post(f"{sandbox.url}/_sandbox/checkout/{session['id']}/settle", {"outcome": "succeed"})
    assert again.status_code == 400


def test_delayed_payment_that_fails(api: Api, sandbox, receiver) -> None:
    session = api.ok("post", "checkout/sessions", payment_params())
    pay(sandbox, session["id"], "delayed_failure")
    receiver.clear()
    sandbox.settle(session["id"], "fail")
    assert receiver.types() == ["payment_intent.payment_failed", "checkout.session.async_payment_failed"]
    pi = receiver.events()[0]["data"]["object"]
    assert pi["status"] == "requires_payment_method"
    assert receiver.events()[1]["data"]["object"]["payment_status"] == "unpaid"


def test_delayed_payment_can_settle_by_itself(api: Api, sandbox, receiver) -> None:
    sandbox.settle_delay = 0.1
    session = api.ok("post", "checkout/sessions", payment_params())
    pay(sandbox, session["id"], "delayed_success")
    deadline = time.monotonic() + 5
    while "checkout.session.async_payment_succeeded" not in receiver.types() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api.ok("get", f"checkout/sessions/{session['id']}")["payment_status"] == "paid"


def test_expire_an_open_session_only(api: Api, sandbox, receiver) -> None:
    session = api.ok("post", "checkout/sessions", payment_params())
    expired = api.ok("post", f"checkout/sessions/{session['id']}/expire")
    assert expired["status"] == "expired" and receiver.types() == ["checkout.session.expired"]
    again = api.post(f"checkout/sessions/{session['id']}/expire")
    assert again.status_code == 400 and again.json()["error"]["type"] == "invalid_request_error"
    page = pay(sandbox, session["id"])
    assert page.status_code == 409 and "expired" in page.text and "Pay with test card" not in page.text


def _until(condition, what: str, seconds: float = 10.0):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.02)
    return result


def test_session_expires_on_time_without_any_request(api: Api, sandbox, receiver) -> None:
    """A short expiry (the 30 minutes Stripe allows at least, on the sandbox's clock): the timer fires at
    ``expires_at`` and sends ``checkout.session.expired``; no API request is needed for it."""
    created = int(time.time())
    session = api.ok("post", "checkout/sessions", payment_params(expires_at=str(created + 1800)))
    later = api.ok("post", "checkout/sessions", payment_params(expires_at=str(created + 3600)))
    requests_before = len(sandbox.api_requests)
    sandbox.advance_clock(1800 - (int(time.time()) - created) - 5)  # five seconds before: still open
    assert sandbox.expire_due() == [] and sandbox.store.objects[session["id"]]["status"] == "open"
    sandbox.advance_clock(10)
    _until(lambda: receiver.types() == ["checkout.session.expired"], "the expiry timer")
    assert receiver.events()[0]["data"]["object"]["id"] == session["id"]
    assert sandbox.store.objects[later["id"]]["status"] == "open"  # the next one waits for its own time
    assert len(sandbox.api_requests) == requests_before  # no request made it happen
    page = pay(sandbox, session["id"])
    assert page.status_code == 409 and "expired" in page.text


def test_expiry_timer_expires_a_session_whose_time_has_passed(api: Api, sandbox, receiver) -> None:
    session = api.ok("post", "checkout/sessions", payment_params())
    with sandbox.store.lock:
        sandbox.store.objects[session["id"]]["expires_at"] = int(time.time()) - 1
    sandbox.advance_clock(0)  # wakes the timer, as a new session or a move of the clock does
    _until(lambda: receiver.types() == ["checkout.session.expired"], "the expiry timer")
    assert api.ok("get", f"checkout/sessions/{session['id']}")["status"] == "expired"


def test_list_sessions_filters_by_status_and_payment_intent(api: Api, sandbox) -> None:
    first = api.ok("post", "checkout/sessions", payment_params())
    second = api.ok("post", "checkout/sessions", payment_params())
    pay(sandbox, first["id"])
    pi = api.ok("get", f"checkout/sessions/{first['id']}")["payment_intent"]
    assert [s["id"] for s in api.ok("get", "checkout/sessions")["data"]] == [second["id"], first["id"]]
    assert [s["id"] for s in api.ok("get", "checkout/sessions", {"status": "open"})["data"]] == [second["id"]]
    assert [s["id"] for s in api.ok("get", "checkout/sessions", {"payment_intent": pi})["data"]] == [first["id"]]


def requests_post(url: str, data: dict[str, str]):  # noqa: ANN201
    import requests

    return requests.post(url, data=data, timeout=15)


def test_no_placeholder_from_stripes_examples_survives(api: Api, sandbox) -> None:
    session = api.ok("post", "checkout/sessions", subscription_params())
    pay(sandbox, session["id"])
    sandbox.advance(api.ok("get", f"checkout/sessions/{session['id']}")["subscription"])
    text = json.dumps(sandbox.store.objects)
    for placeholder in ("B7WZ01zgkW", "obj_123", "QXg1", "QXhV", "1234567890", "example.com", "sangeekp"):
        assert placeholder not in text, placeholder
    assert all(not obj.get("livemode") for obj in sandbox.store.objects.values())
