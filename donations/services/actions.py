"""3-D Secure on a monthly renewal: the donor's bank asks the donor to confirm the month's payment.

Stripe leaves the invoice open (its payment intent `requires_action`) and sends `invoice.payment_action_required`;
the portal records the month as awaiting the donor and emails the donor, once, Stripe's hosted invoice page. The
month stops awaiting when a payment for the invoice is recorded (`invoice.paid`, after the donor confirms).
"""

from django.db import transaction

from donations import stripe_gateway as gateway
from donations.models import ActionRequired, Frequency, Outcome, Payment
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
