"""The sandbox's side of a donor's controls, over HTTP as the SDK sends them: a subscription's new price without
proration, a pause of collection and its end, the customer portal limited to the card, and deleting a customer."""

import time

import pytest
import requests

from .conftest import ACCOUNT, pay, subscription_params


@pytest.fixture
def subscription(sandbox, api) -> dict:
    sandbox.register_account(ACCOUNT)
    session = api.ok("post", "checkout/sessions", subscription_params())
    pay(sandbox, session["id"])
    sub_id = api.ok("get", f"checkout/sessions/{session['id']}")["subscription"]
    return api.ok("get", f"subscriptions/{sub_id}")


def _new_price(sub: dict, amount: int, currency: str = "krw") -> dict[str, str]:
    item = sub["items"]["data"][0]
    return {
        "items[0][id]": item["id"],
        "items[0][price_data][currency]": currency,
        "items[0][price_data][product]": item["price"]["product"],
        "items[0][price_data][unit_amount]": str(amount),
        "items[0][price_data][recurring][interval]": "month",
        "proration_behavior": "none",
    }


def test_a_new_price_from_the_next_invoice_without_proration(sandbox, api, subscription, receiver):
    receiver.clear()
    updated = api.ok("post", f"subscriptions/{subscription['id']}", _new_price(subscription, 70000), key="amount-1")
    assert updated["items"]["data"][0]["price"]["unit_amount"] == 70000
    assert updated["items"]["data"][0]["price"]["id"] != subscription["items"]["data"][0]["price"]["id"]
    event = sandbox.events("customer.subscription.updated")[-1]
    old_items = event["data"]["previous_attributes"]["items"]["data"]
    assert old_items[0]["price"]["unit_amount"] == 50000
    assert not sandbox.events("invoice.created")  # nothing prorated, nothing invoiced now
    assert sandbox.advance(subscription["id"])["amount_due"] == 70000
    # the same key again replays; another currency is refused
    assert api.post(f"subscriptions/{subscription['id']}", _new_price(subscription, 70000), key="amount-1").ok
    refused = api.post(f"subscriptions/{subscription['id']}", _new_price(subscription, 70, "usd"))
    assert refused.status_code == 400 and "currency" in refused.json()["error"]["message"]


def test_a_pause_voids_the_months_until_it_ends(sandbox, api, subscription):
    period_end = subscription["items"]["data"][0]["current_period_end"]
    resumes_at = period_end + 20 * 86400  # within the next period: that one is voided, the one after is not
    params = {"pause_collection[behavior]": "void", "pause_collection[resumes_at]": str(resumes_at)}
    paused = api.ok("post", f"subscriptions/{subscription['id']}", params)
    assert paused["pause_collection"] == {"behavior": "void", "resumes_at": resumes_at}
    assert paused["status"] == "active"  # Stripe keeps a paused collection's subscription active
    voided = sandbox.advance(subscription["id"])
    assert voided["status"] == "void" and voided["amount_paid"] == 0
    assert [e["type"] for e in sandbox.events()[-2:]] == ["invoice.created", "invoice.voided"]
    paid = sandbox.advance(subscription["id"])  # past resumes_at: lifted, charged again
    assert paid["status"] == "paid"
    assert api.ok("get", f"subscriptions/{subscription['id']}")["pause_collection"] is None


def test_resume_unsets_the_pause_and_a_past_date_is_refused(api, subscription):
    past = {"pause_collection[behavior]": "void", "pause_collection[resumes_at]": str(int(time.time()) - 10)}
    assert api.post(f"subscriptions/{subscription['id']}", past).status_code == 400
    future = {"pause_collection[behavior]": "void", "pause_collection[resumes_at]": str(int(time.time()) + 86400)}
    api.ok("post", f"subscriptions/{subscription['id']}", future)
    resumed = api.ok("post", f"subscriptions/{subscription['id']}", {"pause_collection": ""})
    assert resumed["pause_collection"] is None


def test_a_canceled_subscription_cannot_be_changed(api, subscription):
    api.ok("delete", f"subscriptions/{subscription['id']}")
    assert api.post(f"subscriptions/{subscription['id']}", _new_price(subscription, 70000)).status_code == 400


def test_the_customer_portal_updates_only_the_card(sandbox, api, subscription):
    flow = {
        "customer": subscription["customer"],
        "return_url": "https://portal.example/mine/",
        "flow_data[type]": "payment_method_update",
        "flow_data[after_completion][type]": "redirect",
        "flow_data[after_completion][redirect][return_url]": "https://portal.example/mine/done/",
    }
    session = api.ok("post", "billing_portal/sessions", flow)
    assert session["object"] == "billing_portal.session" and session["flow"]["type"] == "payment_method_update"
    page = requests.get(session["url"], timeout=10)
    assert page.status_code == 200 and "TEST MODE" in page.text
    saved = requests.post(session["url"] + "/save", allow_redirects=False, timeout=10)
    assert saved.status_code == 303 and saved.headers["Location"] == "https://portal.example/mine/done/"
    card = api.ok("get", f"subscriptions/{subscription['id']}")["default_payment_method"]
    assert card != subscription["default_payment_method"]
    customer = api.ok("get", f"customers/{subscription['customer']}")
    assert customer["invoice_settings"]["default_payment_method"] == card
    other = api.post("billing_portal/sessions", {**flow, "flow_data[type]": "subscription_cancel"})
    assert other.status_code == 400


def test_deleting_a_customer_cancels_its_subscriptions(sandbox, api, subscription):
    deleted = api.ok("delete", f"customers/{subscription['customer']}")
    assert deleted == {"id": subscription["customer"], "object": "customer", "deleted": True}
    assert api.ok("get", f"subscriptions/{subscription['id']}")["status"] == "canceled"
    assert api.get(f"customers/{subscription['customer']}").status_code == 404
    assert [e["type"] for e in sandbox.events()[-2:]] == ["customer.subscription.deleted", "customer.deleted"]
