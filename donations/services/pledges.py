"""Starting a pledge and sending the donor to Stripe Checkout; stopping a monthly gift."""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from common.money import processing_fee
from donations import stripe_gateway as gateway
from donations.models import Frequency, Pledge, PledgeStatus, PledgeTransition
from donations.payment_methods import checkout_payment_methods
from donations.services.rollups import rollup_pledge
from donations.services.transitions import pledge_note, pledge_transition
from orgs.models import Organization, Program

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GiftDetails:
    organization: Organization
    program: Program | None
    frequency: str
    currency: str
    gift_amount: int
    cover_fee: bool
    donor_name: str
    donor_email: str
    share_identity: bool
    dedication: str
    submission_key: str
    language: str = ""
    wants_updates: bool = False


class FormAlreadyUsed(Exception):
    """The same form was sent before with other details, or its gift is over: it must not reuse that pledge."""


def _confirmed(gift: GiftDetails, fee: int) -> tuple:
    """Everything the review page showed the donor: a pledge is reused only when all of it is the same."""
    return (
        gift.organization.pk,
        gift.program.pk if gift.program else None,
        gift.frequency,
        gift.currency,
        gift.gift_amount,
        fee,
        gift.donor_name,
        gift.donor_email,
        gift.share_identity,
        gift.dedication,
        gift.wants_updates,
    )


def _same_gift(pledge: Pledge, gift: GiftDetails, fee: int) -> bool:
    shown = (
        pledge.organization_id,
        pledge.program_id,
        pledge.frequency,
        pledge.currency,
        pledge.gift_amount,
        pledge.fee_amount,
        pledge.donor_name,
        pledge.donor_email,
        pledge.share_identity,
        pledge.dedication,
        pledge.wants_updates,
    )
    return pledge.status == PledgeStatus.PENDING and shown == _confirmed(gift, fee)


def pledge_start(*, gift: GiftDetails) -> Pledge:
    """Save the pledge before anything goes to Stripe. The same submission again (a double click) returns it.

    The same form confirmed again with anything changed ("Change something" after going to Checkout) supersedes
    its unpaid pledge: that one's Checkout Session is expired, it is abandoned, shares no more than the donor's
    latest choice, and a new pledge carries exactly what the donor confirmed last.

    Raises FormAlreadyUsed when the form's key was used for a gift that is over (paid, abandoned...): the donor
    then sends a fresh form.
    """
    fee = processing_fee(gift.gift_amount, gift.currency) if gift.cover_fee else 0
    existing = Pledge.objects.filter(submission_key=gift.submission_key).first()
    if existing is not None:
        if _same_gift(existing, gift, fee):
            return existing
        if existing.status != PledgeStatus.PENDING:
            raise FormAlreadyUsed(existing.reference)
        _expire_checkout(existing)  # outside the transaction: no lock is held while Stripe is called
    try:
        with transaction.atomic():
            current = Pledge.objects.select_for_update().filter(submission_key=gift.submission_key).first()
            if current is not None:
                if _same_gift(current, gift, fee):  # a concurrent request with this very gift won
                    return current
                # Expiring its session may already have expired it (the webhook); paid meanwhile, it stays as it is.
                superseded = (PledgeStatus.PENDING, PledgeStatus.ABANDONED, PledgeStatus.EXPIRED)
                if existing is None or current.pk != existing.pk or current.status not in superseded:
                    raise FormAlreadyUsed(current.reference)
                _supersede(current, gift)
            return _create(gift, fee)
    except IntegrityError:  # the same submission, saved a moment ago by a concurrent request
        existing = Pledge.objects.get(submission_key=gift.submission_key)
        if not _same_gift(existing, gift, fee):
            raise FormAlreadyUsed(existing.reference) from None
        return existing


def _create(gift: GiftDetails, fee: int) -> Pledge:
    pledge = Pledge.objects.create(
        organization=gift.organization,
        program=gift.program,
        frequency=gift.frequency,
        currency=gift.currency,
        gift_amount=gift.gift_amount,
        fee_amount=fee,
        amount=gift.gift_amount + fee,
        donor_name=gift.donor_name,
        donor_email=gift.donor_email,
        share_identity=gift.share_identity,
        dedication=gift.dedication,
        wants_updates=gift.wants_updates,
        submission_key=gift.submission_key,
        language=gift.language,
    )
    rollup_pledge(pledge=pledge, before=None, after=pledge.status)  # counted for the reports, in this transaction
    return pledge


def _supersede(pledge: Pledge, gift: GiftDetails) -> None:
    """The donor changed this unpaid pledge: abandon it, free its form key, and let it share no more than now.

    Should its Checkout Session still be paid (expiring it failed), the organization sees no more of the donor
    than the donor's latest choice allows.
    """
    Pledge.objects.filter(pk=pledge.pk).update(
        submission_key=None,
        share_identity=pledge.share_identity and gift.share_identity,
        dedication=pledge.dedication if pledge.dedication == gift.dedication else "",
        wants_updates=pledge.wants_updates and gift.wants_updates,
    )
    if pledge.status == PledgeStatus.PENDING:
        pledge_transition(
            pledge=pledge, to=PledgeStatus.ABANDONED, source=PledgeTransition.Source.DONOR, note="changed by the donor"
        )


