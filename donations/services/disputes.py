"""Disputes of a payment's charge (Stripe's `charge.dispute.*` events): one record per dispute, kept right whatever
order the events arrive in and however often each is delivered.

A dispute's status only moves forward: an inquiry (`warning_*`) may become a chargeback (`needs_response`,
`under_review`), and a closed status (`won`, `lost`, `warning_closed`, `prevented`) is final, so a `closed` that
arrives before `created` records the dispute closed and a late `updated` never reopens it. Each change is written on
the pledge's history; staff are emailed once when the portal first learns of a dispute.
"""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from donations import stripe_gateway as gateway
from donations.models import Dispute, Frequency, Outcome, Payment, Pledge, PledgeStatus
from donations.services.fulfilment import NotYetRecorded, _flag, _locked_pledge, _single_gift_awaiting_payment
from donations.services.transitions import pledge_note

logger = logging.getLogger(__name__)

# How far along a dispute is: it never moves back. Every closed status is final.
_OPEN_RANK = {
    Dispute.Status.WARNING_NEEDS_RESPONSE: 0,
    Dispute.Status.WARNING_UNDER_REVIEW: 1,
    Dispute.Status.NEEDS_RESPONSE: 2,
    Dispute.Status.UNDER_REVIEW: 3,
}
_CLOSED_RANK = 4

# What a `charge.dispute.funds_*` event says, when the dispute's balance transactions do not (yet) say it.
FUNDS_WITHDRAWN = "withdrawn"
FUNDS_REINSTATED = "reinstated"


def _rank(status: str) -> int:
    return _CLOSED_RANK if status in Dispute.CLOSED else _OPEN_RANK.get(status, -1)


def _payment(dispute: gateway.Dispute) -> Payment | None:
    """The payment a dispute is about: by the dispute already recorded, its payment intent, or its charge."""
    payments = Payment.objects.select_related("pledge")
    known = Dispute.objects.filter(stripe_dispute_id=dispute.id).values_list("payment_id", flat=True).first()
    if known:
        return payments.get(pk=known)
    if dispute.payment_intent_id:
        return payments.filter(stripe_payment_intent_id=dispute.payment_intent_id).first()
    if dispute.charge_id:
        same_charge = Dispute.objects.filter(stripe_charge_id=dispute.charge_id).values_list("payment_id", flat=True)
        return payments.filter(pk__in=same_charge[:1]).first()
    return None


def dispute_facts(dispute: gateway.Dispute) -> dict[str, Any]:
    """Asked before the transaction: for a dispute of a payment the portal has not recorded yet, whose pledge its
    payment intent is: a single gift's names it; a monthly renewal's does not, its invoice does. Stripe is asked only
    while a payment of the portal's may still be on its way (a single gift awaiting its payment's news, a monthly
    gift started); Stripe's examples, on a portal without such gifts, answer "not ours" without a call."""
    if not dispute.payment_intent_id or _payment(dispute) is not None or not _payment_may_be_on_its_way():
        return {"reference": ""}
    intent = gateway.payment_intent_retrieve(dispute.payment_intent_id)
    if intent.reference or not intent.customer_id:
        return {"reference": intent.reference}
    invoice = gateway.payment_intent_invoice(intent.id)
    return {"reference": invoice.reference if invoice else ""}


def _payment_may_be_on_its_way() -> bool:
    """A single gift awaiting its payment's news, or a monthly gift sent to Checkout (its renewals' news may come
    before its first, in any order) that did not expire unpaid."""
    monthly = Pledge.objects.filter(frequency=Frequency.MONTHLY, stripe_checkout_session_id__isnull=False)
    return _single_gift_awaiting_payment() or monthly.exclude(status=PledgeStatus.EXPIRED).exists()


def _mismatch(payment: Payment, dispute: gateway.Dispute) -> str:
    """A dispute is in its payment's currency and never more than it; otherwise flagged for staff, not recorded."""
    currency = dispute.currency or payment.currency
    if currency == payment.currency and 0 < dispute.amount <= payment.amount:
        return ""
    detail = (
        f"dispute {dispute.id} reports {dispute.amount} {currency}; its payment is {payment.amount} {payment.currency}"
    )
    return _flag(payment.pledge, detail)


