"""What a donor changes on a running subscription, as Stripe does it: a new amount from the next invoice
(``POST /v1/subscriptions/{id}``, ``items`` with ``price_data`` and ``proration_behavior=none``), a pause of
collection until a date (``pause_collection``, ``behavior=void``) and its end, a new card through a customer portal
session limited to updating the payment method (``POST /v1/billing_portal/sessions``, page ``/billing_portal/<id>``),
and deleting a customer (``DELETE /v1/customers/{id}``, which cancels its subscriptions first, as Stripe does).
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING, Any

from . import billing, objects
from .params import (
    EXPAND,
    ApiError,
    boolean,
    enum,
    hash_of,
    id_prefixed,
    integer,
    invalid,
    list_of,
    metadata,
    string,
    url,
    validate,
)
from .state import Ctx, Store, fixture, new_id, now

if TYPE_CHECKING:
    from .server import SandboxServer

_ITEM_PRICE_DATA = hash_of(
    {
        "currency": string(3),
        "product": id_prefixed("prod_"),
        "unit_amount": integer(0),
        "recurring": hash_of({"interval": enum("day", "week", "month", "year"), "interval_count": integer(1, 365)}),
    },
    required=("currency", "product", "recurring"),
)
_ITEM = hash_of(
    {
        "id": id_prefixed("si_"),
        "price": id_prefixed("price_"),
        "price_data": _ITEM_PRICE_DATA,
        "quantity": integer(1, 999_999),
        "metadata": metadata,
    }
)
_PAUSE = hash_of(
    {"behavior": enum("keep_as_draft", "mark_uncollectible", "void"), "resumes_at": integer(0)}, ("behavior",)
)


def _pause(value: Any, path: str) -> dict[str, Any] | None:
    """``pause_collection``: a hash, or an empty string that unsets it."""
    if value == "":
        return None
    return _PAUSE(value, path)


SUBSCRIPTION_UPDATE = {
    "items": list_of(_ITEM, 20),
    "proration_behavior": enum("always_invoice", "create_prorations", "none"),
    "pause_collection": _pause,
    "default_payment_method": id_prefixed("pm_"),
    "metadata": metadata,
    "cancel_at_period_end": boolean,
    "expand": EXPAND,
}


def update_subscription(store: Store, ctx: Ctx, sub_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/subscriptions/{id}``: one ``customer.subscription.updated`` with the previous values."""
    p = validate(raw, SUBSCRIPTION_UPDATE)
    sub = store.get("subscription", sub_id)
    if sub["status"] == "canceled":
        raise ApiError(
            f"A canceled subscription can only update its cancellation_details and metadata. Subscription {sub_id} "
            "is already canceled.",
            param="subscription",
        )
    previous: dict[str, Any] = {}
    if "items" in p:
        _change_items(store, sub, p["items"], previous)
    if "pause_collection" in raw:  # an empty value (unset) is not kept by validate
        pause = p.get("pause_collection")
        if pause and pause.get("resumes_at") is not None and pause["resumes_at"] <= now():
            raise invalid("`resumes_at` must be in the future.", "pause_collection[resumes_at]")
        new = {"behavior": pause["behavior"], "resumes_at": pause.get("resumes_at")} if pause else None
        if new != sub["pause_collection"]:
            previous["pause_collection"] = sub["pause_collection"]
            sub["pause_collection"] = new
    if "default_payment_method" in p and p["default_payment_method"] != sub["default_payment_method"]:
        previous["default_payment_method"] = sub["default_payment_method"]
        sub["default_payment_method"] = p["default_payment_method"]
    if "metadata" in p:
        previous["metadata"] = dict(sub["metadata"])
        sub["metadata"].update(p["metadata"])
    if "cancel_at_period_end" in p:
        billing.set_status(store, ctx, sub_id, cancel_at_period_end=p["cancel_at_period_end"])
    if previous:
        store.emit(ctx, "customer.subscription.updated", sub, previous=previous)
    return sub


