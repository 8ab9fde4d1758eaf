"""Disputes, as a cardholder's bank opens them and Stripe reports them: an inquiry (``warning_*``, no money moves
unless it escalates) or a chargeback (the disputed amount and Stripe's dispute fee leave the balance at once, and
come back if the dispute is won).

Events in Stripe's order: ``charge.dispute.created``; ``charge.dispute.funds_withdrawn`` for a chargeback;
``charge.dispute.updated`` when evidence is submitted (``under_review``) or an inquiry escalates;
``charge.dispute.closed`` when won or lost; ``charge.dispute.funds_reinstated`` after a won chargeback.
"""

from __future__ import annotations

from typing import Any

from .money import exponent
from .params import ApiError
from .state import Ctx, Store, fixture, new_id, now

KINDS = ("chargeback", "inquiry")
OUTCOMES = ("won", "lost")
# Stripe's dispute reasons (the SDK's documented values).
REASONS = (
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "noncompliant",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)
# Visa's reason codes for a few reasons, as Stripe shows them on the card's details; others have none here.
_NETWORK_CODES = {"fraudulent": "10.4", "duplicate": "12.6.1", "credit_not_processed": "13.6", "general": "13.1"}
_CLOSED = ("won", "lost", "warning_closed")
EVIDENCE_DAYS = 7  # the sandbox's deadline for evidence, from the dispute's creation


def dispute_fee(currency: str) -> int:
    """Stripe's dispute fee in the currency's minor unit: 15 major units (US$15.00, ₩15 scaled to ₩20,000)."""
    if currency == "krw":
        return 20000
    return 15 * 10 ** exponent(currency)


def balance_transaction(dp: dict[str, Any], ch: dict[str, Any], *, withdrawn: bool) -> dict[str, Any]:
    """The disputed amount and the dispute fee leaving the balance, or (``withdrawn`` False) coming back."""
    fee = dispute_fee(ch["currency"])
    sign = -1 if withdrawn else 1
    obj = fixture("balance_transaction")
    obj.update(
        id=new_id("txn_"),
        amount=sign * dp["amount"],
        available_on=now(),
        created=now(),
        currency=dp["currency"],
        description=f"Chargeback {'withdrawal' if withdrawn else 'reversal'} for {ch['id']}",
        fee=-sign * fee,
        fee_details=[
            {
                "amount": -sign * fee,
                "application": None,
                "currency": dp["currency"],
                "description": "Dispute fee" if withdrawn else "Dispute fee refund",
                "type": "stripe_fee",
            }
        ],
        net=sign * (dp["amount"] + fee),
        reporting_category="dispute" if withdrawn else "dispute_reversal",
        source=dp["id"],
        status="available",
        type="adjustment",
    )
    return obj


