"""The official SDK talks to the sandbox as to Stripe; the CLI serves it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from .conftest import KEY

ROOT = Path(__file__).resolve().parents[2]


def test_the_stripe_sdk_creates_and_retrieves_a_session(sandbox) -> None:
    # Outside donations/stripe_gateway.py, this is the only import of stripe (with the signature cross-check in
    # test_webhooks.py): it proves the SDK, unchanged, talks to the sandbox.
    import stripe

    client = stripe.StripeClient(KEY, base_addresses={"api": sandbox.url})
    created = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "success_url": "https://portal.example/thanks?session={CHECKOUT_SESSION_ID}",
            "line_items": [
                {
                    "price_data": {"currency": "krw", "unit_amount": 50000, "product_data": {"name": "Gift"}},
                    "quantity": 1,
                }
            ],
            "metadata": {"pledge": "7"},
            "payment_intent_data": {"metadata": {"pledge": "7"}},
        },
        options={"idempotency_key": "pledge-7"},
    )
    assert created.id.startswith("cs_test_") and created.url.startswith(sandbox.url)
    fetched = client.v1.checkout.sessions.retrieve(created.id, params={"expand": ["line_items"]})
    assert fetched.amount_total == 50000 and fetched.metadata["pledge"] == "7"
    assert fetched.line_items.data[0].description == "Gift"
    try:
        client.v1.checkout.sessions.retrieve("cs_test_missing")
    except stripe.InvalidRequestError as error:
        assert error.code == "resource_missing" and error.http_status == 404
    else:
        raise AssertionError("a missing session must raise")


@pytest.mark.slow  # starts the sandbox in a subprocess
def test_cli_prints_where_it_listens_and_serves(tmp_path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_sandbox", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        line = process.stdout.readline().strip()
        assert line == f"Stripe sandbox listening on http://127.0.0.1:{port} (test mode: no real money moves)"
        response = requests.get(f"http://127.0.0.1:{port}/v1/events", auth=(KEY, ""), timeout=5)
        assert response.status_code == 200 and response.json()["data"] == []
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
