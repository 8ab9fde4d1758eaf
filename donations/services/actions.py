"""3-D Secure on a monthly renewal: the donor's bank asks the donor to confirm the month's payment.

Stripe leaves the invoice open (its payment intent `requires_action`) and sends `invoice.payment_action_required`;
the portal records the month as awaiting the donor and emails the donor, once, Stripe's hosted invoice page. The
month stops awaiting when a payment for the invoice is recorded (`invoice.paid`, after the donor confirms).
"""

from django.db import transaction

from donations import stripe_gateway as gateway
from donations.models import ActionRequired, Frequency, Outcome, Payment
from donations.services import fulfilment
from donations.services.fulfilment import _invoice_pledge, _mismatch
from donations.services.transitions import pledge_note


def invoice_action_required(*, invoice: gateway.Invoice, source: str, event_id: str = "") -> str:
    """Record (once per invoice) that the donor must confirm this month's payment, and email them the link.

    A repeated event, or a late one for an invoice since paid, changes nothing and sends nothing. No call to
    Stripe: the event carries the hosted invoice page."""
    if invoice.status == "paid" or Payment.objects.filter(stripe_id=invoice.id).exists():
        return Outcome.INVOICE_PAID
    with transaction.atomic():
        pledge = _invoice_pledge(invoice)
        if pledge is None or pledge.frequency != Frequency.MONTHLY:
            return Outcome.NOT_OURS
        mismatch = _mismatch(pledge, amount=invoice.amount_due, currency=invoice.currency, what=f"invoice {invoice.id}")
        if mismatch:
            return mismatch
        if not invoice.hosted_invoice_url:  # nothing to send the donor; Stripe emails them itself if so configured
            return Outcome.UNPROCESSABLE.format(reason="no hosted invoice page")
        action, created = ActionRequired.objects.get_or_create(
            stripe_invoice_id=invoice.id,
            defaults={
                "pledge": pledge,
                "organization_id": pledge.organization_id,
                "amount": invoice.amount_due,
                "currency": pledge.currency,
                "hosted_invoice_url": invoice.hosted_invoice_url,
            },
        )
        if not created:
            return Outcome.ACTION_ALREADY
        note = f"monthly payment awaits the donor's confirmation (3-D Secure, invoice {invoice.id})"
        pledge_note(pledge=pledge, note=note, source=source, stripe_event_id=event_id)
        from donations.tasks import send_action_required_notice

        transaction.on_commit(lambda: send_action_required_notice.enqueue(action_id=action.pk))
        return Outcome.ACTION_REQUIRED


# Stripe answers a renewal that needs 3-D Secure as it answers a declined card: `invoice.payment_failed` and the
# subscription `past_due` (customer.subscription.updated), besides `invoice.payment_action_required`, in any order.
# The donor is emailed once for that month: the link to confirm it. Whichever of the three events comes first
# records the month as awaiting the donor (and sends the link); the "payment failed" notice of the past-due move is
# then not sent (tasks.send_status_notice skips it while a month awaits the donor).


def invoice_failed(
    *,
    invoice: gateway.Invoice,
    current: gateway.Subscription | None,
    failure: str,
    awaiting: gateway.Invoice | None,
    source: str,
    event_id: str = "",
) -> str:
    """`invoice.payment_failed`: a month awaiting the donor's confirmation is recorded first (see above)."""
    if awaiting is not None:
        invoice_action_required(invoice=awaiting, source=source, event_id=event_id)
    return fulfilment.invoice_payment_failed(
        invoice=invoice, current=current, failure=failure, source=source, event_id=event_id
    )


def subscription_changed(
    *,
    subscription: gateway.Subscription,
    current: gateway.Subscription | None,
    awaiting: gateway.Invoice | None,
    source: str,
    event_id: str = "",
) -> str:
    """`customer.subscription.updated`: past due for a month awaiting the donor: that month is recorded first."""
    if awaiting is not None:
        invoice_action_required(invoice=awaiting, source=source, event_id=event_id)
    return fulfilment.subscription_updated(subscription=subscription, current=current, source=source, event_id=event_id)
