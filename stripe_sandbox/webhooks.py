"""Signed webhook delivery, signed exactly as Stripe signs: ``t=<unix>,v1=<hex hmac_sha256(secret, "t.body")>``."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from .state import Delivery, Store, now

logger = logging.getLogger(__name__)
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
TIMEOUT = 10.0


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header for ``payload``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class Dispatcher:
    """Sends events to one endpoint, synchronously (default) or from a background thread (``mode = "async"``)."""

    def __init__(self, store: Store, url: str | None, secret: str) -> None:
        self.store = store
        self.url = url
        self.secret = secret
        self.enabled = True
        self.mode = "sync"
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        store.webhook_endpoint = bool(url)

    def set_url(self, url: str | None) -> None:
        self.url = url
        self.store.webhook_endpoint = bool(url)

    def dispatch(self, events: list[dict[str, Any]]) -> None:
        """Deliver newly made events, unless delivery is switched off (they stay pending)."""
        if not (self.enabled and self.url):
            return
        for event in events:
            if self.mode == "async":
                self._ensure_worker()
                self._queue.put(event["id"])
            else:
                self.deliver(event["id"])

    def deliver(self, event_id: str) -> Delivery:
        """POST one event to the endpoint now; record the answer. Never raises for a network failure."""
        with self.store.lock:
            event = self.store.objects[event_id]
            url = self.url
            body = json.dumps(event, indent=2)
        if not url:
            delivery = Delivery(at=now(), status=None, error="no webhook URL is configured")
        else:
            delivery = self._post(url, body)
        with self.store.lock:
            self.store.deliveries[event_id].append(delivery)
            if delivery.ok:
                event["pending_webhooks"] = 0
        return delivery

    def _post(self, url: str, body: str) -> Delivery:
        request = urllib.request.Request(  # noqa: S310 - the URL is the configured webhook endpoint
            url,
            data=body.encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                "Stripe-Signature": sign(body, self.secret),
                "Cache-Control": "no-cache",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                response.read()
                return Delivery(at=now(), status=response.status)
        except urllib.error.HTTPError as error:
            return Delivery(at=now(), status=error.code)
        except Exception as error:  # connection refused, timeout, bad URL: the event stays pending
            logger.warning("webhook delivery to %s failed: %s", url, error)
            return Delivery(at=now(), status=None, error=f"{type(error).__name__}: {error}")

    def deliver_pending(self) -> list[str]:
        """Deliver every event not yet delivered successfully, oldest first; return their ids."""
        with self.store.lock:
            pending = [e["id"] for e in self.store.events if self.store.event_status(e["id"]) != "delivered"]
        for event_id in pending:
            self.deliver(event_id)
        return pending

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._run, name="stripe-sandbox-webhooks", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        while (event_id := self._queue.get()) is not None:
            try:
                self.deliver(event_id)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def drain(self) -> None:
        """Wait until every queued (async) delivery has been attempted."""
        if self._worker is not None:
            self._queue.join()

    def stop(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            self._queue.put(None)
            self._worker.join(timeout=TIMEOUT + 1)
        self._worker = None
