"""Refunds staff issue from the back office, through Stripe, recorded at once (the webhook then finds them)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.money import format_money
from donations import stripe_gateway as gateway
from donations.models import Payment, Refund
from donations.services.fulfilment import refund_record, refund_settle_pledge


def payment_refundable(payment: Payment) -> int:
    """What is left to refund on a payment, in minor units."""
    return payment.amount - payment.refunds.counted().total()


def refund_issue(*, payment: Payment, amount: int, request_key: str, source: str) -> Refund:
    """Refund `amount` of a payment through Stripe. Raises ValidationError (bad amount) or the gateway's errors.

    `request_key` comes from the confirmation page (one per page shown): the same confirmation sent twice
    reaches Stripe with the same idempotency key and makes one refund; a new confirmation makes a new one.
    `source` (a PledgeTransition.Source) is recorded if the refund settles the pledge.
    """
    existing = Refund.objects.filter(request_key=request_key).first()
    if existing:
        return existing
    remaining = payment_refundable(payment)
    if amount <= 0 or amount > remaining:
        raise ValidationError(
            _("Refund between %(min)s and %(max)s.")
            % {"min": format_money(1, payment.currency), "max": format_money(remaining, payment.currency)}
        )
    if not payment.stripe_payment_intent_id:
        raise ValidationError(_("Stripe has not told us which charge paid this yet; try again in a minute."))
    stripe_refund = gateway.refund_create(
        payment_intent_id=payment.stripe_payment_intent_id,
        amount=amount,
        idempotency_key=f"payment-{payment.pk}-refund-{request_key}",
        reference=payment.pledge.reference,
    )
    refund_record(payment=payment, refund=stripe_refund, source=Refund.Source.STAFF, request_key=request_key)
    refund_settle_pledge(payment=payment, source=source)
    if stripe_refund.status not in Refund.COUNTED:
        raise ValidationError(
            _("Stripe could not make this refund (status: %(status)s).") % {"status": stripe_refund.status}
        )
    return Refund.objects.get(stripe_refund_id=stripe_refund.id)
