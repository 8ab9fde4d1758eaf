"""Recording what Stripe says happened: one idempotent path for webhooks, return pages and reconciliation.

Each function locks the pledge row first, so concurrent deliveries of the same news (ten webhook
retries and the donor's success page at once) are applied one after the other, and the unique
Stripe ids make a second application a no-op: one transition, one payment, one receipt.
"""

import logging
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from donations import stripe_gateway as gateway
from donations.models import Frequency, Payment, Pledge, PledgeStatus, Refund
from donations.services.transitions import pledge_transition

logger = logging.getLogger(__name__)
S = PledgeStatus


class NotYetRecorded(Exception):
    """An event about something the portal will record from another event that has not arrived yet."""


def _locked_pledge(**lookup: Any) -> Pledge | None:
    lookup = {key: value for key, value in lookup.items() if value}
    if not lookup:
        return None
    return Pledge.objects.select_for_update(of=("self",)).filter(**lookup).select_related("organization").first()


def _at(timestamp: int | None) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC) if timestamp else timezone.now()


def payment_record(
    *, pledge: Pledge, stripe_id: str, amount: int, currency: str, payment_intent_id: str = "", paid_at=None
) -> tuple[Payment, bool]:
    """Record money that moved, once per Stripe id; a receipt is sent after the transaction commits."""
    payment, created = Payment.objects.get_or_create(
        stripe_id=stripe_id,
        defaults={
            "pledge": pledge,
            "organization_id": pledge.organization_id,
            "amount": amount,
            "currency": currency.upper(),
            "stripe_payment_intent_id": payment_intent_id or None,
            "paid_at": paid_at or timezone.now(),
        },
    )
    if not created and payment_intent_id and not payment.stripe_payment_intent_id:
        Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id=payment_intent_id)
    if created:
        from donations.tasks import send_receipt

        transaction.on_commit(lambda: send_receipt.enqueue(payment_id=payment.pk))
    return payment, created


def checkout_session_apply(*, session: gateway.CheckoutSession, source: str, event_id: str = "") -> str:
    """Bring a pledge in line with its Checkout Session (completed, settled, failed later, or expired)."""
    with transaction.atomic():
        pledge = _locked_pledge(reference=session.reference)
        if pledge is None or (pledge.stripe_checkout_session_id not in (None, session.id)):
            logger.info("checkout session %s is not ours", session.id)
            return "ignored: not ours"
        _link(pledge, checkout=session.id, subscription=session.subscription_id, customer=session.customer_id)
        if session.status == "expired":
            return pledge_transition(pledge=pledge, to=S.EXPIRED, source=source, stripe_event_id=event_id).value
        if session.status != "complete":
            return "ignored: session still open"
        if session.payment_status != "paid":
            return pledge_transition(pledge=pledge, to=S.PROCESSING, source=source, stripe_event_id=event_id).value
        if session.mode == "subscription":
            if session.invoice_id:
                payment_record(
                    pledge=pledge, stripe_id=session.invoice_id, amount=session.amount_total, currency=session.currency
                )
            return pledge_transition(pledge=pledge, to=S.ACTIVE, source=source, stripe_event_id=event_id).value
        payment_record(
            pledge=pledge,
            stripe_id=session.payment_intent_id,
            payment_intent_id=session.payment_intent_id,
            amount=session.amount_total,
            currency=session.currency,
        )
        return pledge_transition(pledge=pledge, to=S.PAID, source=source, stripe_event_id=event_id).value


def checkout_session_failed(*, session: gateway.CheckoutSession, source: str, event_id: str = "") -> str:
    with transaction.atomic():
        pledge = _locked_pledge(reference=session.reference)
        if pledge is None:
            return "ignored: not ours"
        return pledge_transition(pledge=pledge, to=S.FAILED, source=source, stripe_event_id=event_id).value


def _link(pledge: Pledge, *, checkout: str = "", subscription: str = "", customer: str = "") -> None:
    changes = {}
    if checkout and not pledge.stripe_checkout_session_id:
        changes["stripe_checkout_session_id"] = checkout
    if subscription and not pledge.stripe_subscription_id:
        changes["stripe_subscription_id"] = subscription
    if customer and not pledge.stripe_customer_id:
        changes["stripe_customer_id"] = customer
    if changes:
        Pledge.objects.filter(pk=pledge.pk).update(**changes)
        for name, value in changes.items():
            setattr(pledge, name, value)