def _change_items(store: Store, sub: dict[str, Any], changes: list[dict[str, Any]], previous: dict) -> None:
    """A new price for existing items (no proration here: the new price is charged from the next invoice)."""
    items = {item["id"]: item for item in sub["items"]["data"]}
    before = [dict(item) for item in sub["items"]["data"]]
    for i, change in enumerate(changes):
        item = items.get(change.get("id", ""))
        if item is None:
            raise invalid("Adding items to a subscription is not supported by this sandbox.", f"items[{i}][id]")
        if "price_data" in change:
            data = change["price_data"]
            store.get("product", data["product"], param=f"items[{i}][price_data][product]")
            if data["currency"].lower() != sub["currency"]:
                raise invalid(
                    "The price's currency must be the subscription's currency.", f"items[{i}][price_data][currency]"
                )
            recurring = {"interval": data["recurring"]["interval"], "interval_count": 1}
            recurring.update(data["recurring"])
            price = store.add(
                objects.price(data["product"], sub["currency"], data.get("unit_amount", 0), recurring, now())
            )
        elif "price" in change:
            price = store.get("price", change["price"], param=f"items[{i}][price]")
        else:
            price = item["price"]
        quantity = change.get("quantity", item["quantity"])
        period = (item["current_period_start"], item["current_period_end"])
        fresh = objects.subscription_item(sub["id"], price, quantity, period)
        item.update(price=fresh["price"], plan=fresh["plan"], quantity=quantity)
    if [(i["price"]["id"], i["quantity"]) for i in before] != [
        (i["price"]["id"], i["quantity"]) for i in sub["items"]["data"]
    ]:
        previous["items"] = objects.list_object(before, sub["items"]["url"])


def paused_cycle(store: Store, ctx: Ctx, sub: dict[str, Any], period_start: int) -> bool:
    """At a new period: a pause that has ended is lifted (one ``customer.subscription.updated``); a pause still on
    (``behavior=void``) means the period's invoice is voided at once, nothing charged. True when it was voided."""
    pause = sub["pause_collection"]
    if not pause:
        return False
    if pause.get("resumes_at") is not None and pause["resumes_at"] <= period_start:
        sub["pause_collection"] = None
        store.emit(ctx, "customer.subscription.updated", sub, previous={"pause_collection": pause})
        return False
    return True


def voided_invoice(store: Store, ctx: Ctx, sub: dict[str, Any], period: tuple, usage: tuple) -> dict[str, Any]:
    """The invoice of a paused period: finalized and voided at once (``invoice.created``, ``invoice.voided``)."""
    cus = store.objects[sub["customer"]]
    inv = objects.invoice(sub, cus, billing_reason="subscription_cycle", period=period, usage=usage)
    inv.update(status="void", amount_remaining=0, auto_advance=False)
    inv["status_transitions"]["voided_at"] = now()
    store.add(inv)
    sub["latest_invoice"] = inv["id"]
    store.emit(ctx, "invoice.created", inv)
    store.emit(ctx, "invoice.voided", inv)
    return inv


def delete_customer(store: Store, ctx: Ctx, cus_id: str) -> dict[str, Any]:
    """``DELETE /v1/customers/{id}``: its subscriptions are cancelled, then it is gone (``customer.deleted``)."""
    cus = store.get("customer", cus_id)
    for sub in store.all("subscription"):
        if sub["customer"] == cus_id and sub["status"] != "canceled":
            billing.cancel(store, ctx, sub["id"])
    store.emit(ctx, "customer.deleted", cus)
    with store.lock:
        del store.objects[cus_id]
        store.order.remove(cus_id)
    deleted = fixture("deleted_customer")
    deleted["id"] = cus_id
    return deleted


PORTAL_SESSION = {
    "customer": id_prefixed("cus_"),
    "return_url": url,
    "locale": string(10),
    "configuration": id_prefixed("bpc_"),
    "flow_data": hash_of(
        {
            "type": enum("payment_method_update", "subscription_cancel", "subscription_update"),
            "after_completion": hash_of(
                {
                    "type": enum("hosted_confirmation", "portal_homepage", "redirect"),
                    "redirect": hash_of({"return_url": url}, ("return_url",)),
                },
                ("type",),
            ),
        },
        ("type",),
    ),
    "expand": EXPAND,
}


