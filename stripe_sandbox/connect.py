"""Stripe Connect: known connected accounts, destination charges' transfers and application fees, and what a
refund with ``reverse_transfer`` / ``refund_application_fee`` takes back from them.

A connected account is known when it was created through ``POST /v1/accounts`` or registered in the sandbox's
state (``POST /_sandbox/accounts``, ``--account`` on the command line, ``Store.register_account`` in tests); any
other ``acct_`` id is refused as Stripe refuses it.
"""

from __future__ import annotations

from typing import Any

from . import objects
from .params import EXPAND, ApiError, email, enum, metadata, string, validate
from .state import Ctx, Store, new_id, now


def check_account(store: Store, account_id: str, param: str) -> None:
    """Refuse an ``acct_`` id the sandbox does not know, in Stripe's words."""
    known = store.objects.get(account_id)
    if known is None or known.get("object") != "account":
        raise ApiError(f"No such destination: '{account_id}'", param=param, code="resource_missing")


ACCOUNT_CREATE = {
    "type": enum("custom", "express", "standard"),
    "country": string(2),
    "email": email,
    "metadata": metadata,
    "expand": EXPAND,
}


def create_account(store: Store, ctx: Ctx, raw: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/accounts``: a connected account, ready to take destination charges."""
    p = validate(raw, ACCOUNT_CREATE)
    obj = objects.account(new_id("acct_", 16), now(), email=p.get("email"), country=p.get("country", "US").upper())
    obj.update(type=p.get("type", "express"), metadata=p.get("metadata", {}))
    store.add(obj)
    store.emit(ctx, "account.updated", obj)
    return obj


def pay_out(store: Store, pi: dict[str, Any], ch: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A destination charge succeeded: its transfer to the connected account and the platform's fee, set on the
    charge before anyone sees it. Returns their events (``transfer.created``, ``application_fee.created``) for the
    caller to send after the charge's own."""
    events: list[tuple[str, dict[str, Any]]] = []
    destination = (pi.get("transfer_data") or {}).get("destination")
    if not destination:
        return events
    amount = (pi["transfer_data"] or {}).get("amount") or ch["amount"]
    tr = store.add(objects.transfer(ch, destination, amount))
    ch["transfer"] = tr["id"]
    events.append(("transfer.created", tr))
    if pi.get("application_fee_amount"):
        fee = store.add(objects.application_fee(ch, destination, pi["application_fee_amount"]))
        ch["application_fee"] = fee["id"]
        events.append(("application_fee.created", fee))
    return events


def check_refund(ch: dict[str, Any], reverse_transfer: bool, refund_application_fee: bool) -> None:
    if reverse_transfer and not ch.get("transfer"):
        raise ApiError(
            f"The charge {ch['id']} has no transfer to reverse: `reverse_transfer` applies to destination charges "
            "only.",
            param="reverse_transfer",
        )
    if refund_application_fee and not ch.get("application_fee"):
        raise ApiError(
            f"The charge {ch['id']} has no application fee to refund.",
            param="refund_application_fee",
        )


def _share(total: int, done: int, amount: int, ch: dict[str, Any]) -> int:
    """The part of ``total`` a refund of ``amount`` takes back: in proportion, and all that is left on the last."""
    if ch["amount_refunded"] >= ch["amount"]:
        return total - done
    return min(total - done, total * amount // ch["amount"])


def take_back(
    store: Store, ch: dict[str, Any], re: dict[str, Any], *, reverse_transfer: bool, refund_fee: bool
) -> list[tuple[str, dict[str, Any]]]:
    """After ``re`` was counted on ``ch``: reverse the transfer and refund the fee, in proportion. Returns the
    events to send (after the refund's own)."""
    events: list[tuple[str, dict[str, Any]]] = []
    if reverse_transfer:
        tr = store.objects[ch["transfer"]]
        amount = _share(tr["amount"], tr["amount_reversed"], re["amount"], ch)
        if amount > 0:
            trr = store.add(objects.transfer_reversal(tr, amount, re["id"]))
            tr["amount_reversed"] += amount
            tr["reversed"] = tr["amount_reversed"] >= tr["amount"]
            tr["reversals"]["data"].insert(0, trr)
            re["transfer_reversal"] = trr["id"]
            events.append(("transfer.reversed", tr))
    if refund_fee:
        fee = store.objects[ch["application_fee"]]
        amount = _share(fee["amount"], fee["amount_refunded"], re["amount"], ch)
        if amount > 0:
            fr = store.add(objects.fee_refund(fee, amount))
            fee["amount_refunded"] += amount
            fee["refunded"] = fee["amount_refunded"] >= fee["amount"]
            fee["refunds"]["data"].insert(0, fr)
            events.append(("application_fee.refunded", fee))
    return events