def _dispute(ch: dict[str, Any], kind: str, reason: str, amount: int) -> dict[str, Any]:
    obj = fixture("dispute")
    created = now()
    due = (created // 86400 + EVIDENCE_DAYS) * 86400 + 86399  # the end of a day, as Stripe's deadlines are
    card = obj["payment_method_details"]["card"]
    card.update(brand="visa", case_type=kind, network_reason_code=_NETWORK_CODES.get(reason), network="visa")
    obj.update(
        id=new_id("dp_"),
        amount=amount,
        balance_transactions=[],
        charge=ch["id"],
        created=created,
        currency=ch["currency"],
        is_charge_refundable=False,
        livemode=False,
        metadata={},
        payment_intent=ch["payment_intent"],
        reason=reason,
        status="warning_needs_response" if kind == "inquiry" else "needs_response",
        enhanced_eligibility_types=[],
    )
    # ``submission_method`` is newer than Stripe's example object; the pinned API version sends it.
    obj["evidence_details"].update(
        due_by=due, has_evidence=False, past_due=False, submission_count=0, submission_method="not_submitted"
    )
    return obj


def open_dispute(
    store: Store,
    ctx: Ctx,
    charge_id: str,
    kind: str = "chargeback",
    reason: str = "fraudulent",
    amount: int | None = None,
) -> dict[str, Any]:
    """The cardholder's bank disputes a charge: ``charge.dispute.created`` (and, for a chargeback, the money leaves:
    ``charge.dispute.funds_withdrawn``)."""
    ch = store.get("charge", charge_id, param="charge")
    if ch.get("disputed"):
        raise ApiError(f"Charge {charge_id} is already disputed.", param="charge", code="charge_disputed")
    disputable = ch["amount"] - ch["amount_refunded"]
    amount = disputable if amount is None else amount
    if not 0 < amount <= disputable:
        raise ApiError(f"A dispute of {charge_id} is for 1 to {disputable} (minor units).", param="amount")
    dp = store.add(_dispute(ch, kind, reason, amount))
    ch["disputed"] = True
    store.emit(ctx, "charge.dispute.created", dp)
    if kind == "chargeback":
        _withdraw(store, ctx, dp, ch)
    return dp


def _withdraw(store: Store, ctx: Ctx, dp: dict[str, Any], ch: dict[str, Any]) -> None:
    dp["balance_transactions"].append(store.add(balance_transaction(dp, ch, withdrawn=True)))
    store.emit(ctx, "charge.dispute.funds_withdrawn", dp)


def _open(store: Store, dispute_id: str) -> dict[str, Any]:
    dp = store.get("dispute", dispute_id, param="dispute")
    if dp["status"] in _CLOSED:
        raise ApiError(f"Dispute {dispute_id} is closed ({dp['status']}).", param="dispute", code="dispute_closed")
    return dp


def submit_evidence(store: Store, ctx: Ctx, dispute_id: str) -> dict[str, Any]:
    """Evidence submitted: the dispute is under review (``charge.dispute.updated``)."""
    dp = _open(store, dispute_id)
    _submit(store, ctx, dp)
    return dp


def _submit(store: Store, ctx: Ctx, dp: dict[str, Any]) -> None:
    if dp["status"] in ("under_review", "warning_under_review"):
        return
    previous = {"status": dp["status"], "evidence_details": dict(dp["evidence_details"])}
    dp["status"] = "warning_under_review" if dp["status"].startswith("warning_") else "under_review"
    details = dp["evidence_details"]
    details.update(has_evidence=True, submission_count=details["submission_count"] + 1, submission_method="manual")
    dp["evidence"]["uncategorized_text"] = "Evidence submitted from the sandbox's dashboard."
    store.emit(ctx, "charge.dispute.updated", dp, previous=previous)


def escalate(store: Store, ctx: Ctx, dispute_id: str) -> dict[str, Any]:
    """An inquiry becomes a chargeback: ``charge.dispute.updated`` (needs_response), then the money leaves."""
    dp = _open(store, dispute_id)
    if not dp["status"].startswith("warning_"):
        raise ApiError(f"Dispute {dispute_id} is not an inquiry.", param="dispute")
    _escalate(store, ctx, dp)
    return dp


def _escalate(store: Store, ctx: Ctx, dp: dict[str, Any]) -> None:
    ch = store.get("charge", dp["charge"])
    previous = {"status": dp["status"]}
    dp["status"] = "needs_response"
    dp["payment_method_details"]["card"]["case_type"] = "chargeback"
    store.emit(ctx, "charge.dispute.updated", dp, previous=previous)
    _withdraw(store, ctx, dp, ch)


def close(store: Store, ctx: Ctx, dispute_id: str, outcome: str = "won") -> dict[str, Any]:
    """The bank decides. An inquiry won closes as ``warning_closed`` (no money moved); an inquiry lost escalates
    to a chargeback first. A chargeback won is reviewed first (evidence), then closed, and its money comes back
    (``charge.dispute.funds_reinstated``)."""
    dp = _open(store, dispute_id)
    ch = store.get("charge", dp["charge"])
    if dp["status"].startswith("warning_") and outcome == "won":
        previous = {"status": dp["status"]}
        dp["status"] = "warning_closed"
        store.emit(ctx, "charge.dispute.closed", dp, previous=previous)
        return dp
    if dp["status"].startswith("warning_"):
        _escalate(store, ctx, dp)
    if outcome == "won":
        _submit(store, ctx, dp)
    previous = {"status": dp["status"]}
    dp["status"] = outcome
    dp["is_charge_refundable"] = False
    store.emit(ctx, "charge.dispute.closed", dp, previous=previous)
    if outcome == "won":
        dp["balance_transactions"].append(store.add(balance_transaction(dp, ch, withdrawn=False)))
        store.emit(ctx, "charge.dispute.funds_reinstated", dp)
    return dp
