"""``SandboxServer``: the local Stripe, a real HTTP server the stripe SDK talks to as to api.stripe.com."""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from common.test_mode import SANDBOX_WEBHOOK_SECRET

from . import api, billing, checkout, control, disputes, donor_controls, pages
from .params import ApiError, decode
from .state import DEFAULT_API_VERSION, Ctx, IdempotencyRecord, Store, new_id
from .timers import ExpiryTimer
from .webhooks import MAX_DELAY, MODES, Dispatcher

logger = logging.getLogger(__name__)
DEFAULT_WEBHOOK_SECRET = SANDBOX_WEBHOOK_SECRET  # the portal's settings use the same one in test mode


IDEMPOTENCY_TTL = 24 * 3600  # Stripe forgets a key 24 hours after its first use


@dataclass
class Fault:
    """``error``: 500 before the endpoint runs (not remembered by the key), or, ``saved``, while it runs (remembered
    and replayed, with ``Stripe-Should-Retry: false``); ``timeout``: the work is done, the answer comes ``delay``
    seconds late; ``slow``: the request stays in flight ``delay`` seconds before it runs (another request with its
    key meanwhile gets 409); ``rate_limit``: 429 ``rate_limit``, as Stripe's rate limiter answers."""

    mode: str = "none"
    count: int = 0
    delay: float = 0.0
    path_prefix: str = "/v1/"
    saved: bool = False