def _invoice_subscription(invoice: dict[str, Any]) -> tuple[str, str]:
    """(subscription id, pledge reference) of an invoice, from the current and older API shapes."""
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    subscription = gateway._id(details.get("subscription")) or gateway._id(invoice.get("subscription"))
    reference = (details.get("metadata") or {}).get("pledge") or ""
    return subscription, reference


def _invoice_payment_intent(invoice: dict[str, Any]) -> str:
    for item in (invoice.get("payments") or {}).get("data", []):
        payment = item.get("payment") or {}
        if payment.get("type") == "payment_intent":
            return gateway._id(payment.get("payment_intent"))
    return gateway._id(invoice.get("payment_intent"))


def invoice_facts(invoice: dict[str, Any]) -> dict[str, Any]:
    """What invoice_paid needs from Stripe, fetched before any transaction: the payment intent that paid it."""
    subscription_id, reference = _invoice_subscription(invoice)
    intent_id = _invoice_payment_intent(invoice)
    if not intent_id and (subscription_id or reference):
        intent_id = gateway.invoice_payment_intent(invoice["id"])
    return {"intent_id": intent_id}


def invoice_paid(*, invoice: dict[str, Any], source: str, event_id: str = "", intent_id: str | None = None) -> str:
    """Each paid invoice of a monthly gift is one payment (its payment intent kept, for refunds)."""
    subscription_id, reference = _invoice_subscription(invoice)
    if intent_id is None:
        intent_id = invoice_facts(invoice)["intent_id"]
    with transaction.atomic():
        pledge = _locked_pledge(stripe_subscription_id=subscription_id) or _locked_pledge(reference=reference)
        if pledge is None or pledge.frequency != Frequency.MONTHLY:
            return "ignored: not ours"
        _link(pledge, subscription=subscription_id, customer=gateway._id(invoice.get("customer")))
        payment_record(
            pledge=pledge,
            stripe_id=invoice["id"],
            payment_intent_id=intent_id,
            amount=int(invoice.get("amount_paid") or 0),
            currency=invoice.get("currency") or pledge.currency,
            paid_at=_at((invoice.get("status_transitions") or {}).get("paid_at")),
        )
        return pledge_transition(pledge=pledge, to=S.ACTIVE, source=source, stripe_event_id=event_id).value


def invoice_payment_failed(*, invoice: dict[str, Any], source: str, event_id: str = "") -> str:
    """A failed monthly payment makes the gift past due, unless that invoice was paid after all (a late event)."""
    subscription_id, reference = _invoice_subscription(invoice)
    if invoice.get("status") == "paid" or Payment.objects.filter(stripe_id=invoice.get("id") or "").exists():
        return "ignored: the invoice is paid"
    with transaction.atomic():
        pledge = _locked_pledge(stripe_subscription_id=subscription_id) or _locked_pledge(reference=reference)
        if pledge is None or pledge.status != S.ACTIVE:
            return "ignored: not ours or not active"
        return pledge_transition(pledge=pledge, to=S.PAST_DUE, source=source, stripe_event_id=event_id).value


def subscription_deleted(*, subscription: dict[str, Any], source: str, event_id: str = "") -> str:
    with transaction.atomic():
        reference = (subscription.get("metadata") or {}).get("pledge")
        pledge = _locked_pledge(stripe_subscription_id=subscription.get("id")) or _locked_pledge(reference=reference)
        if pledge is None:
            return "ignored: not ours"
        return pledge_transition(pledge=pledge, to=S.CANCELED, source=source, stripe_event_id=event_id).value


def charge_facts(charge: dict[str, Any]) -> dict[str, Any]:
    """What charge_refunded needs from Stripe, fetched before any transaction: the charge's refunds (charges no
    longer embed them) and, for a payment not recorded yet, whose pledge it is (the payment intent's metadata)."""
    intent_id = gateway._id(charge.get("payment_intent"))
    if not intent_id:
        return {"refunds": [], "reference": ""}
    reference = (charge.get("metadata") or {}).get("pledge") or ""
    if not reference and not Payment.objects.filter(stripe_payment_intent_id=intent_id).exists():
        reference = (gateway.payment_intent_retrieve(intent_id).get("metadata") or {}).get("pledge") or ""
    return {"refunds": gateway.refunds_for_charge(charge["id"]), "reference": reference}


