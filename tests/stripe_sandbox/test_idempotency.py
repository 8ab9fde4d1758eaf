"""Idempotency-Key: a replay answers the same and makes nothing new; other parameters are refused; a request
while the first with its key is in flight gets 409; a stored 500 is replayed; keys are forgotten after 24 hours."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from .conftest import Api, pay, payment_params


def test_same_key_replays_the_first_answer(api: Api, sandbox) -> None:
    first = api.post("checkout/sessions", payment_params(), key="pledge-41-start")
    again = api.post("checkout/sessions", payment_params(), key="pledge-41-start")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert sandbox.state()["counts"]["checkout.session"] == 1


def test_replayed_refund_makes_no_new_refund_or_event(api: Api, sandbox, receiver) -> None:
    session = api.ok("post", "checkout/sessions", payment_params())
    pay(sandbox, session["id"])
    pi = api.ok("get", f"checkout/sessions/{session['id']}")["payment_intent"]
    receiver.clear()
    refunds = [api.post("refunds", {"payment_intent": pi, "amount": "500"}, key="refund-1") for _ in range(2)]
    assert refunds[0].json() == refunds[1].json()
    assert receiver.types() == ["charge.refunded", "refund.created"]
    assert len(api.ok("get", "events", {"type": "refund.created"})["data"]) == 1


def test_same_key_with_other_params_is_an_idempotency_error(api: Api) -> None:
    api.ok("post", "checkout/sessions", payment_params(), key="k1")
    response = api.post("checkout/sessions", payment_params(client_reference_id="other"), key="k1")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "type": "idempotency_error",
            "message": "Keys for idempotent requests can only be used with the same parameters they were first used "
            "with. Try using a key other than 'k1' if you meant to execute a different request.",
        }
    }


def test_failed_validation_does_not_use_up_the_key(api: Api) -> None:
    bad = payment_params()
    del bad["mode"]
    assert api.post("checkout/sessions", bad, key="k2").status_code == 400
    assert api.post("checkout/sessions", payment_params(), key="k2").status_code == 200


def test_concurrent_requests_with_one_key_make_one_object(api: Api, sandbox) -> None:
    def create(_: int) -> requests.Response:
        return Api(sandbox.url).post("checkout/sessions", payment_params(), key="double-click")

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(create, range(10)))
    assert {a.status_code for a in answers} <= {200, 409}
    assert len({a.json()["id"] for a in answers if a.status_code == 200}) == 1
    assert sandbox.state()["counts"]["checkout.session"] == 1


def test_a_request_while_the_first_with_its_key_is_in_flight_is_a_409_to_retry(api: Api, sandbox) -> None:
    sandbox.set_fault("slow", count=1, delay=0.6)
    first: list[requests.Response] = []
    thread = threading.Thread(target=lambda: first.append(api.post("checkout/sessions", payment_params(), key="k3")))
    thread.start()
    time.sleep(0.2)
    second = Api(sandbox.url).post("checkout/sessions", payment_params(), key="k3")
    thread.join()
    assert second.status_code == 409 and second.headers["Stripe-Should-Retry"] == "true"
    assert second.json()["error"]["type"] == "idempotency_error" and "k3" in second.json()["error"]["message"]
    assert first[0].status_code == 200
    third = api.post("checkout/sessions", payment_params(), key="k3")
    assert third.json()["id"] == first[0].json()["id"] and third.headers["Idempotent-Replayed"] == "true"
    assert sandbox.state()["counts"]["checkout.session"] == 1


def test_a_500_saved_against_a_key_is_replayed_and_says_not_to_retry(api: Api, sandbox) -> None:
    faults = requests.post(f"{sandbox.url}/_sandbox/faults", {"mode": "error", "saved": "1"}, timeout=5)
    assert faults.status_code == 200
    first = api.post("checkout/sessions", payment_params(), key="k4")
    again = api.post("checkout/sessions", payment_params(), key="k4")
    assert first.status_code == again.status_code == 500 and again.json() == first.json()
    assert first.headers["Stripe-Should-Retry"] == again.headers["Stripe-Should-Retry"] == "false"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert api.post("checkout/sessions", payment_params(), key="k5").status_code == 200


def test_a_key_is_forgotten_24_hours_after_its_first_use(api: Api, sandbox) -> None:
    first = api.ok("post", "checkout/sessions", payment_params(), key="k6")
    requests.post(f"{sandbox.url}/_sandbox/clock", {"advance": str(24 * 3600 - 60)}, timeout=5)
    assert api.ok("post", "checkout/sessions", payment_params(), key="k6")["id"] == first["id"]
    clock = requests.post(f"{sandbox.url}/_sandbox/clock", {"advance": "60"}, timeout=5)
    assert clock.json() == {"offset": 24 * 3600}
    fresh = api.post("checkout/sessions", payment_params(), key="k6")
    assert fresh.status_code == 200 and "Idempotent-Replayed" not in fresh.headers
    assert fresh.json()["id"] != first["id"]
    assert sandbox.state()["counts"]["checkout.session"] == 2