def _absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def pledge_checkout(*, pledge: Pledge, base_url: str) -> str:
    """The Checkout URL for a pending pledge. Holds no lock and no transaction while Stripe is called.

    The idempotency key is derived from the pledge, so a retry after a failure, or a second click,
    gets the same Checkout Session. Raises gateway.StripeUnavailable / StripeRejected; the pledge is kept.
    """
    if pledge.stripe_checkout_url:
        return pledge.stripe_checkout_url
    org = pledge.organization
    success = _absolute(base_url, reverse("donations:thanks")) + "?session_id={CHECKOUT_SESSION_ID}"
    cancel = _absolute(base_url, reverse("donations:cancelled", kwargs={"reference": pledge.reference}))
    with translation.override(pledge.language or "en"):  # Checkout shows it to the donor, in their language
        product_name = _("Gift to %(org)s") % {"org": org.name}
    session = gateway.checkout_session_create(
        gateway.CheckoutRequest(
            reference=pledge.reference,
            mode="subscription" if pledge.frequency == Frequency.MONTHLY else "payment",
            amount=pledge.amount,
            currency=pledge.currency,
            product_name=product_name,
            customer_email=pledge.donor_email,
            success_url=success,
            cancel_url=cancel,
            idempotency_key=f"pledge-{pledge.reference}-checkout",
            statement_descriptor_suffix=org.statement_descriptor,
            destination=org.stripe_account_id,
            application_fee_amount=pledge.amount * org.platform_fee_basis_points // 10_000,
            application_fee_percent=f"{org.platform_fee_basis_points / 100:.2f}"
            if org.platform_fee_basis_points
            else "",
            locale=pledge.language if pledge.language in ("en", "ko") else "auto",  # the donor's language
            payment_method_types=checkout_payment_methods(
                currency=pledge.currency, amount=pledge.amount, monthly=pledge.frequency == Frequency.MONTHLY
            ),
        )
    )
    Pledge.objects.filter(pk=pledge.pk, stripe_checkout_session_id__isnull=True).update(
        stripe_checkout_session_id=session.id, stripe_checkout_url=session.url
    )
    pledge.stripe_checkout_session_id, pledge.stripe_checkout_url = session.id, session.url
    return session.url


def _expire_checkout(pledge: Pledge) -> None:
    """Close the pledge's Checkout Session so that it cannot be paid any more, if it has one."""
    if not pledge.stripe_checkout_session_id:
        return
    try:
        gateway.checkout_session_expire(
            pledge.stripe_checkout_session_id, idempotency_key=f"pledge-{pledge.reference}-expire"
        )
    except (gateway.StripeUnavailable, gateway.StripeRejected) as exc:
        # Still open at Stripe: if the donor pays on it after all, the webhook records the payment.
        logger.info("pledge %s: could not expire its session (%s)", pledge.reference, type(exc).__name__)


def pledge_abandon(*, pledge: Pledge, source: str) -> None:
    """The donor cancelled at Checkout: expire the session so it cannot be paid later, and record it."""
    if pledge.status != PledgeStatus.PENDING:
        return
    _expire_checkout(pledge)
    pledge_transition(pledge=pledge, to=PledgeStatus.ABANDONED, source=source)


def pledge_stop_monthly(*, pledge: Pledge, source: str) -> None:
    """Cancel the Stripe subscription of a monthly gift and record it. Safe to repeat."""
    if pledge.status == PledgeStatus.CANCELED:
        return
    if pledge.stripe_subscription_id:
        try:
            gateway.subscription_cancel(
                pledge.stripe_subscription_id, idempotency_key=f"pledge-{pledge.reference}-stop"
            )
        except gateway.StripeRejected:
            subscription = gateway.subscription_retrieve(pledge.stripe_subscription_id)
            if subscription.status != "canceled":
                raise
    pledge_transition(pledge=pledge, to=PledgeStatus.CANCELED, source=source)


def pledge_clear_mismatch(*, pledge: Pledge, cleared_by: str) -> bool:
    """Staff checked a flagged Stripe mismatch and clear the flag; the pledge's history keeps who cleared it, when
    (the line's time) and what the flag said. False when the pledge was not flagged (nothing written)."""
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if not locked.stripe_mismatch:
            return False
        note = f"Stripe mismatch cleared by {cleared_by} after checking: {locked.stripe_mismatch}"
        Pledge.objects.filter(pk=locked.pk).update(stripe_mismatch="")
        pledge_note(pledge=locked, note=note, source=PledgeTransition.Source.STAFF)
    pledge.stripe_mismatch = ""
    return True