def dispute_record(
    *, dispute: gateway.Dispute, source: str, event_id: str = "", funds: str = "", reference: str = ""
) -> str:
    """Record a dispute once, and move it forward as Stripe's news comes in, in any order; idempotent.

    `funds` says what a `charge.dispute.funds_withdrawn` / `funds_reinstated` event told; `reference` is what
    dispute_facts found (a pledge whose payment is not recorded yet: retried later, 500)."""
    with transaction.atomic():
        payment = _payment(dispute)
        if payment is None:
            if reference and Pledge.objects.filter(reference=reference).exists():
                raise NotYetRecorded(f"dispute {dispute.id}: its payment is not recorded yet")
            logger.info("dispute %s is not ours", dispute.id)
            return Outcome.NOT_OURS
        _locked_pledge(pk=payment.pledge_id)  # one handler at a time per pledge
        mismatch = _mismatch(payment, dispute)
        if mismatch:
            return mismatch
        record = Dispute.objects.select_for_update().filter(stripe_dispute_id=dispute.id).first()
        if record is None:
            record = _create(payment, dispute, funds)
            _note(payment, f"dispute {dispute.id} opened: {_facts_line(record)}", source, event_id)
            _notify_staff(record)
            return Outcome.DISPUTE.format(id=dispute.id, status=record.status)
        changes = _changes(record, dispute, funds)
        if not changes:
            return Outcome.DISPUTE_UNCHANGED.format(id=dispute.id)
        Dispute.objects.filter(pk=record.pk).update(**changes, updated_at=timezone.now())
        _note(payment, f"dispute {dispute.id}: {_change_line(changes)}", source, event_id)
        return Outcome.DISPUTE.format(id=dispute.id, status=changes.get("status", record.status))


def _create(payment: Payment, dispute: gateway.Dispute, funds: str) -> Dispute:
    now = timezone.now()
    closed = dispute.status in Dispute.CLOSED
    return Dispute.objects.create(
        payment=payment,
        organization_id=payment.organization_id,
        stripe_dispute_id=dispute.id,
        stripe_charge_id=dispute.charge_id,
        amount=dispute.amount,
        currency=dispute.currency or payment.currency,
        status=dispute.status,
        reason=dispute.reason[:50],
        evidence_due_by=dispute.evidence_due_by,
        funds_withdrawn_at=dispute.funds_withdrawn_at or (now if funds == FUNDS_WITHDRAWN else None),
        funds_reinstated_at=dispute.funds_reinstated_at or (now if funds == FUNDS_REINSTATED else None),
        opened_at=dispute.created or now,
        closed_at=now if closed else None,
    )


def _changes(record: Dispute, dispute: gateway.Dispute, funds: str) -> dict[str, Any]:
    """What this news changes on the record: a status further along, a new deadline while open, money moved."""
    now = timezone.now()
    changes: dict[str, Any] = {}
    if _rank(dispute.status) > _rank(record.status):
        changes["status"] = dispute.status
        if dispute.status in Dispute.CLOSED:
            changes["closed_at"] = now
    if record.is_open and dispute.evidence_due_by and dispute.evidence_due_by != record.evidence_due_by:
        changes["evidence_due_by"] = dispute.evidence_due_by
    if record.funds_withdrawn_at is None and (dispute.funds_withdrawn_at or funds == FUNDS_WITHDRAWN):
        changes["funds_withdrawn_at"] = dispute.funds_withdrawn_at or now
    if record.funds_reinstated_at is None and (dispute.funds_reinstated_at or funds == FUNDS_REINSTATED):
        changes["funds_reinstated_at"] = dispute.funds_reinstated_at or now
    return changes


def _facts_line(record: Dispute) -> str:
    due = f", evidence due by {record.evidence_due_by:%Y-%m-%d %H:%M} UTC" if record.evidence_due_by else ""
    reason = f", reason {record.reason}" if record.reason else ""
    return f"{record.display_amount}, {record.status}{reason}{due}"


def _change_line(changes: dict[str, Any]) -> str:
    parts = []
    if "status" in changes:
        parts.append(changes["status"])
    if "evidence_due_by" in changes:
        parts.append(f"evidence due by {changes['evidence_due_by']:%Y-%m-%d %H:%M} UTC")
    if "funds_withdrawn_at" in changes:
        parts.append("funds withdrawn")
    if "funds_reinstated_at" in changes:
        parts.append("funds reinstated")
    return ", ".join(parts)


def _note(payment: Payment, note: str, source: str, event_id: str) -> None:
    pledge_note(pledge=payment.pledge, note=note, source=source, stripe_event_id=event_id)


def _notify_staff(record: Dispute) -> None:
    """Staff hear of a dispute once (staff_notified_at guards), after the transaction that recorded it commits."""
    from donations.tasks import send_dispute_notice

    transaction.on_commit(lambda: send_dispute_notice.enqueue(dispute_id=record.pk))


def dispute_opened(*, dispute: gateway.Dispute, source: str, event_id: str = "", reference: str = "") -> str:
    return dispute_record(dispute=dispute, source=source, event_id=event_id, reference=reference)


def dispute_funds_withdrawn(*, dispute: gateway.Dispute, source: str, event_id: str = "", reference: str = "") -> str:
    return dispute_record(dispute=dispute, source=source, event_id=event_id, reference=reference, funds=FUNDS_WITHDRAWN)


def dispute_funds_reinstated(*, dispute: gateway.Dispute, source: str, event_id: str = "", reference: str = "") -> str:
    return dispute_record(
        dispute=dispute, source=source, event_id=event_id, reference=reference, funds=FUNDS_REINSTATED
    )
