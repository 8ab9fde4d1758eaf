"""Signed webhook delivery, signed exactly as Stripe signs: ``t=<unix>,v1=<hex hmac_sha256(secret, "t.body")>``."""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from .state import Delivery, Store, now

logger = logging.getLogger(__name__)
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
TIMEOUT = 10.0
MAX_DELAY = 0.25  # seconds: the longest random wait before an asynchronous delivery
MODES = ("async", "sync")


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header for ``payload``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class Dispatcher:
    """Sends events to one endpoint.

    ``mode = "async"`` (the default, as Stripe does): each event is sent from a background thread after the action
    that made it has answered, after a small random delay (up to ``max_delay`` seconds), so the events of one action
    may arrive in another order than they were made. ``mode = "sync"``: each is sent, in order, before the action
    answers (for tests that read the order Stripe makes them in). ``drain()`` waits for every queued delivery.
    """

    def __init__(
        self, store: Store, url: str | None, secret: str, mode: str = "async", max_delay: float = MAX_DELAY
    ) -> None:
        self.store = store
        self.url = url
        self.secret = secret
        self.enabled = True
        self.mode = mode
        self.max_delay = max_delay
        self.random = random.Random()  # noqa: S311 - delays, not secrets; a test may seed it
        self._due: list[tuple[float, int, str]] = []  # (when, sequence, event id), a heap
        self._sequence = itertools.count()
        self._busy = 0  # events taken off the heap and still being delivered
        self._held = 0  # events made by a request still answering, dispatched once it has answered
        self._condition = threading.Condition()
        self._worker: threading.Thread | None = None
        self._stopping = False
        store.webhook_endpoint = bool(url)

    def set_url(self, url: str | None) -> None:
        self.url = url
        self.store.webhook_endpoint = bool(url)

    def hold(self, count: int) -> None:
        """``count`` events will be dispatched once their request has answered: ``drain()`` waits for them too."""
        with self._condition:
            self._held += count

    def dispatch(self, events: list[dict[str, Any]], held: bool = False) -> None:
        """Deliver newly made events, unless delivery is switched off (they stay pending). ``held``: these were
        announced with ``hold()``."""
        if held:
            with self._condition:
                self._held -= len(events)
                self._condition.notify_all()
        if not (self.enabled and self.url):
            return
        if self.mode != "async":
            for event in events:
                self.deliver(event["id"])
            return
        with self._condition:
            moment = time.monotonic()
            for event in events:
                delay = self.random.uniform(0, self.max_delay) if self.max_delay > 0 else 0.0
                heapq.heappush(self._due, (moment + delay, next(self._sequence), event["id"]))
            self._ensure_worker()
            self._condition.notify_all()

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
            self._stopping = False
            self._worker = threading.Thread(target=self._run, name="stripe-sandbox-webhooks", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopping and (not self._due or self._due[0][0] > time.monotonic()):
                    wait = self._due[0][0] - time.monotonic() if self._due else None
                    self._condition.wait(wait)
                if self._stopping:
                    return
                _when, _sequence, event_id = heapq.heappop(self._due)
                self._busy += 1
            try:
                self.deliver(event_id)
            finally:
                with self._condition:
                    self._busy -= 1
                    self._condition.notify_all()

    def pending_count(self) -> int:
        """Events queued for asynchronous delivery, or being delivered now."""
        with self._condition:
            return len(self._due) + self._busy + self._held

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every queued (async) delivery has been attempted, including those of events that the
        endpoint's own calls back into the sandbox made meanwhile. Raises TimeoutError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._due or self._busy or self._held:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self._due) + self._busy + self._held} webhook deliveries still waiting")
                self._condition.wait(left)

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._due.clear()
            self._condition.notify_all()
        if self._worker is not None and self._worker.is_alive():
            self._worker.join(timeout=TIMEOUT + 1)
        self._worker = None
