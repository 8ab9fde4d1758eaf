"""Refunds staff issue from the back office, through Stripe.

The refund's row is claimed (its request key, the staff member, the reason) and committed before Stripe is
called: Stripe's `charge.refunded` webhook may arrive before Stripe's answer to the call (the sandbox always does
that), and whichever comes first then fills that row instead of recording a refund "from Stripe's dashboard".
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.money import format_money
from donations import stripe_gateway as gateway
from donations.models import Payment, Pledge, Refund
from donations.services.fulfilment import refund_record, refund_settle_pledge


def payment_refundable(payment: Payment) -> int:
    """What is left to refund on a payment, in minor units."""
    return payment.amount - payment.refunds.counted().total()


def _refund_check(payment: Payment, amount: int, reason: str) -> None:
    remaining = payment_refundable(payment)
    if amount <= 0 or amount > remaining:
        raise ValidationError(
            _("Refund between %(min)s and %(max)s.")
            % {"min": format_money(1, payment.currency), "max": format_money(remaining, payment.currency)}
        )
    if not payment.stripe_payment_intent_id:
        raise ValidationError(_("Stripe has not told us which charge paid this yet; try again in a minute."))
    if not reason.strip():
        raise ValidationError(_("Say why this refund is made."))


def _refund_claim(
    *, payment: Payment, amount: int, request_key: str, requested_by: AbstractBaseUser, reason: str
) -> Refund:
    """The refund's row before Stripe is asked (committed, so that the webhook finds it): not counted yet."""
    with transaction.atomic():
        claim, _created = Refund.objects.get_or_create(
            request_key=request_key,
            defaults={
                "payment": payment,
                "organization_id": payment.organization_id,
                "amount": amount,
                "currency": payment.currency,
                "status": Refund.REQUESTED,
                "source": Refund.Source.STAFF,
                "requested_by": requested_by,
                "reason": reason.strip(),
            },
        )
    return claim


def refund_issue(
    *, payment: Payment, amount: int, request_key: str, requested_by: AbstractBaseUser, reason: str, source: str
) -> Refund:
    """Refund `amount` of a payment through Stripe. Raises ValidationError (bad amount, no reason) or the gateway's
    errors (then the claim is withdrawn: nothing is recorded).

    `request_key` comes from the confirmation page (one per page shown): the same confirmation sent twice
    reaches Stripe with the same idempotency key and makes one refund; a new confirmation makes a new one.
    `requested_by` is the staff user and `reason` why they refund. `source` (a PledgeTransition.Source) is
    recorded if the refund settles the pledge.

    A gift to an organization's connected account is a destination charge: Stripe moved the money on to that
    account (less the platform's fee). Its refund reverses that transfer and refunds the platform's fee, in
    proportion, so the organization returns what it received and the platform's balance is not charged. Stripe's
    payment intent says whether it was one (the organization's account may have changed since).
    """
    existing = Refund.objects.filter(request_key=request_key, stripe_refund_id__isnull=False).first()
    if existing:
        return existing
    _refund_check(payment, amount, reason)
    intent = gateway.payment_intent_retrieve(payment.stripe_payment_intent_id)  # a destination charge?
    claim = _refund_claim(
        payment=payment, amount=amount, request_key=request_key, requested_by=requested_by, reason=reason
    )
    try:
        stripe_refund = gateway.refund_create(
            payment_intent_id=payment.stripe_payment_intent_id,
            amount=amount,
            idempotency_key=f"payment-{payment.pk}-refund-{request_key}",
            reference=payment.pledge.reference,
            request_key=request_key,
            reverse_transfer=bool(intent.destination),
            refund_application_fee=bool(intent.destination and intent.application_fee_amount),
        )
    except (gateway.StripeUnavailable, gateway.StripeRejected):
        Refund.objects.filter(pk=claim.pk, stripe_refund_id__isnull=True).delete()
        raise
    with transaction.atomic():
        Pledge.objects.select_for_update().filter(pk=payment.pledge_id).first()  # as the webhook does: pledge first
        refund_record(payment=payment, refund=stripe_refund, source=Refund.Source.STAFF, request_key=request_key)
        refund_settle_pledge(payment=payment, source=source)
    if stripe_refund.status not in Refund.COUNTED:
        raise ValidationError(
            _("Stripe could not make this refund (status: %(status)s).") % {"status": stripe_refund.status}
        )
    return Refund.objects.get(stripe_refund_id=stripe_refund.id)
