"""Stripe's error format: missing and unknown parameters, unknown objects, keys, business rules."""

from __future__ import annotations

import requests

from .conftest import Api, payment_params, subscription_params


def error_of(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Request-Id"].startswith("req_")
    return response.json()["error"]


def test_missing_required_param(api: Api) -> None:
    params = payment_params()
    del params["success_url"]
    error = error_of(api.post("checkout/sessions", params), 400)
    assert error == {
        "type": "invalid_request_error",
        "message": "Missing required param: success_url.",
        "param": "success_url",
        "code": "parameter_missing",
        "doc_url": "https://stripe.com/docs/error-codes/parameter-missing",
    }


def test_unknown_param_even_nested(api: Api) -> None:
    error = error_of(api.post("checkout/sessions", payment_params(colour="red")), 400)
    assert (error["message"], error["code"]) == ("Received unknown parameter: colour", "parameter_unknown")
    nested = payment_params(**{"line_items[0][price_data][product_data][colour]": "red"})
    error = error_of(api.post("checkout/sessions", nested), 400)
    assert error["param"] == "line_items[0][price_data][product_data][colour]"


def test_invalid_values_are_refused(api: Api) -> None:
    cases = {
        "mode": "setup",
        "line_items[0][price_data][currency]": "xyz",
        "line_items[0][price_data][unit_amount]": "12.50",
        "line_items[0][quantity]": "0",
        "success_url": "not a url",
        "customer_email": "nobody",
        "metadata[pledge]": "x" * 501,
        "payment_intent_data[statement_descriptor_suffix]": "<script>",
        "payment_intent_data[statement_descriptor]": "REFUGEE AID",  # card payments take only the suffix
        "payment_intent_data[application_fee_amount]": "100",  # without a destination
        "locale": "xx",
        "expires_at": "1",
    }
    for key, value in cases.items():
        error = error_of(api.post("checkout/sessions", payment_params(**{key: value})), 400)
        assert error["type"] == "invalid_request_error", key
    too_small = payment_params(**{"line_items[0][price_data][unit_amount]": "49"})
    assert "at least $0.50" in error_of(api.post("checkout/sessions", too_small), 400)["message"]


def test_mode_and_recurring_must_agree(api: Api) -> None:
    recurring = payment_params(**{"line_items[0][price_data][recurring][interval]": "month"})
    assert "recurring price" in error_of(api.post("checkout/sessions", recurring), 400)["message"]
    one_time = subscription_params()
    del one_time["line_items[0][price_data][recurring][interval]"]
    assert "recurring price" in error_of(api.post("checkout/sessions", one_time), 400)["message"]
    mixed = subscription_params(**{"payment_intent_data[description]": "x"})
    assert error_of(api.post("checkout/sessions", mixed), 400)["param"] == "payment_intent_data"
    submit = subscription_params(submit_type="donate")
    assert error_of(api.post("checkout/sessions", submit), 400)["param"] == "submit_type"


def test_unknown_object_is_404(api: Api) -> None:
    error = error_of(api.get("checkout/sessions/cs_test_nope"), 404)
    assert error["message"] == "No such checkout.session: 'cs_test_nope'"
    assert error["code"] == "resource_missing"
    for path in ("payment_intents/pi_x", "charges/ch_x", "invoices/in_x", "customers/cus_x", "subscriptions/sub_x"):
        assert error_of(api.get(path), 404)["code"] == "resource_missing"
    assert "Unrecognized request URL" in error_of(api.get("coupons"), 404)["message"]


def test_api_key_is_required_and_must_be_a_test_key(sandbox) -> None:
    url = f"{sandbox.url}/v1/checkout/sessions"
    assert "did not provide an API key" in error_of(requests.get(url, timeout=5), 401)["message"]
    live = requests.get(url, headers={"Authorization": "Bearer sk_live_abc"}, timeout=5)
    assert "test mode only" in error_of(live, 401)["message"]
    basic = requests.get(url, auth=("sk_test_abc", ""), timeout=5)
    assert basic.status_code == 200


def test_unknown_expand_is_refused(api: Api) -> None:
    session = api.ok("post", "checkout/sessions", payment_params())
    error = error_of(api.get(f"checkout/sessions/{session['id']}", {"expand[]": "colour"}), 400)
    assert error["message"] == "This property cannot be expanded (colour)."
    items = api.ok("get", f"checkout/sessions/{session['id']}", {"expand[]": "line_items"})["line_items"]
    assert items["data"][0]["description"] == "Gift to Rescue Org" and items["data"][0]["amount_total"] == 2500
