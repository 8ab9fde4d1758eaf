"""The ``/v1`` API: routes, retrieval, lists with Stripe's pagination, and ``expand``."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from . import billing, checkout, connect, donor_controls, objects
from .params import (
    EXPAND,
    LIST_PARAMS,
    ApiError,
    Validator,
    boolean,
    enum,
    hash_of,
    invalid,
    list_of,
    matches_created,
    string,
    validate,
)
from .state import Ctx, Store

# path segment -> object kind, for ``GET /v1/<segment>/<id>``
RETRIEVABLE = {
    "checkout/sessions": "checkout.session",
    "payment_intents": "payment_intent",
    "charges": "charge",
    "refunds": "refund",
    "invoices": "invoice",
    "invoice_payments": "invoice_payment",
    "subscriptions": "subscription",
    "customers": "customer",
    "prices": "price",
    "products": "product",
    "events": "event",
    "accounts": "account",
    "transfers": "transfer",
    "application_fees": "application_fee",
    "billing_portal/sessions": "billing_portal.session",
    "disputes": "dispute",
}


def _equals(field: str) -> Callable[[dict, Any], bool]:
    return lambda obj, value: obj.get(field) == value


def _event_type(obj: dict, pattern: str) -> bool:
    return re.fullmatch(re.escape(pattern).replace(r"\*", "[a-z_.]*"), obj["type"]) is not None


# kind -> {filter param: (validator, predicate)}
LIST_FILTERS: dict[str, dict[str, tuple[Validator, Callable[[dict, Any], bool]]]] = {
    "checkout.session": {
        "payment_intent": (string(), _equals("payment_intent")),
        "subscription": (string(), _equals("subscription")),
        "customer": (string(), _equals("customer")),
        "status": (enum("open", "complete", "expired"), _equals("status")),
    },
    "charge": {"payment_intent": (string(), _equals("payment_intent")), "customer": (string(), _equals("customer"))},
    "refund": {"payment_intent": (string(), _equals("payment_intent")), "charge": (string(), _equals("charge"))},
    "transfer": {"destination": (string(), _equals("destination"))},
    "dispute": {"charge": (string(), _equals("charge")), "payment_intent": (string(), _equals("payment_intent"))},
    "application_fee": {"charge": (string(), _equals("charge"))},
    "invoice": {
        "subscription": (
            string(),
            lambda obj, v: (obj["parent"] or {}).get("subscription_details", {}).get("subscription") == v,
        ),
        "customer": (string(), _equals("customer")),
        "status": (enum("draft", "open", "paid", "uncollectible", "void"), _equals("status")),
    },
    "invoice_payment": {
        "invoice": (string(), _equals("invoice")),
        "payment": (
            hash_of({"type": enum("payment_intent"), "payment_intent": string()}, ("type",)),
            lambda obj, v: "payment_intent" not in v or obj["payment"]["payment_intent"] == v["payment_intent"],
        ),
    },
    "event": {
        "type": (string(), _event_type),
        "types": (list_of(string(), 20), lambda obj, v: any(_event_type(obj, t) for t in v)),
    },
}


def handle(store: Store, ctx: Ctx, method: str, path: str, params: dict[str, Any], **request: Any) -> dict:
    """Answer one ``/v1`` request (``path`` without ``/v1/``). ``request``: base_url, connected."""
    if method == "POST" and path == "checkout/sessions":
        result = checkout.create_session(store, ctx, params, **request)
        return expand(store, result, params.get("expand", {}))
    if method == "POST" and path == "accounts":
        return expand(store, connect.create_account(store, ctx, params), params.get("expand", {}))
    if method == "POST" and path == "refunds":
        return expand(store, billing.create_refund(store, ctx, params), params.get("expand", {}))
    match = re.fullmatch(r"checkout/sessions/([^/]+)/(expire|line_items)", path)
    if match and (method, match[2]) in (("POST", "expire"), ("GET", "line_items")):
        if match[2] == "expire":
            validate(params, {"expand": EXPAND})
            return expand(store, checkout.expire(store, ctx, match[1]), params.get("expand", {}))
        return _list(store, checkout.line_items(store, match[1])["data"], params, f"/v1/{path}", "item")
    match = re.fullmatch(r"subscriptions/([^/]+)", path)
    if match and method == "DELETE":
        return expand(store, billing.cancel(store, ctx, match[1], params), params.get("expand", {}))
    if match and method == "POST":
        result = donor_controls.update_subscription(store, ctx, match[1], params)
        return expand(store, result, params.get("expand", {}))
    match = re.fullmatch(r"customers/([^/]+)", path)
    if match and method == "DELETE":
        validate(params, {"expand": EXPAND})
        return donor_controls.delete_customer(store, ctx, match[1])
    if method == "POST" and path == "billing_portal/sessions":
        result = donor_controls.create_portal_session(store, ctx, params, base_url=request["base_url"])
        return expand(store, result, params.get("expand", {}))
    segment, _, object_id = path.rpartition("/")
    if method == "GET" and segment in RETRIEVABLE and object_id:
        validate(params, {"expand": EXPAND})
        return expand(store, store.get(RETRIEVABLE[segment], object_id), params.get("expand", {}))
    if method == "GET" and path in RETRIEVABLE:
        kind = RETRIEVABLE[path]
        return _list(store, store.all(kind) if kind != "event" else store.events[::-1], params, f"/v1/{path}", kind)
    raise ApiError(
        f"Unrecognized request URL ({method}: /v1/{path}). Please see https://stripe.com/docs or we can help at "
        "https://support.stripe.com/.",
        status=404,
    )


def _list(store: Store, objs: list[dict], params: dict, url: str, kind: str) -> dict:
    filters = LIST_FILTERS.get(kind, {})
    schema = {**LIST_PARAMS, **{key: validator for key, (validator, _) in filters.items()}}
    if kind == "event":
        schema["delivery_success"] = boolean
    p = validate(params, schema)
    if "type" in p and "types" in p:
        raise invalid("You may only specify one of these parameters: type, types.", "types")
    selected = [
        obj
        for obj in objs
        if all(predicate(obj, p[key]) for key, (_, predicate) in filters.items() if key in p)
        and ("created" not in p or matches_created(obj.get("created", 0), p["created"]))
        and ("delivery_success" not in p or (store.event_status(obj["id"]) == "delivered") == p["delivery_success"])
    ]
    page, has_more = _page(selected, p)
    result = objects.list_object(copy.deepcopy(page), url, has_more)
    return expand(store, result, params.get("expand", {}))


def _page(objs: list[dict], p: dict[str, Any]) -> tuple[list[dict], bool]:
    limit = p.get("limit", 10)
    ids = [obj["id"] for obj in objs]
    for cursor in ("starting_after", "ending_before"):
        if cursor in p and p[cursor] not in ids:
            raise ApiError(f"No such object: '{p[cursor]}'", status=404, param=cursor, code="resource_missing")
    if "starting_after" in p:
        rest = objs[ids.index(p["starting_after"]) + 1 :]
        return rest[:limit], len(rest) > limit
    if "ending_before" in p:
        before = objs[: ids.index(p["ending_before"])]
        return before[-limit:], len(before) > limit
    return objs[:limit], len(objs) > limit


def _includable(store: Store, obj: dict[str, Any], field: str) -> dict[str, Any] | None:
    """Fields Stripe leaves out unless expanded: ``checkout.session.line_items``, ``invoice.payments``."""
    if obj.get("object") == "checkout.session" and field == "line_items":
        return checkout.line_items(store, obj["id"])
    if obj.get("object") == "invoice" and field == "payments":
        payments = [p for p in store.all("invoice_payment") if p["invoice"] == obj["id"]]
        return objects.list_object(copy.deepcopy(payments), f"/v1/invoices/{obj['id']}/payments")
    return None


def expand(store: Store, obj: dict[str, Any], paths: dict[str, str] | list[str]) -> dict[str, Any]:
    """A copy of ``obj`` with the ``expand[]`` paths (``payment_intent``, ``data.latest_charge``, ...) expanded."""
    obj = copy.deepcopy(obj)
    paths = EXPAND(paths, "expand") if isinstance(paths, dict) else paths
    for path in paths:
        parts = path.split(".")
        if len([p for p in parts if p != "data"]) > 4:
            raise invalid(f"You cannot expand more than 4 levels of a property. Property: {path}", "expand")
        _expand(store, obj, parts, path)
    return obj


def _expand(store: Store, obj: Any, parts: list[str], path: str) -> None:
    head, rest = parts[0], parts[1:]
    if isinstance(obj, dict) and obj.get("object") == "list" and head == "data":
        for item in obj["data"]:
            if rest:
                _expand(store, item, rest, path)
        return
    if not isinstance(obj, dict) or head in ("id", "object"):
        raise invalid(f"This property cannot be expanded ({path}).", "expand")
    if head not in obj:
        included = _includable(store, obj, head)
        if included is None:
            raise invalid(f"This property cannot be expanded ({path}).", "expand")
        obj[head] = included
    value = obj[head]
    if isinstance(value, str):
        if value not in store.objects:
            raise invalid(f"This property cannot be expanded ({path}).", "expand")
        value = obj[head] = copy.deepcopy(store.objects[value])
    elif isinstance(value, dict) and "id" in value and value.get("object") != "list" and head != "data":
        pass  # already an object (an embedded price, say)
    elif value is not None and not isinstance(value, dict):
        raise invalid(f"This property cannot be expanded ({path}).", "expand")
    if rest and value is not None:
        _expand(store, value, rest, path)
