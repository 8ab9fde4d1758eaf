"""Idempotency-Key: a replay answers the same and makes nothing new; other parameters are refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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
    def create(_: int) -> dict:
        return Api(sandbox.url).ok("post", "checkout/sessions", payment_params(), key="double-click")

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(create, range(10)))
    assert len({a["id"] for a in answers}) == 1
    assert sandbox.state()["counts"]["checkout.session"] == 1