def create_portal_session(store: Store, ctx: Ctx, raw: dict[str, Any], *, base_url: str) -> dict[str, Any]:
    """``POST /v1/billing_portal/sessions``. Only the ``payment_method_update`` flow has a page here."""
    p = validate(raw, PORTAL_SESSION, required=("customer",))
    store.get("customer", p["customer"], param="customer")
    flow = p.get("flow_data")
    if flow and flow["type"] != "payment_method_update":
        raise invalid("This sandbox's customer portal only updates payment methods.", "flow_data[type]")
    obj = fixture("billing_portal.session")
    obj.update(
        id=new_id("bps_"),
        created=now(),
        customer=p["customer"],
        livemode=False,
        locale=p.get("locale"),
        return_url=p.get("return_url"),
        configuration=new_id("bpc_"),
        flow=None,
    )
    if flow:
        after = flow.get("after_completion", {"type": "portal_homepage"})
        obj["flow"] = {
            "type": "payment_method_update",
            "after_completion": {
                "type": after["type"],
                "redirect": after.get("redirect") if after["type"] == "redirect" else None,
                "hosted_confirmation": {"custom_message": None} if after["type"] == "hosted_confirmation" else None,
            },
            "subscription_cancel": None,
            "subscription_update": None,
            "subscription_update_confirm": None,
        }
    obj["url"] = f"{base_url}/billing_portal/{obj['id']}"
    return store.add(obj)


def save_card(store: Store, ctx: Ctx, session_id: str) -> str:
    """The customer enters a new card on the portal page: it becomes the default of the customer and of its
    running subscriptions (``customer.updated``, ``customer.subscription.updated``). Returns where to go next."""
    session = store.get("billing_portal.session", session_id)
    cus = store.get("customer", session["customer"])
    card = new_id("pm_")
    previous = dict(cus["invoice_settings"])
    cus["invoice_settings"]["default_payment_method"] = card
    store.emit(ctx, "customer.updated", cus, previous={"invoice_settings": previous})
    for sub in store.all("subscription"):
        if sub["customer"] == cus["id"] and sub["status"] != "canceled":
            old = sub["default_payment_method"]
            sub["default_payment_method"] = card
            store.emit(ctx, "customer.subscription.updated", sub, previous={"default_payment_method": old})
    flow = session["flow"] or {}
    redirect = (flow.get("after_completion") or {}).get("redirect") or {}
    return redirect.get("return_url") or session["return_url"] or ""


def portal_page(sandbox: SandboxServer, method: str, path: str, body: str) -> tuple[int, bytes, str, dict]:
    """``/billing_portal/<id>``: the card form (test mode: one button) and, on ``POST .../save``, the change."""
    from .pages import HTML, page

    match = re.fullmatch(r"/billing_portal/([^/]+)(/save)?", path)
    session = sandbox.store.objects.get(match[1]) if match else None
    if not match or session is None or session.get("object") != "billing_portal.session":
        return 404, page("Not found", "<h1>Not found</h1><p>No such customer portal session.</p>"), HTML, {}
    if method == "POST" and match[2]:
        target = sandbox.run(save_card, session["id"])
        if target:
            return 303, b"", HTML, {"Location": target}
        return 200, page("Card updated", "<h1>Card updated</h1><p>Your new card is saved.</p>"), HTML, {}
    if method != "GET" or match[2]:
        return 405, page("Method not allowed", "<h1>Method not allowed</h1>"), HTML, {"Allow": "GET"}
    back = escape(session["return_url"] or "", quote=True)
    html = (
        "<h1>Update your card</h1>"
        "<p>This test page stands for Stripe's customer portal, limited to the payment method.</p>"
        f'<form method="post" action="/billing_portal/{escape(session["id"], quote=True)}/save">'
        '<label for="card">Card number</label> <input id="card" name="card" value="4242 4242 4242 4242" readonly>'
        '<button type="submit">Save card</button></form>'
        + (f'<p><a href="{back}">Back without changing</a></p>' if back else "")
    )
    return 200, page("Update your card", html), HTML, {}