class SandboxServer:
    """A local Stripe in test mode. ``start()`` serves in a background thread; ``stop()`` ends it.

    ``delivery`` ("async", the default, as Stripe does: after the causing request has answered, from a background
    thread, each event after a random delay of up to ``max_delay`` seconds, so the events of one action arrive in
    any order; "sync": in order, before the causing request answers). ``wait_for_deliveries()`` waits until every
    queued delivery has been attempted. Attributes a test may set: ``delivery``, ``event_order`` ("stripe" or
    "reversed": the order the events of one action are handed to delivery), ``settle_delay`` (seconds after which a
    bank debit settles by itself; None: only when told).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        quiet: bool = True,
        delivery: str = "async",
        max_delay: float = MAX_DELAY,
    ) -> None:
        if delivery not in MODES:
            raise ValueError("delivery is 'async' or 'sync'")
        self.host, self.port, self.quiet = host, port, quiet
        self.store = Store()
        secret = webhook_secret or os.environ.get("STRIPE_WEBHOOK_SECRET") or DEFAULT_WEBHOOK_SECRET
        self.webhooks = Dispatcher(self.store, webhook_url, secret, mode=delivery, max_delay=max_delay)
        self._request = threading.local()  # the events a request made, held until its answer is sent (async)
        self.event_order = "stripe"
        self.settle_delay: float | None = None
        self.fault = Fault()
        self._fault_lock = threading.Lock()
        self._idempotency_lock = threading.Lock()
        self.api_requests: list[str] = []  # "GET /v1/invoices/in_1" for every /v1 request, oldest first
        self._requests_lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._timers: list[threading.Timer] = []
        self._refund_autosettle: tuple[str, float] | None = None
        self._expiry = ExpiryTimer(self.store, self.expire_due)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        self._httpd = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._httpd.sandbox = self  # type: ignore[attr-defined]
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="stripe-sandbox", daemon=True
        )
        self._thread.start()
        self._expiry.start()
        return self

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._expiry.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self.webhooks.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0", "::") else self.host  # noqa: S104 - a display address
        return f"http://{host}:{self.port}"

    @property
    def webhook_url(self) -> str | None:
        return self.webhooks.url

    @property
    def webhook_secret(self) -> str:
        return self.webhooks.secret

    @property
    def delivery(self) -> str:
        return self.webhooks.mode

    @delivery.setter
    def delivery(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError("delivery is 'async' or 'sync'")
        self.webhooks.mode = mode

    def set_webhook_url(self, url: str | None) -> None:
        self.webhooks.set_url(url)

    # -- actions (the control API and the checkout page call these too) --------------------------------------
    def run(self, action: Any, *args: Any, ctx: Ctx | None = None, **kwargs: Any) -> Any:
        """Run ``action(store, ctx, ...)`` under the lock, then deliver the events it made."""
        ctx = ctx or Ctx(request_id=new_id("req_", 14))
        try:
            with self.store.lock:
                return action(self.store, ctx, *args, **kwargs)
        finally:
            self.dispatch(ctx.events)

    def dispatch(self, events: list[dict[str, Any]]) -> None:
        """Hand new events to the dispatcher. In async mode, while a request is being answered, they are held until
        its answer has been sent (Stripe's webhooks never come before the API's answer)."""
        for event in events:
            if event["type"] == "refund.created":
                self._after_refund(event["data"]["object"])
        events = events[::-1] if self.event_order == "reversed" else events
        held = getattr(self._request, "held", None)
        if held is not None and self.delivery == "async":
            self.webhooks.hold(len(events))
            held.extend(events)
        else:
            self.webhooks.dispatch(events)

    def _hold(self) -> None:
        self._request.held = []

    def _release(self) -> None:
        held, self._request.held = getattr(self._request, "held", None), None
        if held:
            self.webhooks.dispatch(held, held=True)

    def pay(self, session_id: str, outcome: str = "success", email: str | None = None, method: str = "card") -> bool:
        """What the checkout page's buttons do (``method``: a Korean method, once the donor approved it in its own
        page). False when the card is declined."""
        paid = self.run(checkout.pay, session_id, outcome, email, method, ctx=self._ctx(session_id))
        if paid and outcome.startswith("delayed_") and self.settle_delay is not None:
            timer = threading.Timer(self.settle_delay, self._auto_settle, args=(session_id,))
            timer.daemon = True
            self._timers.append(timer)
            timer.start()
        return paid

    def _auto_settle(self, session_id: str) -> None:
        outcome = self.store.private[session_id].get("delayed_outcome", "succeed")
        try:
            self.settle(session_id, outcome)
        except ApiError as error:  # settled by hand meanwhile
            logger.info("automatic settle of %s skipped: %s", session_id, error.message)

    def settle(self, session_id: str, outcome: str = "succeed") -> dict[str, Any]:
        return self.run(checkout.settle, session_id, outcome, ctx=self._ctx(session_id))

    def expire(self, session_id: str) -> dict[str, Any]:
        return self.run(checkout.expire, session_id)

    def expire_due(self) -> list[str]:
        """Expire every open Checkout Session whose ``expires_at`` has passed on the sandbox's clock (what the
        expiry timer does when one is due); their ids."""
        return self.run(checkout.sweep)

    def advance(self, subscription_id: str, outcome: str = "paid") -> dict[str, Any]:
        return self.run(billing.advance, subscription_id, outcome, self.url, ctx=self._ctx(subscription_id))

    def retry_invoice(self, invoice_id: str, outcome: str = "paid") -> dict[str, Any]:
        """Stripe's next attempt at an open invoice: ``paid`` or ``failed`` again."""
        with self.store.lock:
            sub_id = self.store.get("invoice", invoice_id)["parent"]["subscription_details"]["subscription"]
        return self.run(billing.retry, invoice_id, outcome, ctx=self._ctx(sub_id))

    def update_subscription(
        self, subscription_id: str, status: str | None = None, cancel_at_period_end: bool | None = None
    ) -> dict[str, Any]:
        """Stripe changes a subscription's status on its own (``unpaid``, ``paused``, ``active``), or it is set to
        end with its period (``cancel_at_period_end``)."""
        return self.run(
            billing.set_status, subscription_id, status, cancel_at_period_end, ctx=self._ctx(subscription_id)
        )

    def cancel_subscription(self, subscription_id: str) -> dict[str, Any]:
        return self.run(billing.cancel, subscription_id)

    def register_account(self, account_id: str) -> dict[str, Any]:
        """Make ``account_id`` a connected account the sandbox knows, so destination charges to it are accepted."""
        return self.store.register_account(account_id)

    def dashboard_refund(self, charge_id: str, amount: int | None = None) -> dict[str, Any]:
        return self.run(billing.refund_charge, charge_id, amount, "requested_by_customer")

    def open_dispute(
        self, charge_id: str, kind: str = "chargeback", reason: str = "fraudulent", amount: int | None = None
    ) -> dict[str, Any]:
        """The cardholder's bank disputes a charge (``kind``: ``chargeback`` or ``inquiry``)."""
        return self.run(disputes.open_dispute, charge_id, kind, reason, amount, ctx=self._ctx(charge_id))

    def submit_dispute_evidence(self, dispute_id: str) -> dict[str, Any]:
        return self.run(disputes.submit_evidence, dispute_id, ctx=self._ctx(dispute_id))

    def escalate_dispute(self, dispute_id: str) -> dict[str, Any]:
        return self.run(disputes.escalate, dispute_id, ctx=self._ctx(dispute_id))

    def close_dispute(self, dispute_id: str, outcome: str = "won") -> dict[str, Any]:
        """The bank decides: ``won`` or ``lost``."""
        return self.run(disputes.close, dispute_id, outcome, ctx=self._ctx(dispute_id))

    def set_refund_status(self, refund_id: str, status: str) -> dict[str, Any]:
        """A refund's later life at Stripe: pending, then succeeded or failed (see billing.set_refund_status)."""
        return self.run(billing.set_refund_status, refund_id, status)

    def make_refunds_pending(self, count: int = 1, outcome: str | None = None, delay: float = 0.0) -> None:
        """The next ``count`` refunds (through the API or the dashboard) stay ``pending``; with ``outcome``
        (``succeed`` or ``fail``) each settles so by itself ``delay`` seconds later, else only when told
        (``settle_refund``)."""
        if outcome not in (None, "succeed", "fail"):
            raise ValueError("outcome is succeed or fail")
        with self.store.lock:
            self.store.pending_refunds = count
            self._refund_autosettle = (outcome, delay) if outcome else None

    def settle_refund(self, refund_id: str, outcome: str = "succeed") -> dict[str, Any]:
        """A pending refund succeeds or fails (``refund.updated``, ``charge.refund.updated``, ``refund.failed``)."""
        with self.store.lock:
            charge = self.store.get("refund", refund_id)["charge"]
        return self.run(billing.settle_refund, refund_id, outcome, ctx=self._ctx(charge))

    def _after_refund(self, refund: dict[str, Any]) -> None:
        """A refund made pending while automatic settling is on: settle it after the delay."""
        if refund.get("status") != "pending" or not self._refund_autosettle:
            return
        outcome, delay = self._refund_autosettle
        self._later(delay, self._auto_settle_refund, refund["id"], outcome)

    def _auto_settle_refund(self, refund_id: str, outcome: str) -> None:
        try:
            self.settle_refund(refund_id, outcome)
        except ApiError as error:  # settled by hand meanwhile
            logger.info("automatic settle of %s skipped: %s", refund_id, error.message)

    def _later(self, delay: float, action: Any, *args: Any) -> None:
        timer = threading.Timer(delay, action, args=args)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _ctx(self, object_id: str) -> Ctx:
        """Events Stripe makes on its own: no request, the API version of the request that began the story."""
        with self.store.lock:
            version = self.store.private.get(object_id, {}).get("api_version")
        return Ctx(api_version=version or DEFAULT_API_VERSION)

    def set_fault(
        self, mode: str, count: int = 1, delay: float = 0.0, path_prefix: str = "/v1/", saved: bool = False
    ) -> None:
        """The next ``count`` /v1 requests under ``path_prefix`` meet the fault ``mode`` (see ``Fault``)."""
        if mode not in control.FAULT_MODES:
            raise ValueError(f"mode is one of {', '.join(control.FAULT_MODES)}")
        with self._fault_lock:
            self.fault = Fault(mode, count if mode != "none" else 0, delay, path_prefix, saved)

    def advance_clock(self, seconds: int) -> int:
        """Move the sandbox's clock forward (idempotency keys' 24-hour life, Checkout expiry); the total offset."""
        with self.store.lock:
            self.store.clock_offset += seconds
            offset = self.store.clock_offset
        self._expiry.wake()  # sessions due on the new time expire now
        return offset

    def _take_fault(self, path: str) -> Fault | None:
        with self._fault_lock:
            fault = self.fault
            if fault.mode == "none" or fault.count <= 0 or not path.startswith(fault.path_prefix):
                return None
            fault.count -= 1
            return Fault(fault.mode, 1, fault.delay, fault.path_prefix, fault.saved)

    def set_webhooks_enabled(self, enabled: bool, url: str | None = None) -> None:
        self.webhooks.enabled = enabled
        if url is not None:
            self.set_webhook_url(url)

    def deliver(self, event_id: str) -> int | None:
        """Deliver one event now (again); the HTTP status, or None when the endpoint could not be reached."""
        with self.store.lock:
            self.store.get("event", event_id)
        return self.webhooks.deliver(event_id).status

    def deliver_pending(self) -> list[str]:
        return self.webhooks.deliver_pending()

    def wait_for_deliveries(self, timeout: float = 30.0) -> None:
        """With ``delivery = "async"``: wait until the queued deliveries have been attempted (TimeoutError after
        ``timeout`` seconds)."""
        self.webhooks.drain(timeout)

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        """Copies of the events made so far, oldest first (``type``: only those of that type)."""
        with self.store.lock:
            return [json.loads(json.dumps(e)) for e in self.store.events if type in (None, e["type"])]

    def state(self) -> dict[str, Any]:
        summary = self.store.summary()
        summary["webhooks"] = {"url": self.webhook_url, "enabled": self.webhooks.enabled, "mode": self.delivery}
        summary["webhooks"]["queued"] = self.webhooks.pending_count()  # async deliveries not yet attempted
        with self._requests_lock:
            summary["api_requests"] = {"count": len(self.api_requests), "last": self.api_requests[-20:]}
        return summary

    # -- /v1 -------------------------------------------------------------------------------------------------
    def handle_v1(self, method: str, path: str, raw: str, headers: Any, request_id: str) -> tuple[int, bytes, dict]:
        """Answer one API request: auth, faults, idempotency, then ``api.handle``."""
        out_headers: dict[str, str] = {}
        with self._requests_lock:
            self.api_requests.append(f"{method} /v1/{path}")
        auth_error = _check_key(headers.get("Authorization"))
        if auth_error:
            return 401, _json(ApiError(auth_error, status=401).body()), out_headers
        fault = self._take_fault(f"/v1/{path}")
        if fault and fault.mode == "rate_limit":
            return 429, _json(_RATE_LIMITED.body()), out_headers
        if fault and fault.mode == "error" and not fault.saved:
            return 500, _json(_FAULT_500.body()), out_headers
        key = headers.get("Idempotency-Key") if method in ("POST", "DELETE") else None
        try:
            params, pairs = decode(raw)
            record = self._idempotency_record(key, method, path, pairs) if key else None
        except ApiError as error:
            return error.status, _json(error.body()), out_headers
        ctx = Ctx(api_version=headers.get("Stripe-Version") or DEFAULT_API_VERSION, request_id=request_id)
        ctx.idempotency_key = key
        status, body = self._idempotent(record, ctx, method, path, params, headers, out_headers, fault)
        if method == "POST" and path == "checkout/sessions":
            self._expiry.wake()  # a new session: perhaps the earliest to expire
        if key:
            out_headers["Idempotency-Key"] = key
        self.dispatch(ctx.events)
        if fault and fault.mode == "timeout":
            time.sleep(fault.delay)
        return status, body, out_headers

    def _idempotency_record(self, key: str, method: str, path: str, pairs: list) -> IdempotencyRecord:
        if len(key) > 255:
            raise ApiError("Idempotency keys can be no longer than 255 characters.", type="idempotency_error")
        with self._idempotency_lock, self.store.lock:
            clock = self.store.clock()
            record = self.store.idempotency.get(key)
            if record is None or clock - record.created >= IDEMPOTENCY_TTL:  # unknown, or forgotten after 24 hours
                record = self.store.idempotency[key] = IdempotencyRecord(method, path, sorted(pairs), created=clock)
        if (record.method, record.path) != (method, path):
            raise ApiError(
                "Keys for idempotent requests can only be used for the same endpoint they were first used for "
                f"('{record.method} /v1/{record.path}' vs '{method} /v1/{path}'). Try using a key other than "
                f"'{key}' if you meant to execute a different request.",
                type="idempotency_error",
            )
        if record.params != sorted(pairs):
            raise ApiError(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. "
                f"Try using a key other than '{key}' if you meant to execute a different request.",
                type="idempotency_error",
            )
        return record

    def _idempotent(
        self,
        record: IdempotencyRecord | None,
        ctx: Ctx,
        method: str,
        path: str,
        params: dict[str, Any],
        headers: Any,
        out_headers: dict[str, str],
        fault: Fault | None = None,
    ) -> tuple[int, bytes]:
        if record is None:
            status, body, _ = self._execute(ctx, method, path, params, headers, fault)
            return status, body
        if not record.lock.acquire(blocking=False):  # the first request with this key is still in flight
            out_headers["Stripe-Should-Retry"] = "true"
            return 409, _json(_in_flight(ctx.idempotency_key or "").body())
        try:
            if record.response is not None:
                status, body, original = record.response
                out_headers.update({"Idempotent-Replayed": "true", "Original-Request": original})
            else:
                status, body, saved = self._execute(ctx, method, path, params, headers, fault)
                if saved:
                    record.response = (status, body, ctx.request_id or "")
                else:
                    with self._idempotency_lock:
                        self.store.idempotency.pop(ctx.idempotency_key or "", None)
            if status >= 500:  # Stripe replays a stored 500: a retry with the key would be a no-op
                out_headers["Stripe-Should-Retry"] = "false"
            return status, body
        finally:
            record.lock.release()

    def _execute(
        self, ctx: Ctx, method: str, path: str, params: dict, headers: Any, fault: Fault | None = None
    ) -> tuple[int, bytes, bool]:
        if fault and fault.mode == "slow":
            time.sleep(fault.delay)
        if fault and fault.mode == "error":  # a saved 500: the endpoint began and failed
            return 500, _json(_FAULT_500.body()), True
        request = {"base_url": self.url, "connected": bool(headers.get("Stripe-Account"))}
        try:
            with self.store.lock:
                return 200, _json(api.handle(self.store, ctx, method, path, params, **request)), True
        except ApiError as error:
            return error.status, _json(error.body()), error.saved


