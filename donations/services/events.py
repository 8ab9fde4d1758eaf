"""Acting on Stripe events: recorded first (unique id), handled in the same transaction.

A duplicate answers Outcome.DUPLICATE and does nothing. Any exception rolls the whole event back (the
record too), so the webhook answers 500 and Stripe delivers it again: only for a real failure of the portal.
Objects that are not the portal's answer "not ours" without a call to Stripe (each handler's `facts` asks only
about objects a pledge knows); a signed event the portal cannot read is recorded as Outcome.UNPROCESSABLE.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from donations import stripe_gateway as gateway
from donations.models import Outcome, StripeEvent
from donations.services import actions, disputes, fulfilment

logger = logging.getLogger(__name__)


def _no_facts(_obj: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Handler:
    """How one event type is handled.

    `read` turns the event's object into the gateway's type; `facts` asks Stripe what `act` needs, before the
    transaction (no row lock and no claim on the event's unique id is held while Stripe answers); `act`, a
    fulfilment function, records it inside the transaction, given the object as its keyword `arg`.
    """

    read: Callable[[dict[str, Any]], Any]
    act: Callable[..., str]
    arg: str
    facts: Callable[[Any], dict[str, Any]] = _no_facts

    def __call__(self, obj: Any, facts: dict[str, Any], *, source: str, event_id: str) -> str:
        return self.act(**{self.arg: obj}, source=source, event_id=event_id, **facts)


_SESSION = Handler(
    gateway.CheckoutSession.from_stripe, fulfilment.checkout_session_apply, "session", facts=fulfilment.session_facts
)
_REFUND = Handler(gateway.Refund.from_stripe, fulfilment.refund_updated, "refund", facts=fulfilment.refund_facts)
_DISPUTE = Handler(gateway.Dispute.from_stripe, disputes.dispute_opened, "dispute", facts=disputes.dispute_facts)

HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _SESSION,
    "checkout.session.async_payment_succeeded": _SESSION,
    "checkout.session.expired": _SESSION,
    "checkout.session.async_payment_failed": Handler(
        gateway.CheckoutSession.from_stripe, fulfilment.checkout_session_failed, "session"
    ),
    "invoice.paid": Handler(
        gateway.Invoice.from_stripe, fulfilment.invoice_paid, "invoice", facts=fulfilment.invoice_facts
    ),
    "invoice.payment_failed": Handler(
        gateway.Invoice.from_stripe,
        actions.invoice_failed,
        "invoice",
        facts=fulfilment.invoice_failure_facts,
    ),
    "invoice.payment_action_required": Handler(gateway.Invoice.from_stripe, actions.invoice_action_required, "invoice"),
    "customer.subscription.updated": Handler(
        gateway.Subscription.from_stripe,
        actions.subscription_changed,
        "subscription",
        facts=fulfilment.subscription_facts,
    ),
    "payment_intent.payment_failed": Handler(
        gateway.PaymentIntent.from_stripe, fulfilment.payment_intent_failed, "intent"
    ),
    "customer.subscription.deleted": Handler(
        gateway.Subscription.from_stripe, fulfilment.subscription_deleted, "subscription"
    ),
    "charge.refunded": Handler(
        gateway.Charge.from_stripe, fulfilment.charge_refunded, "charge", facts=fulfilment.charge_facts
    ),
    "charge.refund.updated": _REFUND,
    "refund.updated": _REFUND,
    # Any of a dispute's events records it (in whatever order they come); the funds events also say money moved.
    "charge.dispute.created": _DISPUTE,
    "charge.dispute.updated": _DISPUTE,
    "charge.dispute.closed": _DISPUTE,
    "charge.dispute.funds_withdrawn": Handler(
        gateway.Dispute.from_stripe, disputes.dispute_funds_withdrawn, "dispute", facts=disputes.dispute_facts
    ),
    "charge.dispute.funds_reinstated": Handler(
        gateway.Dispute.from_stripe, disputes.dispute_funds_reinstated, "dispute", facts=disputes.dispute_facts
    ),
}


def _is_duplicate(event: gateway.Event) -> bool:
    if StripeEvent.objects.filter(event_id=event.id).exists():  # the common duplicate: no call to Stripe
        logger.info("stripe event %s (%s): duplicate, ignored", event.id, event.type)
        return True
    return False


def _record(event: gateway.Event) -> StripeEvent | None:
    """The event's record, or None when another delivery recorded it first (a duplicate)."""
    try:
        with transaction.atomic():
            return StripeEvent.objects.create(
                event_id=event.id, type=event.type, created=event.created, payload=event.payload
            )
    except IntegrityError:
        logger.info("stripe event %s (%s): duplicate, ignored", event.id, event.type)
        return None


def event_record_unprocessable(*, event: gateway.Event, reason: str) -> str:
    """Record (once) a signed event the portal cannot read, for staff to see; it is not acted on."""
    if _is_duplicate(event):
        return Outcome.DUPLICATE
    with transaction.atomic():
        record = _record(event)
        if record is None:
            return Outcome.DUPLICATE
        outcome = Outcome.UNPROCESSABLE.format(reason=reason)[:300]
        StripeEvent.objects.filter(pk=record.pk).update(outcome=outcome)
    logger.warning("stripe event %s (%s): %s", event.id, event.type, outcome)
    return outcome


def event_process(*, event: gateway.Event, source: str) -> str:
    """Record the event (once) and act on it; returns the outcome, for the log and the caller."""
    if _is_duplicate(event):
        return Outcome.DUPLICATE
    handler = HANDLERS.get(event.type)
    try:
        obj = handler.read(event.object) if handler else None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # not the object its type promises
        logger.warning("stripe event %s (%s): unreadable object (%r)", event.id, event.type, exc)
        return event_record_unprocessable(event=event, reason=f"not a readable {event.type} object")
    try:
        facts = handler.facts(obj) if handler else {}
    except gateway.StripeRejected as exc:
        if exc.code != "resource_missing":  # a bad key or a bad request is the portal's failure: 500, retried
            raise
        # Stripe has no such object (deleted, or never Stripe's): retrying for three days will not find it.
        return event_record_unprocessable(event=event, reason="Stripe has no such object")
    with transaction.atomic():
        record = _record(event)
        if record is None:
            return Outcome.DUPLICATE
        outcome = handler(obj, facts, source=source, event_id=event.id) if handler else Outcome.UNHANDLED
        StripeEvent.objects.filter(pk=record.pk).update(outcome=outcome[:300])
    logger.info("stripe event %s (%s): %s", event.id, event.type, outcome)
    return outcome
