"""Subscriptions, their invoices, and refunds."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from . import connect, donor_controls, objects
from .money import format_amount
from .params import (
    EXPAND,
    ApiError,
    boolean,
    enum,
    hash_of,
    integer,
    invalid,
    metadata,
    refuse_unmodelled,
    string,
    validate,
)
from .state import Ctx, Store, new_id, now


def add_interval(moment: int, interval: str, count: int = 1) -> int:
    """``moment`` plus ``count`` days/weeks/months/years, keeping the day of month where it can (as Stripe does)."""
    if interval in ("day", "week"):
        return moment + count * (86400 if interval == "day" else 7 * 86400)
    when = dt.datetime.fromtimestamp(moment, dt.UTC)
    months = when.month - 1 + count * (12 if interval == "year" else 1)
    year, month = when.year + months // 12, months % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return int(when.replace(year=year, month=month, day=day).timestamp())


def start_subscription(store: Store, ctx: Ctx, session: dict[str, Any], private: dict[str, Any]) -> None:
    """A subscription session is paid: customer, subscription, first invoice paid by a payment intent and charge."""
    created = now()
    email = session["customer_details"]["email"]
    cus = store.objects.get(session["customer"] or "")
    new_customer = cus is None
    if cus is None:
        cus = store.add(objects.customer(email, created))
    sub = objects.subscription(
        customer_id=cus["id"], currency=session["currency"], created=created, details=private["sub_data"]
    )
    recurring = private["line_items"][0]["price"]["recurring"]
    period = (created, add_interval(created, recurring["interval"], recurring["interval_count"]))
    items = [objects.subscription_item(sub["id"], li["price"], li["quantity"], period) for li in private["line_items"]]
    sub["items"] = objects.list_object(items, f"/v1/subscription_items?subscription={sub['id']}")
    store.add(sub, api_version=private["api_version"], method=private.get("method", "card"))
    inv, transfers = _invoice(store, sub, cus, "subscription_create", period, (created, created), paid=True)
    session.update(payment_status="paid", customer=cus["id"], subscription=sub["id"], invoice=inv["id"])
    if new_customer:
        store.emit(ctx, "customer.created", cus)
    store.emit(ctx, "customer.subscription.created", sub)
    store.emit(ctx, "invoice.paid", inv)
    store.emit(ctx, "checkout.session.completed", session)
    for event_type, obj in transfers:
        store.emit(ctx, event_type, obj)


def _invoice(
    store: Store, sub: dict, cus: dict, reason: str, period: tuple, usage: tuple, *, paid: bool, action: bool = False
) -> tuple[dict, list[tuple[str, dict]]]:
    """The invoice (paid, failed, or awaiting the customer's authentication when ``action``), and the events of a
    destination charge's transfer, for after the invoice's."""
    inv = objects.invoice(sub, cus, billing_reason=reason, period=period, usage=usage)
    method = _method(store, sub)
    details = {
        "payment_method_types": [method],
        "customer": cus["id"],
        "description": "Subscription creation" if reason == "subscription_create" else "Subscription update",
        "on_behalf_of": sub["on_behalf_of"],
    }
    if sub["transfer_data"]:
        details["transfer_data"] = {"destination": sub["transfer_data"]["destination"]}
        if sub["application_fee_percent"]:
            percent = float(sub["application_fee_percent"])
            details["application_fee_amount"] = round(inv["amount_due"] * percent / 100)
    status = "succeeded" if paid else "requires_action" if action else "requires_payment_method"
    pi = store.add(
        objects.payment_intent(amount=inv["amount_due"], currency=inv["currency"], status=status, details=details)
    )
    store.add(inv)
    store.add(objects.invoice_payment(inv, pi["id"], paid))
    inv.update(attempt_count=1, attempted=True)
    sub["latest_invoice"] = inv["id"]
    transfers: list[tuple[str, dict]] = []
    if paid:
        ch = store.add(objects.charge(pi, email=cus["email"], method=method))
        pi["latest_charge"] = ch["id"]
        transfers = connect.pay_out(store, pi, ch)
        inv.update(status="paid", amount_paid=inv["amount_due"], amount_remaining=0, auto_advance=False)
        inv["status_transitions"]["paid_at"] = now()
    elif action:  # 3-D Secure: the card's bank asks the customer; Stripe does not retry on its own
        pi["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect"}}
    else:
        pi["last_payment_error"] = {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": "Your card was declined.",
        }
        inv["next_payment_attempt"] = now() + 3 * 86400
    return inv, transfers


def _method(store: Store, sub: dict[str, Any]) -> str:
    """The payment method the subscription's invoices are paid by: the one its Checkout Session was paid with."""
    return store.private.get(sub["id"], {}).get("method", "card")


OUTCOMES = ("paid", "failed", "requires_action")


def advance(store: Store, ctx: Ctx, sub_id: str, outcome: str = "paid", base_url: str = "") -> dict[str, Any]:
    """A new billing period starts: its invoice is paid (``invoice.paid``), fails (``invoice.payment_failed``), or
    waits for the customer to confirm the payment on the hosted invoice page: the invoice stays open, its payment
    intent in ``requires_action``, and, as for any automatic payment that did not go through, Stripe sends
    ``invoice.payment_failed`` and makes the subscription ``past_due``, besides ``invoice.payment_action_required``
    (Stripe does not retry it on its own: the customer confirms, or ``retry``)."""
    sub = store.get("subscription", sub_id)
    if outcome not in OUTCOMES:
        raise invalid("Invalid outcome: must be one of " + ", ".join(OUTCOMES), "outcome")
    if sub["status"] == "canceled":
        raise invalid(f"Subscription {sub_id} is canceled; a canceled subscription is never billed again.", "id")
    first = sub["items"]["data"][0]
    recurring = first["price"]["recurring"]
    usage = (first["current_period_start"], first["current_period_end"])
    period = (usage[1], add_interval(usage[1], recurring["interval"], recurring["interval_count"]))
    for item in sub["items"]["data"]:
        item.update(current_period_start=period[0], current_period_end=period[1])
    if donor_controls.paused_cycle(store, ctx, sub, period[0]):  # collection paused: nothing charged this period
        return donor_controls.voided_invoice(store, ctx, sub, period, usage)
    cus = store.objects[sub["customer"]]
    action = outcome == "requires_action"
    inv, transfers = _invoice(
        store, sub, cus, "subscription_cycle", period, usage, paid=outcome == "paid", action=action
    )
    inv["hosted_invoice_url"] = f"{base_url}/invoice/{inv['id']}"
    store.emit(ctx, "invoice.created", inv)
    if action:
        store.emit(ctx, "payment_intent.requires_action", store.objects[_invoice_intent(store, inv["id"])])
    _attempted(store, ctx, sub, inv, paid=outcome == "paid", transfers=transfers, action=action)
    return inv


def _attempted(
    store: Store,
    ctx: Ctx,
    sub: dict,
    inv: dict,
    *,
    paid: bool,
    transfers: list[tuple[str, dict]] = (),
    action: bool = False,
) -> None:
    """An invoice's payment was attempted: Stripe's events, the subscription's status when it changes, and a
    destination charge's transfer and fee (after the invoice's own events). ``action``: the payment waits for the
    customer's confirmation (its payment intent did not fail: no ``payment_intent.payment_failed``)."""
    previous_status = sub["status"]
    if paid:
        sub["status"] = "active"
        store.emit(ctx, "invoice.paid", inv)
    else:
        if previous_status == "active":
            sub["status"] = "past_due"
        if not action:
            store.emit(ctx, "payment_intent.payment_failed", store.objects[_invoice_intent(store, inv["id"])])
        store.emit(ctx, "invoice.payment_failed", inv)
        if action:
            store.emit(ctx, "invoice.payment_action_required", inv)
    if sub["status"] != previous_status:
        store.emit(ctx, "customer.subscription.updated", sub, previous={"status": previous_status})
    for event_type, obj in transfers:
        store.emit(ctx, event_type, obj)


def _invoice_intent(store: Store, invoice_id: str) -> str:
    return next(p["payment"]["payment_intent"] for p in store.all("invoice_payment") if p["invoice"] == invoice_id)


def retry(store: Store, ctx: Ctx, inv_id: str, outcome: str = "paid") -> dict[str, Any]:
    """Stripe retries an open invoice's payment (smart retries): it is paid, or it fails again."""
    inv = store.get("invoice", inv_id)
    if inv["status"] != "open":
        raise invalid(f"Invoice {inv_id} is {inv['status']}; only an open invoice is retried.", "id")
    sub = store.get("subscription", inv["parent"]["subscription_details"]["subscription"])
    pi = store.objects[_invoice_intent(store, inv_id)]
    inv.update(attempt_count=inv["attempt_count"] + 1)
    if outcome == "paid":
        cus = store.objects[sub["customer"]]
        ch = store.add(objects.charge(pi, email=cus["email"], method=_method(store, sub)))
        pi.update(status="succeeded", latest_charge=ch["id"], last_payment_error=None, next_action=None)
        transfers = connect.pay_out(store, pi, ch)
        payment = next(p for p in store.all("invoice_payment") if p["invoice"] == inv_id)
        payment.update(status="paid", amount_paid=inv["amount_due"])
        payment["status_transitions"]["paid_at"] = now()
        inv.update(status="paid", amount_paid=inv["amount_due"], amount_remaining=0, next_payment_attempt=None)
        inv["status_transitions"]["paid_at"] = now()
    else:
        transfers = []
        inv["next_payment_attempt"] = now() + 3 * 86400
    _attempted(store, ctx, sub, inv, paid=outcome == "paid", transfers=transfers)
    return inv


STATUSES = ("active", "past_due", "unpaid", "paused")


def set_status(
    store: Store, ctx: Ctx, sub_id: str, status: str | None = None, cancel_at_period_end: bool | None = None
) -> dict[str, Any]:
    """What Stripe does on its own after retries (``unpaid``), a trial without a card (``paused``), or what a donor
    or the dashboard asks (``cancel_at_period_end``): one ``customer.subscription.updated`` with the previous values."""
    sub = store.get("subscription", sub_id)
    if sub["status"] == "canceled":
        raise invalid(f"Subscription {sub_id} is canceled.", "id")
    previous: dict[str, Any] = {}
    if status is not None and status != sub["status"]:
        previous["status"] = sub["status"]
        sub["status"] = status
    if cancel_at_period_end is not None and cancel_at_period_end != sub["cancel_at_period_end"]:
        previous.update(cancel_at_period_end=sub["cancel_at_period_end"], cancel_at=sub["cancel_at"])
        end = sub["items"]["data"][0]["current_period_end"]
        sub.update(cancel_at_period_end=cancel_at_period_end, cancel_at=end if cancel_at_period_end else None)
    if previous:
        store.emit(ctx, "customer.subscription.updated", sub, previous=previous)
    return sub


CANCEL = {
    "invoice_now": boolean,
    "prorate": boolean,
    "cancellation_details": hash_of({"comment": string(5000), "feedback": string(100)}),
    "expand": EXPAND,
}


def cancel(store: Store, ctx: Ctx, sub_id: str, raw: dict[str, Any] | None = None) -> dict[str, Any]:
    """``DELETE /v1/subscriptions/{id}``: cancel now."""
    p = validate(raw or {}, CANCEL)
    sub = store.get("subscription", sub_id)
    if sub["status"] == "canceled":
        raise ApiError(
            f"A canceled subscription can only update its cancellation_details and metadata. Subscription {sub_id} "
            "is already canceled.",
            param="subscription",
        )
    moment = now()
    sub.update(status="canceled", canceled_at=moment, ended_at=moment)
    sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": "cancellation_requested"}
    sub["cancellation_details"].update(p.get("cancellation_details", {}))
    store.emit(ctx, "customer.subscription.deleted", sub)
    return sub


REFUND_CREATE = {
    "charge": string(5000),
    "payment_intent": string(5000),
    "amount": integer(1),
    "reason": enum("duplicate", "fraudulent", "requested_by_customer"),
    "metadata": metadata,
    "refund_application_fee": boolean,
    "reverse_transfer": boolean,
    "expand": EXPAND,
}


# What the pinned API version accepts on ``POST /v1/refunds`` that the sandbox does not model (customer balance
# refunds, refunds by email instructions): refused with a clear message.
REFUND_UNMODELLED = ("currency", "customer", "instructions_email", "origin")


def create_refund(store: Store, ctx: Ctx, raw: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/refunds``: refund all that remains of a charge, or ``amount`` of it."""
    refuse_unmodelled(raw, REFUND_UNMODELLED)
    p = validate(raw, REFUND_CREATE)
    if "charge" not in p and "payment_intent" not in p:
        raise invalid("One of `charge` or `payment_intent` is required.", "charge", "parameter_missing")
    if "payment_intent" in p:
        pi = store.get("payment_intent", p["payment_intent"], param="payment_intent")
        if not pi["latest_charge"]:
            raise ApiError(
                f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                param="payment_intent",
                code="charge_not_refundable",
            )
        if "charge" in p and p["charge"] != pi["latest_charge"]:
            raise ApiError("The charge and payment_intent you passed do not match.", param="charge")
        p["charge"] = pi["latest_charge"]
    connected = {"reverse_transfer": p.get("reverse_transfer", False)}
    connected["refund_application_fee"] = p.get("refund_application_fee", False)
    return refund_charge(store, ctx, p["charge"], p.get("amount"), p.get("reason"), p.get("metadata", {}), **connected)


REFUND_STATUSES = ("pending", "succeeded", "failed", "canceled")
_NOT_MONEY_BACK = ("failed", "canceled")


def set_refund_status(store: Store, ctx: Ctx, refund_id: str, status: str) -> dict[str, Any]:
    """Stripe moves a refund on by itself: a card refund left ``pending`` that then ``succeeded``, or ``failed`` (the
    card was closed: the money stays with the merchant, the charge counts it as not refunded any more). Emits
    ``refund.updated`` and ``charge.refund.updated``, as Stripe does."""
    re = store.get("refund", refund_id, param="refund")
    before = re["status"]
    if before == status:
        return re
    if before in _NOT_MONEY_BACK:
        raise ApiError(f"Refund {refund_id} has {before}; it cannot change any more.", param="status")
    re["status"] = status
    re["failure_reason"] = "expired_or_canceled_card" if status == "failed" else None
    ch = store.get("charge", re["charge"], param="charge")
    if status in _NOT_MONEY_BACK:
        ch["amount_refunded"] -= re["amount"]
        ch["refunded"] = False
    for listed in ch["refunds"]["data"]:
        if listed["id"] == refund_id:
            listed.update(status=re["status"], failure_reason=re["failure_reason"])
    store.emit(ctx, "refund.updated", re, previous={"status": before})
    store.emit(ctx, "charge.refund.updated", re, previous={"status": before})
    return re


def refund_charge(
    store: Store,
    ctx: Ctx,
    charge_id: str,
    amount: int | None,
    reason: str | None = None,
    meta: dict | None = None,
    *,
    reverse_transfer: bool = False,
    refund_application_fee: bool = False,
) -> dict[str, Any]:
    ch = store.get("charge", charge_id, param="charge")
    connect.check_refund(ch, reverse_transfer, refund_application_fee)
    remaining = ch["amount"] - ch["amount_refunded"]
    if remaining <= 0:
        raise ApiError(f"Charge {charge_id} has already been refunded.", param="charge", code="charge_already_refunded")
    if amount is None:
        amount = remaining
    if amount > remaining:
        raise ApiError(
            f"Refund amount ({format_amount(amount, ch['currency'])}) is greater than unrefunded amount on charge "
            f"({format_amount(remaining, ch['currency'])})",
            param="amount",
            code="amount_too_large",
        )
    re = store.add(objects.refund(ch, amount, reason, meta or {}))
    if store.pending_refunds > 0:  # a refund the card network or bank takes time over (see settle_refund)
        store.pending_refunds -= 1
        re.update(status="pending", pending_reason="processing")
    ch["amount_refunded"] += amount
    ch["refunded"] = ch["amount_refunded"] == ch["amount"]
    ch["refunds"]["data"].insert(0, re)
    taken_back = connect.take_back(store, ch, re, reverse_transfer=reverse_transfer, refund_fee=refund_application_fee)
    store.emit(ctx, "charge.refunded", ch, previous={"amount_refunded": ch["amount_refunded"] - amount})
    store.emit(ctx, "refund.created", re)
    for event_type, obj in taken_back:
        store.emit(ctx, event_type, obj)
    return re


REFUND_FAILURE = "expired_or_canceled_card"


def settle_refund(store: Store, ctx: Ctx, refund_id: str, outcome: str = "succeed") -> dict[str, Any]:
    """A pending refund ends: it ``succeed``s, or it ``fail``s (the card was closed) and the money goes back to the
    platform's balance: the charge no longer counts it as refunded. Stripe's events: ``refund.updated`` and
    ``charge.refund.updated``, and ``refund.failed`` for a failure."""
    re = store.get("refund", refund_id)
    if outcome not in ("succeed", "fail"):
        raise invalid("Invalid outcome: must be one of succeed, fail", "outcome")
    if re["status"] != "pending":
        raise invalid(f"Refund {refund_id} is {re['status']}; only a pending refund settles.", "id")
    previous = {"status": "pending", "pending_reason": re.pop("pending_reason", "processing")}
    if outcome == "succeed":
        re["status"] = "succeeded"
    else:
        ch = store.objects[re["charge"]]
        ch["amount_refunded"] -= re["amount"]
        ch["refunded"] = False
        re.update(status="failed", failure_reason=REFUND_FAILURE, failure_balance_transaction=new_id("txn_"))
        previous["failure_reason"] = None
    store.emit(ctx, "refund.updated", re, previous=previous)
    store.emit(ctx, "charge.refund.updated", re, previous=previous)
    if outcome == "fail":
        store.emit(ctx, "refund.failed", re)
    return re
