"""The sandbox's memory: every object by id, the events in the order they happened, idempotency records.

One re-entrant lock guards it all; an action runs under the lock and collects the events it caused in a ``Ctx``,
which the server delivers after the lock is released (so a webhook receiver may call back into the sandbox).
"""

from __future__ import annotations

import copy
import json
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .params import not_found

DEFAULT_API_VERSION = "2026-10-28.endive"
_FIXTURES = json.loads((Path(__file__).parent / "fixtures.json").read_text(encoding="utf-8"))["resources"]
_ALPHABET = string.ascii_letters + string.digits

# The id prefix of every kind of object the sandbox makes, and the name Stripe uses for it in errors.
PREFIXES = {
    "cs_test_": "checkout.session",
    "pi_": "payment_intent",
    "ch_": "charge",
    "re_": "refund",
    "in_": "invoice",
    "inpay_": "invoice_payment",
    "sub_": "subscription",
    "cus_": "customer",
    "evt_": "event",
    "price_": "price",
    "prod_": "product",
    "acct_": "account",
    "tr_": "transfer",
    "trr_": "transfer_reversal",
    "fee_": "application_fee",
    "fr_": "fee_refund",
    "bps_": "billing_portal.session",
    "dp_": "dispute",
    "txn_": "balance_transaction",
}


def fixture(resource: str) -> dict[str, Any]:
    """A fresh deep copy of Stripe's example object for ``resource``."""
    return copy.deepcopy(_FIXTURES[resource])


def new_id(prefix: str, length: int = 24) -> str:
    if prefix == "cs_test_":
        length = 58
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def now() -> int:
    return int(time.time())


@dataclass
class Ctx:
    """What caused an action (for the events' ``request`` and ``api_version``) and the events it produced."""

    api_version: str = DEFAULT_API_VERSION
    request_id: str | None = None
    idempotency_key: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Delivery:
    at: int
    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class IdempotencyRecord:
    method: str
    path: str
    params: list[tuple[str, str]]
    lock: threading.Lock = field(default_factory=threading.Lock)
    created: float = 0.0  # the sandbox clock's time of first use
    response: tuple[int, bytes, str] | None = None  # status, body, original request id


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []  # every object id, oldest first
        self.private: dict[str, dict[str, Any]] = {}  # what Stripe knows but does not show (session params, ...)
        self.events: list[dict[str, Any]] = []  # oldest first
        self.deliveries: dict[str, list[Delivery]] = {}
        self.idempotency: dict[str, IdempotencyRecord] = {}
        self.webhook_endpoint = False  # whether an endpoint is configured (for ``pending_webhooks``)
        self.clock_offset = 0  # seconds the sandbox's clock runs ahead of real time (idempotency keys, expiry)
        self.pending_refunds = 0  # how many of the next refunds stay ``pending`` until settled (billing.settle_refund)

    def clock(self) -> float:
        return time.time() + self.clock_offset

    def add(self, obj: dict[str, Any], **private: Any) -> dict[str, Any]:
        with self.lock:
            self.objects[obj["id"]] = obj
            self.order.append(obj["id"])
            self.private[obj["id"]] = private
            return obj

    def register_account(self, account_id: str) -> dict[str, Any]:
        """Make ``account_id`` a connected account the sandbox knows (as if created in Stripe's dashboard)."""
        from .objects import account  # objects imports this module

        with self.lock:
            known = self.objects.get(account_id)
            if known is not None and known.get("object") == "account":
                return known
            return self.add(account(account_id, now()))

    def get(self, kind: str, object_id: str, param: str = "id") -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj.get("object") != kind:
            raise not_found(kind, object_id, param)
        return obj

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Objects of one kind, newest first (Stripe's list order)."""
        return [self.objects[i] for i in reversed(self.order) if self.objects[i].get("object") == kind]

    def emit(self, ctx: Ctx, type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict:
        """Record an event whose ``data.object`` is a snapshot of ``obj`` now."""
        event = fixture("event")
        event.update(
            id=new_id("evt_"),
            api_version=ctx.api_version,
            created=now(),
            data={"object": _snapshot(obj)},
            livemode=False,
            pending_webhooks=1 if self.webhook_endpoint else 0,
            request={"id": ctx.request_id, "idempotency_key": ctx.idempotency_key},
            type=type,
        )
        if previous:
            event["data"]["previous_attributes"] = previous
        with self.lock:
            self.events.append(event)
            self.objects[event["id"]] = event
            self.deliveries[event["id"]] = []
        ctx.events.append(event)
        return event

    def event_status(self, event_id: str) -> str:
        attempts = self.deliveries.get(event_id, [])
        if any(a.ok for a in attempts):
            return "delivered"
        return "failed" if attempts else "pending"

    def summary(self) -> dict[str, Any]:
        with self.lock:
            counts: dict[str, int] = {}
            for obj in self.objects.values():
                if obj["object"] != "event":
                    counts[obj["object"]] = counts.get(obj["object"], 0) + 1
            events = [
                {
                    "id": e["id"],
                    "type": e["type"],
                    "object_id": e["data"]["object"].get("id"),
                    "created": e["created"],
                    "delivery": self.event_status(e["id"]),
                    "attempts": [vars(a) for a in self.deliveries[e["id"]]],
                }
                for e in self.events
            ]
            return {"livemode": False, "counts": counts, "events": events}


def _snapshot(obj: dict[str, Any]) -> dict[str, Any]:
    """An event's copy of an object; a charge's ``refunds`` list is left out, as Stripe does since 2022-11-15."""
    snapshot = copy.deepcopy(obj)
    if snapshot.get("object") == "charge":
        snapshot.pop("refunds", None)
    return snapshot
