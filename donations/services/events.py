"""Acting on Stripe events: recorded first (unique id), handled in the same transaction.

A duplicate answers "duplicate" and does nothing. Any exception rolls the whole event back (the
record too), so the webhook answers 500 and Stripe delivers it again.
"""

import logging
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction

from donations import stripe_gateway as gateway
from donations.models import StripeEvent
from donations.services import fulfilment

logger = logging.getLogger(__name__)


def _session(obj: dict[str, Any], source: str, event_id: str, **_facts: Any) -> str:
    return fulfilment.checkout_session_apply(
        session=gateway.CheckoutSession.from_stripe(obj), source=source, event_id=event_id
    )


def _session_failed(obj: dict[str, Any], source: str, event_id: str, **_facts: Any) -> str:
    return fulfilment.checkout_session_failed(
        session=gateway.CheckoutSession.from_stripe(obj), source=source, event_id=event_id
    )


HANDLERS = {
    "checkout.session.completed": _session,
    "checkout.session.async_payment_succeeded": _session,
    "checkout.session.expired": _session,
    "checkout.session.async_payment_failed": _session_failed,
    "invoice.paid": lambda obj, source, event_id, **facts: fulfilment.invoice_paid(
        invoice=obj, source=source, event_id=event_id, **facts
    ),
    "invoice.payment_failed": lambda obj, source, event_id, **_: fulfilment.invoice_payment_failed(
        invoice=obj, source=source, event_id=event_id
    ),
    "customer.subscription.deleted": lambda obj, source, event_id, **_: fulfilment.subscription_deleted(
        subscription=obj, source=source, event_id=event_id
    ),
    "charge.refunded": lambda obj, source, event_id, **facts: fulfilment.charge_refunded(
        charge=obj, source=source, event_id=event_id, **facts
    ),
    "charge.refund.updated": lambda obj, source, event_id, **_: fulfilment.refund_updated(
        refund=obj, source=source, event_id=event_id
    ),
    "refund.updated": lambda obj, source, event_id, **_: fulfilment.refund_updated(
        refund=obj, source=source, event_id=event_id
    ),
}


# What some events need from Stripe, asked before the transaction: no row lock and no claim on the event's
# unique id is held while Stripe answers.
FACTS = {"invoice.paid": fulfilment.invoice_facts, "charge.refunded": fulfilment.charge_facts}


def event_process(*, event: dict[str, Any], source: str) -> str:
    """Record the event (once) and act on it; returns what happened, for the log."""
    if StripeEvent.objects.filter(event_id=event["id"]).exists():  # the common duplicate: no call to Stripe
        logger.info("stripe event %s (%s): duplicate, ignored", event["id"], event["type"])
        return "duplicate"
    fetch = FACTS.get(event["type"])
    facts = fetch(event["data"]["object"]) if fetch else {}
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    event_id=event["id"],
                    type=event["type"],
                    created=datetime.fromtimestamp(int(event.get("created") or 0), tz=UTC),
                    payload=event,
                )
        except IntegrityError:
            logger.info("stripe event %s (%s): duplicate, ignored", event["id"], event["type"])
            return "duplicate"
        handler = HANDLERS.get(event["type"])
        if handler is None:
            outcome = "ignored: unhandled type"
        else:
            outcome = handler(event["data"]["object"], source, event["id"], **facts)
        StripeEvent.objects.filter(pk=record.pk).update(outcome=outcome[:300])
    logger.info("stripe event %s (%s): %s", event["id"], event["type"], outcome)
    return outcome
