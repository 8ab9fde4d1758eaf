"""A sandbox per test, on a free port, with a tiny webhook receiver that records what it is sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from stripe_sandbox import SandboxServer

SECRET = "whsec_test_sandbox_suite"
KEY = "sk_test_sandbox_suite"
ACCOUNT = "acct_1TestOrganization"


class Receiver:
    """Records each webhook delivery (headers and raw body); answers ``status`` (200 unless a test changes it)."""

    def __init__(self) -> None:
        self.deliveries: list[dict[str, Any]] = []
        self.status = 200
        self.gate = threading.Event()  # cleared by a test: each delivery waits until it is set again
        self.gate.set()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.gate.wait(timeout=30)
                with receiver.lock:
                    receiver.deliveries.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhook/"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(d["body"]) for d in self.deliveries]

    def types(self) -> list[str]:
        return [e["type"] for e in self.events()]

    def clear(self) -> None:
        with self.lock:
            self.deliveries.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def sandbox(receiver: Receiver) -> Iterator[SandboxServer]:
    """Immediate delivery: these tests read the events in the order Stripe makes them, as the receiver got them
    (asynchronous delivery, the default, is tested in test_webhooks.py and by the portal's live tests)."""
    with SandboxServer(port=0, webhook_url=receiver.url, webhook_secret=SECRET, delivery="sync") as server:
        server.register_account(ACCOUNT)  # the connected account the tests' destination charges go to
        yield server


class Api:
    """Plain HTTP to the sandbox's /v1, as the SDK would send it (form-encoded, Bearer key)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {KEY}"

    def post(self, path: str, data: Any = None, key: str | None = None, headers: Any = None) -> requests.Response:
        headers = {**(headers or {}), **({"Idempotency-Key": key} if key else {})}
        return self.http.post(f"{self.base}/v1/{path}", data=data, headers=headers, timeout=15)

    def get(self, path: str, params: Any = None, **kwargs: Any) -> requests.Response:
        return self.http.get(f"{self.base}/v1/{path}", params=params, timeout=15, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.delete(f"{self.base}/v1/{path}", timeout=15, **kwargs)

    def ok(self, method: str, path: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        response = getattr(self, method)(path, *args, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def api(sandbox: SandboxServer) -> Api:
    return Api(sandbox.url)


def payment_params(**extra: str) -> dict[str, str]:
    params = {
        "mode": "payment",
        "success_url": "https://portal.example/give/thanks?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://portal.example/give/",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "2500",
        "line_items[0][price_data][product_data][name]": "Gift to Rescue Org",
        "line_items[0][quantity]": "1",
        "customer_email": "donor@example.org",
        "submit_type": "donate",
        "metadata[pledge]": "41",
        "payment_intent_data[metadata][pledge]": "41",
        "client_reference_id": "pledge-41",
    }
    params.update(extra)
    return params


def subscription_params(**extra: str) -> dict[str, str]:
    params = {
        "mode": "subscription",
        "success_url": "https://portal.example/give/thanks?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://portal.example/give/",
        "line_items[0][price_data][currency]": "krw",
        "line_items[0][price_data][unit_amount]": "50000",
        "line_items[0][price_data][product_data][name]": "Monthly gift",
        "line_items[0][price_data][recurring][interval]": "month",
        "line_items[0][quantity]": "1",
        "customer_email": "monthly@example.org",
        "metadata[pledge]": "42",
        "subscription_data[metadata][pledge]": "42",
        "subscription_data[transfer_data][destination]": "acct_1TestOrganization",
        "subscription_data[application_fee_percent]": "2.5",
    }
    params.update(extra)
    return params


def pay(sandbox: SandboxServer, session_id: str, outcome: str = "success", **form: str) -> requests.Response:
    """Press a button on the checkout page (a real HTTP POST); the redirect is returned, not followed."""
    url = f"{sandbox.url}/checkout/{session_id}/pay"
    return requests.post(url, data={"outcome": outcome, **form}, allow_redirects=False, timeout=15)
