"""``/_sandbox/``: the control API (test mode only, JSON, no auth) and the dashboard a person uses by hand.

Forms from the dashboard send ``return_to=dashboard`` and are answered with a redirect back to it.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from . import billing, disputes, pages
from .params import ApiError, boolean, decode, enum, id_prefixed, integer, string, url, validate

FAULT_MODES = ("error", "timeout", "slow", "rate_limit", "none")  # what each does: ``server.Fault``

if TYPE_CHECKING:
    from .server import SandboxServer

JSON = "application/json"
Answer = tuple[int, bytes, str, dict[str, str]]


def _json(status: int, body: Any) -> Answer:
    return status, (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), JSON, {}


def _decimal(value: Any, path: str) -> float:
    try:
        number = float(string(20)(value, path))
    except ValueError:
        raise ApiError(f"Invalid number: {value}", param=path) from None
    if not 0 <= number <= 600:
        raise ApiError(f"{path} must be between 0 and 600 seconds", param=path)
    return number


def handle(sandbox: SandboxServer, method: str, path: str, raw: str) -> Answer:
    try:
        params, _ = decode(raw)
        back = params.pop("return_to", None) == "dashboard"
        if method == "GET" and path in ("/_sandbox", "/_sandbox/"):
            return 200, pages.dashboard(sandbox), pages.HTML, {}
        if method == "GET" and path == "/_sandbox/state":
            return _json(200, sandbox.state())
        if method != "POST":
            raise ApiError(f"Unrecognized request URL ({method}: {path}).", status=404)
        result = _post(sandbox, path.removeprefix("/_sandbox/"), params)
    except ApiError as error:
        return _json(error.status, error.body())
    if back:
        return 303, b"", "text/plain", {"Location": "/_sandbox/"}
    return _json(200, result)


def _post(sandbox: SandboxServer, path: str, params: dict[str, Any]) -> Any:
    routes = [
        (r"checkout/([^/]+)/settle", {"outcome": enum("succeed", "fail")}, lambda m, p: sandbox.settle(m[1], **p)),
        (r"checkout/([^/]+)/expire", {}, lambda m, p: sandbox.expire(m[1])),
        (
            r"subscriptions/([^/]+)/advance",
            {"outcome": enum(*billing.OUTCOMES)},
            lambda m, p: sandbox.advance(m[1], **p),
        ),
        (r"subscriptions/([^/]+)/cancel", {}, lambda m, p: sandbox.cancel_subscription(m[1])),
        (
            r"subscriptions/([^/]+)/update",
            {"status": enum(*billing.STATUSES), "cancel_at_period_end": _flag},
            lambda m, p: sandbox.update_subscription(m[1], **p),
        ),
        (
            r"invoices/([^/]+)/retry",
            {"outcome": enum("paid", "failed")},
            lambda m, p: sandbox.retry_invoice(m[1], **p),
        ),
        (r"charges/([^/]+)/refund", {"amount": integer(1)}, lambda m, p: sandbox.dashboard_refund(m[1], **p)),
        (
            r"charges/([^/]+)/dispute",
            {"kind": enum(*disputes.KINDS), "reason": enum(*disputes.REASONS), "amount": integer(1)},
            lambda m, p: sandbox.open_dispute(m[1], **p),
        ),
        (r"disputes/([^/]+)/evidence", {}, lambda m, p: sandbox.submit_dispute_evidence(m[1])),
        (r"disputes/([^/]+)/escalate", {}, lambda m, p: sandbox.escalate_dispute(m[1])),
        (
            r"disputes/([^/]+)/close",
            {"outcome": enum(*disputes.OUTCOMES)},
            lambda m, p: sandbox.close_dispute(m[1], **p),
        ),
        (
            r"refunds/([^/]+)/status",
            {"status": enum(*billing.REFUND_STATUSES)},
            lambda m, p: sandbox.set_refund_status(m[1], p["status"]),
        ),
        (
            r"refunds/pending",
            {"count": integer(0), "outcome": enum("succeed", "fail"), "delay": _decimal},
            lambda m, p: _pending_refunds(sandbox, p),
        ),
        (
            r"refunds/([^/]+)/settle",
            {"outcome": enum("succeed", "fail")},
            lambda m, p: sandbox.settle_refund(m[1], **p),
        ),
        (r"accounts", {"id": id_prefixed("acct_")}, lambda m, p: sandbox.register_account(p["id"])),
        (r"events/([^/]+)/deliver", {}, lambda m, p: _delivered(sandbox, m[1])),
        (r"webhooks/deliver_pending", {}, lambda m, p: {"delivered": _pending(sandbox)}),
        (r"webhooks", {"enabled": _flag, "url": url}, lambda m, p: _webhooks(sandbox, p)),
        (
            r"faults",
            {
                "mode": enum(*FAULT_MODES),
                "count": integer(0),
                "delay": _decimal,
                "path_prefix": string(),
                "saved": _flag,
            },
            lambda m, p: _faults(sandbox, p),
        ),
        (r"clock", {"advance": integer(0)}, lambda m, p: {"offset": sandbox.advance_clock(p["advance"])}),
    ]
    for pattern, schema, action in routes:
        match = re.fullmatch(pattern, path)
        if match:
            if (
                "outcome" in schema
                and "outcome" not in params
                and pattern != "refunds/pending"
                and not pattern.startswith("disputes")
            ):
                params["outcome"] = "succeed" if pattern.startswith(("checkout", "refunds")) else "paid"
            required = {
                "faults": ("mode",),
                "accounts": ("id",),
                "clock": ("advance",),
                r"disputes/([^/]+)/close": ("outcome",),
                r"refunds/([^/]+)/status": ("status",),
            }.get(pattern, ())
            return action(match, validate(params, schema, required=required))
    raise ApiError(f"Unrecognized request URL (POST: /_sandbox/{path}).", status=404)


def _flag(value: Any, path: str) -> bool:
    """``1``/``0`` (or ``true``/``false``)."""
    return boolean({"1": "true", "0": "false"}.get(value, value), path)


def _delivered(sandbox: SandboxServer, event_id: str) -> dict[str, Any]:
    status = sandbox.deliver(event_id)
    return {"event": event_id, "status": status, "delivery": sandbox.store.event_status(event_id)}


def _pending(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return [{"event": i, "delivery": sandbox.store.event_status(i)} for i in sandbox.deliver_pending()]


def _webhooks(sandbox: SandboxServer, p: dict[str, Any]) -> dict[str, Any]:
    sandbox.set_webhooks_enabled(p.get("enabled", sandbox.webhooks.enabled), p.get("url"))
    return sandbox.state()["webhooks"]


def _faults(sandbox: SandboxServer, p: dict[str, Any]) -> dict[str, Any]:
    sandbox.set_fault(
        p["mode"], p.get("count", 1), p.get("delay", 0.0), p.get("path_prefix", "/v1/"), p.get("saved", False)
    )
    return vars(sandbox.fault)


def _pending_refunds(sandbox: SandboxServer, p: dict[str, Any]) -> dict[str, Any]:
    sandbox.make_refunds_pending(p.get("count", 1), p.get("outcome"), p.get("delay", 0.0))
    return {"pending_refunds": sandbox.store.pending_refunds, "outcome": p.get("outcome"), "delay": p.get("delay", 0.0)}
