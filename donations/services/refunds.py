"""Refunds staff issue from the back office, through Stripe, recorded at once (the webhook then finds them)."""

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from donations import stripe_gateway as gateway
from donations.models import Payment, Refund
from donations.money import format_money
from donations.services.fulfilment import refund_record, refund_settle_pledge


def payment_refundable(payment: Payment) -> int:
    """What is left to refund on a payment, in minor units."""
    refunded = payment.refunds.aggregate(total=Sum("amount"))["total"] or 0
    return payment.amount - refunded


def refund_issue(*, payment: Payment, amount: int) -> Refund:
    """Refund `amount` of a payment through Stripe. Raises ValidationError (bad amount) or the gateway's errors.

    The idempotency key is derived from the payment and how many refunds it already has, so a repeated
    submission of the same confirmation makes one refund, and a later, separate refund is still possible.
    """
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
        idempotency_key=f"payment-{payment.pk}-refund-{payment.refunds.count() + 1}",
        reference=payment.pledge.reference,
    )
    refund_record(payment=payment, refund=stripe_refund, source=Refund.Source.STAFF)
    refund_settle_pledge(payment=payment, source="staff")
    return Refund.objects.get(stripe_refund_id=stripe_refund["id"])
