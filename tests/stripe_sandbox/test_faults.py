"""Injected faults: the next requests fail with 500, or answer too late for the client."""

from __future__ import annotations

import pytest
import requests

from .conftest import Api, payment_params


def test_error_fault_answers_500_for_the_next_n_requests(api: Api, sandbox) -> None:
    set_fault = requests.post(f"{sandbox.url}/_sandbox/faults", {"mode": "error", "count": "2"}, timeout=5)
    assert set_fault.status_code == 200
    for _ in range(2):
        response = api.post("checkout/sessions", payment_params())
        assert response.status_code == 500 and response.json()["error"]["type"] == "api_error"
    assert api.post("checkout/sessions", payment_params()).status_code == 200
    assert sandbox.state()["counts"]["checkout.session"] == 1


def test_fault_only_under_its_path_prefix_and_cleared_by_none(api: Api, sandbox) -> None:
    sandbox.set_fault("error", count=5, path_prefix="/v1/refunds")
    assert api.post("checkout/sessions", payment_params()).status_code == 200
    assert api.post("refunds", {"charge": "ch_x"}).status_code == 500
    requests.post(f"{sandbox.url}/_sandbox/faults", {"mode": "none"}, timeout=5)
    assert api.post("refunds", {"charge": "ch_x"}).status_code == 404


def test_rate_limit_answers_429_as_stripes_rate_limiter_until_switched_off(api: Api, sandbox) -> None:
    switch = requests.post(f"{sandbox.url}/_sandbox/faults", {"mode": "rate_limit", "count": "100"}, timeout=5)
    assert switch.status_code == 200
    for _ in range(3):
        response = api.post("checkout/sessions", payment_params(), key="busy")
        assert response.status_code == 429
        assert response.json()["error"]["type"] == "invalid_request_error"
        assert response.json()["error"]["code"] == "rate_limit"
    sandbox.set_fault("none")
    assert api.post("checkout/sessions", payment_params(), key="busy").status_code == 200  # the key was not used up
    assert sandbox.state()["counts"]["checkout.session"] == 1


@pytest.mark.slow  # waits out a real timeout
def test_timeout_fault_makes_the_client_give_up(api: Api, sandbox) -> None:
    sandbox.set_fault("timeout", count=1, delay=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.http.post(
            f"{sandbox.url}/v1/checkout/sessions",
            data=payment_params(),
            timeout=0.3,
            headers={"Idempotency-Key": "slow"},
        )
    retry = api.post("checkout/sessions", payment_params(), key="slow")
    assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
    assert sandbox.state()["counts"]["checkout.session"] == 1