_FAULT_500 = ApiError("An unknown error occurred (fault injected by the sandbox).", status=500, type="api_error")
_RATE_LIMITED = ApiError(
    "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
    status=429,
    code="rate_limit",
    saved=False,
)


def _in_flight(key: str) -> ApiError:
    return ApiError(
        "There is currently another in-progress request using this Stripe-Idempotency-Key: "
        f"{key}. Please try again later.",
        status=409,
        type="idempotency_error",
        saved=False,
    )


def _json(body: dict[str, Any]) -> bytes:
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _check_key(header: str | None) -> str | None:
    """None when the key is a test key; else Stripe's words for what is wrong."""
    key = ""
    if header and header.startswith("Bearer "):
        key = header[7:].strip()
    elif header and header.startswith("Basic "):
        try:
            key = base64.b64decode(header[6:]).decode("utf-8").split(":", 1)[0]
        except ValueError:
            key = ""
    if not key:
        return (
            "You did not provide an API key. You need to provide your API key in the Authorization header, using "
            "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
            "https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
        )
    if key.startswith(("sk_live_", "rk_live_")):
        return "This is the local Stripe sandbox: it runs in test mode only and refuses live API keys."
    if not key.startswith(("sk_test_", "rk_test_")):
        return f"Invalid API Key provided: {key[:8]}{'*' * max(0, len(key) - 12)}{key[-4:]}"
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "StripeSandbox/1.0"
    timeout = 60
    disable_nagle_algorithm = True  # headers and body go out in two writes; do not wait for the ACK between

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if not self.server.sandbox.quiet:  # type: ignore[attr-defined]
            super().log_message(format, *args)

    def _handle(self, method: str) -> None:
        sandbox: SandboxServer = self.server.sandbox  # type: ignore[attr-defined]
        request_id = new_id("req_", 14)
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        raw = body if method == "POST" else parts.query
        headers: dict[str, str] = {"Request-Id": request_id}
        sandbox._hold()
        try:
            if path.startswith("/v1/"):
                status, payload, extra = sandbox.handle_v1(method, path[4:], raw, self.headers, request_id)
                headers.update(extra, **{"Stripe-Version": self.headers.get("Stripe-Version") or DEFAULT_API_VERSION})
                self._send(status, payload, "application/json", headers)
            elif path.startswith("/invoice/"):
                status, payload, content_type, extra = pages.hosted_invoice(sandbox, method, path, raw)
                self._send(status, payload, content_type, {**headers, **extra})
            elif path.startswith("/billing_portal/"):
                status, payload, content_type, extra = donor_controls.portal_page(sandbox, method, path, raw)
                self._send(status, payload, content_type, {**headers, **extra})
            elif path.startswith(("/checkout/", "/_sandbox")):
                handler = pages.handle if path.startswith("/checkout/") else control.handle
                status, payload, content_type, extra = handler(sandbox, method, path, raw)
                self._send(status, payload, content_type, {**headers, **extra})
            elif path == "/":
                headers["Location"] = "/_sandbox/"
                self._send(303, b"", "text/plain", headers)
            else:
                self._send(404, pages.not_found_page(), pages.HTML, headers)
        except Exception:
            logger.exception("stripe sandbox: error answering %s %s", method, path)
            error = ApiError("An unknown error occurred in the sandbox.", status=500, type="api_error")
            self._send(500, _json(error.body()), "application/json", headers)
        finally:
            sandbox._release()  # async webhooks go out once the answer has been sent

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        if content_type.startswith("application/json"):
            content_type = "application/json"
        self.send_header(
            "Content-Type", content_type if "charset" in content_type else f"{content_type}; charset=utf-8"
        )
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, no-store")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
