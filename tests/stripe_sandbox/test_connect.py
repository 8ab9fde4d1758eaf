"""Connect in the sandbox: known connected accounts, destination charges' transfers and application fees, and
refunds that reverse them (Stripe's shapes, from fixtures3.json)."""

from __future__ import annotations

import requests

from tests.stripe_sandbox.conftest import Api, pay, payment_params, subscription_params

DESTINATION = {
    "payment_intent_data[transfer_data][destination]": "acct_1TestOrganization",
    "payment_intent_data[application_fee_amount]": "100",
}


def _paid_charge(api: Api, sandbox, **extra: str) -> dict:
    session = api.ok("post", "checkout/sessions", payment_params(**extra))
    pay(sandbox, session["id"])
    pi = api.ok("get", f"checkout/sessions/{session['id']}", {"expand[]": "payment_intent.latest_charge"})
    return pi["payment_intent"]["latest_charge"]


def test_unknown_connected_account_is_refused_like_stripe(api: Api) -> None:
    for params, where in (
        (payment_params(**{"payment_intent_data[transfer_data][destination]": "acct_1Nobody"}), "payment_intent_data"),
        (subscription_params(**{"subscription_data[transfer_data][destination]": "acct_1Nobody"}), "subscription_data"),
    ):
        response = api.post("checkout/sessions", params)
        assert response.status_code == 400
        error = response.json()["error"]
        assert (error["type"], error["code"]) == ("invalid_request_error", "resource_missing")
        assert error["param"] == f"{where}[transfer_data][destination]" and "acct_1Nobody" in error["message"]


def test_accounts_created_through_the_api_or_registered_are_known(api: Api, sandbox) -> None:
    made = api.ok("post", "accounts", {"type": "express", "country": "US", "email": "org@example.org"})
    assert made["object"] == "account" and made["id"].startswith("acct_") and made["charges_enabled"]
    assert api.ok("get", f"accounts/{made['id']}")["email"] == "org@example.org"
    registered = requests.post(f"{sandbox.url}/_sandbox/accounts", data={"id": "acct_1Registered"}, timeout=5)
    assert registered.status_code == 200 and registered.json()["id"] == "acct_1Registered"
    for account in (made["id"], "acct_1Registered"):
        extra = {"payment_intent_data[transfer_data][destination]": account}
        assert api.post("checkout/sessions", payment_params(**extra)).status_code == 200


def test_destination_charge_makes_a_transfer_and_an_application_fee(api: Api, sandbox, receiver) -> None:
    receiver.clear()
    charge = _paid_charge(api, sandbox, **DESTINATION)
    transfer = api.ok("get", f"transfers/{charge['transfer']}")
    fee = api.ok("get", f"application_fees/{charge['application_fee']}")
    assert (transfer["object"], transfer["destination"], transfer["amount"]) == (
        "transfer",
        "acct_1TestOrganization",
        2500,
    )
    assert transfer["source_transaction"] == charge["id"] and transfer["amount_reversed"] == 0
    assert (fee["object"], fee["amount"], fee["charge"], fee["account"]) == (
        "application_fee",
        100,
        charge["id"],
        "acct_1TestOrganization",
    )
    assert receiver.types()[-3:] == ["transfer.created", "application_fee.created", "checkout.session.completed"]
    charge_event = next(e for e in receiver.events() if e["type"] == "charge.succeeded")
    assert charge_event["data"]["object"]["transfer"] == transfer["id"]


def test_refund_reverses_the_transfer_and_refunds_the_fee_in_proportion(api: Api, sandbox, receiver) -> None:
    charge = _paid_charge(api, sandbox, **DESTINATION)
    receiver.clear()
    flags = {"reverse_transfer": "true", "refund_application_fee": "true"}
    first = api.ok("post", "refunds", {"charge": charge["id"], "amount": "1000", **flags})
    reversal = sandbox.store.get("transfer_reversal", first["transfer_reversal"])
    assert (reversal["object"], reversal["amount"], reversal["source_refund"]) == (
        "transfer_reversal",
        1000,
        first["id"],
    )
    assert receiver.types() == ["charge.refunded", "refund.created", "transfer.reversed", "application_fee.refunded"]
    fee = api.ok("get", f"application_fees/{charge['application_fee']}")
    assert (fee["amount_refunded"], fee["refunded"], fee["refunds"]["data"][0]["object"]) == (40, False, "fee_refund")
    api.ok("post", "refunds", {"charge": charge["id"], **flags})  # the rest
    transfer = api.ok("get", f"transfers/{charge['transfer']}")
    assert (transfer["amount_reversed"], transfer["reversed"], len(transfer["reversals"]["data"])) == (2500, True, 2)
    assert api.ok("get", f"application_fees/{charge['application_fee']}")["amount_refunded"] == 100


def test_refund_without_reverse_transfer_leaves_the_transfer(api: Api, sandbox) -> None:
    charge = _paid_charge(api, sandbox, **DESTINATION)
    refund = api.ok("post", "refunds", {"charge": charge["id"]})
    assert refund["transfer_reversal"] is None
    assert api.ok("get", f"transfers/{charge['transfer']}")["amount_reversed"] == 0  # the platform paid it


def test_reverse_transfer_of_a_charge_without_a_transfer_is_refused(api: Api, sandbox) -> None:
    charge = _paid_charge(api, sandbox)
    assert charge.get("transfer") is None and charge["application_fee"] is None
    for flag in ("reverse_transfer", "refund_application_fee"):
        response = api.post("refunds", {"charge": charge["id"], flag: "true"})
        assert response.status_code == 400 and response.json()["error"]["param"] == flag