def _payment_for_charge(charge: dict[str, Any], reference: str) -> Payment | None:
    """The payment a charge belongs to; a single gift not recorded yet is recorded now (its refund proves it paid)."""
    intent_id = gateway._id(charge.get("payment_intent"))
    if not intent_id:
        return None
    payment = Payment.objects.filter(stripe_payment_intent_id=intent_id).select_related("pledge").first()
    if payment:
        return payment
    pledge = _locked_pledge(reference=reference)
    if pledge is None:
        customer = gateway._id(charge.get("customer"))
        if customer and Pledge.objects.filter(stripe_customer_id=customer).exists():
            # A monthly payment's refund, before its invoice.paid: fail, so Stripe delivers it again later.
            raise NotYetRecorded(f"charge {charge.get('id')} of a known customer has no payment yet")
        return None
    if pledge.frequency != Frequency.ONCE:
        return None
    payment, _ = payment_record(
        pledge=pledge,
        stripe_id=intent_id,
        payment_intent_id=intent_id,
        amount=int(charge.get("amount") or 0),
        currency=charge.get("currency") or pledge.currency,
        paid_at=_at(charge.get("created")),
    )
    pledge_transition(pledge=pledge, to=S.PAID, source="webhook", note="paid, learnt from a refund")
    return payment


def charge_refunded(
    *, charge: dict[str, Any], source: str, event_id: str = "", refunds: list | None = None, reference: str = ""
) -> str:
    """Record every refund of a charge, whoever made it (portal staff or Stripe's dashboard)."""
    if refunds is None:
        facts = charge_facts(charge)
        refunds, reference = facts["refunds"], facts["reference"]
    with transaction.atomic():
        payment = _payment_for_charge(charge, reference)
        if payment is None:
            return "ignored: not ours"
        _locked_pledge(pk=payment.pledge_id)  # one handler at a time per pledge
        new = sum(refund_record(payment=payment, refund=refund) for refund in refunds)
        refund_settle_pledge(payment=payment, source=source, event_id=event_id)
        return f"{new} refund(s) recorded"


def refund_settle_pledge(*, payment: Payment, source: str, event_id: str = "") -> None:
    """A single gift refunded in full is a refunded pledge; a refunded month leaves a monthly gift running."""
    with transaction.atomic():
        pledge = _locked_pledge(pk=payment.pledge_id)
        refunded = payment.refunds.counted().total()
        if pledge.frequency == Frequency.ONCE and refunded >= payment.amount:
            pledge_transition(pledge=pledge, to=S.REFUNDED, source=source, stripe_event_id=event_id)


def refund_record(
    *, payment: Payment, refund: dict[str, Any], source: str = Refund.Source.STRIPE, request_key: str | None = None
) -> int:
    """Record one refund, once per Stripe id, keeping its status current. Returns 1 when it is new and counts."""
    status = refund.get("status") or "succeeded"
    record, created = Refund.objects.get_or_create(
        stripe_refund_id=refund["id"],
        defaults={
            "payment": payment,
            "organization_id": payment.organization_id,
            "amount": int(refund.get("amount") or 0),
            "currency": (refund.get("currency") or payment.currency).upper(),
            "status": status,
            "source": source,
            "refunded_at": _at(refund.get("created")),
            "request_key": request_key,
        },
    )
    if not created and record.status != status:
        Refund.objects.filter(pk=record.pk).update(status=status)
    return int(created and status in Refund.COUNTED)


def refund_updated(*, refund: dict[str, Any], source: str, event_id: str = "") -> str:
    """A refund changed state (a pending one succeeded or failed): keep the record and the pledge right."""
    with transaction.atomic():
        payment = Payment.objects.filter(
            stripe_payment_intent_id=gateway._id(refund.get("payment_intent")) or None
        ).first()
        if payment is None:
            return "ignored: not ours"
        _locked_pledge(pk=payment.pledge_id)
        refund_record(payment=payment, refund=refund)
        refund_settle_pledge(payment=payment, source=source, event_id=event_id)
        return f"refund {refund.get('id')}: {refund.get('status')}"
