"""Recording what Stripe says happened: one idempotent path for webhooks, return pages and reconciliation.

Each function locks the pledge row first, so concurrent deliveries of the same news (ten webhook
retries and the donor's success page at once) are applied one after the other, and the unique
Stripe ids make a second application a no-op: one transition, one payment, one receipt.

Every function takes the `source` of the news (a PledgeTransition.Source) and records it on the moves it causes.
"""

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from common.audit import audit_changes
from common.pagecache import public_pages_changed
from donations import stripe_gateway as gateway
from donations.models import Frequency, Outcome, Payment, Pledge, PledgeStatus, Refund
from donations.services.rollups import RefundState, rollup_payment, rollup_refund
from donations.services.transitions import pledge_note, pledge_transition

logger = logging.getLogger(__name__)
S = PledgeStatus


class NotYetRecorded(Exception):
    """An event about something the portal will record from another event that has not arrived yet."""


def _locked_pledge(**lookup: Any) -> Pledge | None:
    lookup = {key: value for key, value in lookup.items() if value}
    if not lookup:
        return None
    return Pledge.objects.select_for_update(of=("self",)).filter(**lookup).select_related("organization").first()


def _move(pledge: Pledge, to: str, *, source: str, event_id: str = "", note: str = "") -> Outcome:
    moved = pledge_transition(pledge=pledge, to=to, source=source, stripe_event_id=event_id, note=note)
    return Outcome(moved.value)


def payment_record(
    *,
    pledge: Pledge,
    stripe_id: str,
    amount: int,
    currency: str,
    payment_intent_id: str = "",
    paid_at: datetime | None = None,
) -> tuple[Payment, bool]:
    """Record money that moved, once per Stripe id, and add it to the reports' rollups in the same transaction; a
    receipt is sent after the transaction commits."""
    with transaction.atomic():
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

            rollup_payment(payment=payment, pledge=pledge)
            transaction.on_commit(lambda: send_receipt.enqueue(payment_id=payment.pk))
    return payment, created


def _mismatch(pledge: Pledge, *, amount: int, currency: str, what: str) -> str:
    """ "" when what Stripe reports is the pledge's amount and currency; else the mismatch, flagged on the pledge
    for staff (the admin's "Stripe mismatch" filter) and returned as the outcome. Never accepted as paid."""
    currency = (currency or pledge.currency).upper()
    if amount == pledge.amount and currency == pledge.currency:
        return ""
    return _flag(pledge, f"{what} reports {amount} {currency}; the pledge is {pledge.amount} {pledge.currency}")


def _flag(pledge: Pledge, detail: str) -> str:
    Pledge.objects.filter(pk=pledge.pk).update(stripe_mismatch=detail[:300], updated_at=timezone.now())
    logger.warning("pledge %s: %s", pledge.reference, detail)
    return Outcome.MISMATCH.format(detail=detail)


def _charge_mismatch(payment: Payment, charge: gateway.Charge) -> str:
    """A refunded charge must be the payment it names: same amount, same currency."""
    currency = (charge.currency or payment.currency).upper()
    if charge.amount == payment.amount and currency == payment.currency:
        return ""
    detail = (
        f"charge {charge.id} reports {charge.amount} {currency}; its payment is {payment.amount} {payment.currency}"
    )
    return _flag(payment.pledge, detail)


def _refund_mismatch(payment: Payment, refund: gateway.Refund) -> str:
    """A refund is in its payment's currency and never more than it."""
    currency = (refund.currency or payment.currency).upper()
    if currency == payment.currency and 0 < refund.amount <= payment.amount:
        return ""
    detail = (
        f"refund {refund.id} reports {refund.amount} {currency}; its payment is {payment.amount} {payment.currency}"
    )
    return _flag(payment.pledge, detail)


def session_facts(session: gateway.CheckoutSession) -> dict[str, Any]:
    """For a monthly gift's completed session, the subscription as Stripe has it now, asked before any transaction:
    its later months may have happened already (a renewal failed), and the session's news may come after theirs."""
    if session.mode != "subscription" or not session.subscription_id or session.status != "complete":
        return {}
    if not _known(reference=session.reference):
        return {}
    return {"current": gateway.subscription_retrieve(session.subscription_id)}


def checkout_session_apply(
    *, session: gateway.CheckoutSession, source: str, event_id: str = "", current: gateway.Subscription | None = None
) -> Outcome:
    """Bring a pledge in line with its Checkout Session (completed, settled, failed later, or expired).

    `current` (what session_facts found, when the caller asked) is a monthly gift's subscription now: a gift whose
    renewal has failed since is past due, not active, whatever order the events came in."""
    with transaction.atomic():
        pledge = _locked_pledge(reference=session.reference)
        if pledge is None or (pledge.stripe_checkout_session_id not in (None, session.id)):
            logger.info("checkout session %s is not ours", session.id)
            return Outcome.NOT_OURS
        _link(pledge, checkout=session.id, subscription=session.subscription_id, customer=session.customer_id)
        if session.status == "expired":
            return _move(pledge, S.EXPIRED, source=source, event_id=event_id)
        if session.status != "complete":
            return Outcome.SESSION_OPEN
        mismatch = _mismatch(
            pledge, amount=session.amount_total, currency=session.currency, what=f"checkout session {session.id}"
        )
        if mismatch:
            return mismatch
        if session.payment_status != "paid":
            return _move(pledge, S.PROCESSING, source=source, event_id=event_id)
        _session_payment_record(pledge, session)
        if pledge.status in (S.PAST_DUE, S.CANCELED, S.REFUNDED):
            return Outcome.ALREADY  # later news (a failed renewal, a stop, a refund) already moved the gift on
        to = S.ACTIVE if session.mode == "subscription" else S.PAID
        moved = _move(pledge, to, source=source, event_id=event_id)
        now = SUBSCRIPTION_STATUS.get(current.status) if current else None
        if to == S.ACTIVE and now in (S.PAST_DUE, S.CANCELED):
            return _move(pledge, now, source=source, event_id=event_id, note=_subscription_state(current))
        return moved


def _session_payment_record(pledge: Pledge, session: gateway.CheckoutSession) -> None:
    """A paid session's payment: its first invoice (monthly) or its payment intent (single gift)."""
    if session.mode == "subscription":
        if session.invoice_id:
            payment_record(
                pledge=pledge, stripe_id=session.invoice_id, amount=session.amount_total, currency=session.currency
            )
        return
    payment_record(
        pledge=pledge,
        stripe_id=session.payment_intent_id,
        payment_intent_id=session.payment_intent_id,
        amount=session.amount_total,
        currency=session.currency,
    )


def checkout_session_failed(*, session: gateway.CheckoutSession, source: str, event_id: str = "") -> Outcome:
    with transaction.atomic():
        pledge = _locked_pledge(reference=session.reference)
        if pledge is None:
            return Outcome.NOT_OURS
        return _move(pledge, S.FAILED, source=source, event_id=event_id)


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


def _invoice_pledge(invoice: gateway.Invoice) -> Pledge | None:
    return _locked_pledge(stripe_subscription_id=invoice.subscription_id) or _locked_pledge(reference=invoice.reference)


def _known(**lookup: Any) -> bool:
    """Whether a pledge answers to any of these (non-empty) ids; no lock, no call to Stripe."""
    return any(value and Pledge.objects.filter(**{key: value}).exists() for key, value in lookup.items())


def invoice_facts(invoice: gateway.Invoice) -> dict[str, Any]:
    """What invoice_paid needs from Stripe, fetched before any transaction: the payment intent that paid it.

    Stripe is asked only about an invoice of a pledge the portal knows: another product's invoices, deleted ones
    and Stripe's example events are not ours, and asking about them would fail on every delivery."""
    if not _known(stripe_subscription_id=invoice.subscription_id, reference=invoice.reference):
        return {"intent_id": invoice.payment_intent_id, "current": None}
    intent_id = invoice.payment_intent_id or gateway.invoice_payment_intent(invoice.id)
    current = gateway.subscription_retrieve(invoice.subscription_id) if invoice.subscription_id else None
    return {"intent_id": intent_id, "current": current}


def invoice_paid(
    *,
    invoice: gateway.Invoice,
    intent_id: str,
    source: str,
    event_id: str = "",
    current: gateway.Subscription | None = None,
) -> Outcome:
    """Each paid invoice of a monthly gift is one payment (its payment intent kept, for refunds).

    `intent_id` and `current` (the subscription as Stripe has it now) are what invoice_facts found, asked before the
    transaction. The money is always recorded; the gift is active again unless Stripe says the subscription is past
    due now (an older month's payment arriving after a newer month failed)."""
    with transaction.atomic():
        pledge = _invoice_pledge(invoice)
        if pledge is None or pledge.frequency != Frequency.MONTHLY:
            return Outcome.NOT_OURS
        _link(pledge, subscription=invoice.subscription_id, customer=invoice.customer_id)
        mismatch = _mismatch(
            pledge, amount=invoice.amount_paid, currency=invoice.currency, what=f"invoice {invoice.id}"
        )
        if mismatch:
            return mismatch
        payment_record(
            pledge=pledge,
            stripe_id=invoice.id,
            payment_intent_id=intent_id,
            amount=invoice.amount_paid,
            currency=invoice.currency or pledge.currency,
            paid_at=invoice.paid_at,
        )
        if current is None or SUBSCRIPTION_STATUS.get(current.status) != S.PAST_DUE:
            return _move(pledge, S.ACTIVE, source=source, event_id=event_id)
        if pledge.status != S.PAST_DUE:  # the failure's own events will move it
            return Outcome.ALREADY
        note = f"invoice {invoice.id} paid late; {_subscription_state(current)}"
        pledge_note(pledge=pledge, note=note, source=source, stripe_event_id=event_id)
        return Outcome.NOTED


# Stripe's subscription status, as the pledge's. `unpaid` (Stripe stopped retrying; later invoices stay open) and
# `paused` (a trial ended without a card) bring no money but are not stopped, and the donor can mend them with a
# card: past due, shown apart in reports, and stoppable like it. A subscription set to end with its period
# (`cancel_at_period_end`) or whose collection is paused stays `active` in Stripe and here; its history says so.
# `incomplete` (the first payment not made yet) has no say: Checkout's events decide the first month.
SUBSCRIPTION_STATUS: dict[str, str] = {
    "active": S.ACTIVE,
    "trialing": S.ACTIVE,
    "past_due": S.PAST_DUE,
    "unpaid": S.PAST_DUE,
    "paused": S.PAST_DUE,
    "canceled": S.CANCELED,
    "incomplete_expired": S.CANCELED,
}
SUBSCRIPTION_NOTE = "Stripe subscription: "


def _subscription_ours(subscription_id: str, reference: str) -> bool:
    """Whether a subscription is a pledge's (asked without a lock, before calling Stripe about it)."""
    ours = Pledge.objects.filter(frequency=Frequency.MONTHLY)
    return (
        bool(subscription_id)
        and ours.filter(stripe_subscription_id=subscription_id).exists()
        or (bool(reference) and ours.filter(reference=reference).exists())
    )


def _subscription_now(subscription_id: str, reference: str) -> gateway.Subscription | None:
    """The subscription as Stripe has it now (events arrive in any order), or None when it is not ours."""
    if not _subscription_ours(subscription_id, reference):
        return None
    return gateway.subscription_retrieve(subscription_id)


def invoice_failure_facts(invoice: gateway.Invoice) -> dict[str, Any]:
    """What invoice_payment_failed needs from Stripe, before any transaction: the subscription's status now, and why
    the invoice's payment was declined (its payment intent's last_payment_error)."""
    current = _subscription_now(invoice.subscription_id, invoice.reference) if invoice.subscription_id else None
    if current is None:
        return {"current": None, "failure": "", "awaiting": None}
    intent_id = invoice.payment_intent_id or gateway.invoice_payment_intent(invoice.id)
    intent = gateway.payment_intent_retrieve(intent_id) if intent_id else None
    awaiting = invoice if intent and intent.status == REQUIRES_ACTION and invoice.status == "open" else None
    return {"current": current, "failure": intent.failure if intent else "", "awaiting": awaiting}


REQUIRES_ACTION = "requires_action"  # a payment intent waiting for the customer (3-D Secure)


def _awaiting_donor(subscription: gateway.Subscription | None) -> gateway.Invoice | None:
    """A past-due subscription whose latest invoice waits for the donor to confirm its payment (3-D Secure): that
    invoice (Stripe makes the subscription past due for it, as for a declined card), else None."""
    if subscription is None or subscription.status != "past_due" or not subscription.latest_invoice_id:
        return None
    invoice = gateway.invoice_retrieve(subscription.latest_invoice_id)
    intent_id = invoice.payment_intent_id or gateway.invoice_payment_intent(invoice.id)
    if invoice.status != "open" or not intent_id:
        return None
    return invoice if gateway.payment_intent_retrieve(intent_id).status == REQUIRES_ACTION else None


def invoice_payment_failed(
    *,
    invoice: gateway.Invoice,
    current: gateway.Subscription | None,
    failure: str,
    source: str,
    event_id: str = "",
) -> Outcome:
    """A failed monthly payment: written on the pledge's history with the decline's reason, and the pledge follows
    the subscription's status as Stripe has it now (`current`), not the event: a late failure of an invoice since
    paid, or followed by a paid month, leaves an active gift active."""
    if invoice.status == "paid" or Payment.objects.filter(stripe_id=invoice.id).exists():
        return Outcome.INVOICE_PAID
    with transaction.atomic():
        pledge = _invoice_pledge(invoice)
        if pledge is None or current is None or pledge.frequency != Frequency.MONTHLY:
            return Outcome.NOT_OURS
        note = f"monthly payment failed (invoice {invoice.id}): {failure or 'no reason given'}"
        to = SUBSCRIPTION_STATUS.get(current.status)
        if to and to not in (pledge.status, S.PAST_DUE):  # Stripe has moved on (paid since, or stopped)
            _move(pledge, to, source=source, event_id=event_id, note=_subscription_state(current))
        moved = _move(pledge, to, source=source, event_id=event_id, note=note) if to == S.PAST_DUE else None
        if moved is not Outcome.MOVED:
            pledge_note(pledge=pledge, note=note, source=source, stripe_event_id=event_id)
            return Outcome.NOTED
        return moved


def subscription_facts(subscription: gateway.Subscription) -> dict[str, Any]:
    """The subscription as Stripe has it now, asked before any transaction (None when it is not ours), and, when it
    is past due because a payment waits for the donor's confirmation, that invoice (`awaiting`)."""
    current = _subscription_now(subscription.id, subscription.reference)
    return {"current": current, "awaiting": _awaiting_donor(current)}


def _subscription_state(subscription: gateway.Subscription) -> str:
    extras = []
    if subscription.cancel_at_period_end or subscription.cancel_at:
        when = f" on {subscription.cancel_at:%Y-%m-%d}" if subscription.cancel_at else ""
        extras.append(f"set to end{when}")
    if subscription.collection_paused:
        extras.append("payment collection paused")
    return SUBSCRIPTION_NOTE + ", ".join([subscription.status, *extras])


def subscription_updated(
    *, subscription: gateway.Subscription, current: gateway.Subscription | None, source: str, event_id: str = ""
) -> str:
    """A subscription changed (past due, unpaid, paused, active again, set to end): the pledge follows Stripe's
    status now (`current`, re-fetched), whatever order the events came in; the history says what Stripe said."""
    with transaction.atomic():
        pledge = _locked_pledge(stripe_subscription_id=subscription.id) or _locked_pledge(
            reference=subscription.reference
        )
        if pledge is None or current is None or pledge.frequency != Frequency.MONTHLY:
            return Outcome.NOT_OURS
        _link(pledge, subscription=subscription.id)
        to = SUBSCRIPTION_STATUS.get(current.status)
        if to is None:
            return Outcome.SUBSCRIPTION_IGNORED.format(status=current.status)
        state = _subscription_state(current)
        moved = _move(pledge, to, source=source, event_id=event_id, note=state)
        if moved is Outcome.ALREADY and _state_news(pledge, state):
            pledge_note(pledge=pledge, note=state, source=source, stripe_event_id=event_id)
            return Outcome.NOTED
        return moved


def _state_news(pledge: Pledge, state: str) -> bool:
    """Whether Stripe's view of a subscription is worth a line in the history: it is set to end or paused, or no
    longer is; a plain status the pledge already has is not."""
    last = pledge.transitions.filter(note__startswith=SUBSCRIPTION_NOTE).last()
    last_note = last.note if last else ""
    return state != last_note and ("," in state or "," in last_note)


def payment_intent_failed(*, intent: gateway.PaymentIntent, source: str, event_id: str = "") -> Outcome:
    """A declined payment (a card at Checkout, a bank debit that bounced): written on its pledge's history with
    Stripe's reason. The status is left to the events that decide it (a donor may try another card).

    A monthly payment's intent carries no pledge reference: its invoice's `invoice.payment_failed` records it."""
    with transaction.atomic():
        pledge = _locked_pledge(reference=intent.reference)
        if pledge is None:
            return Outcome.NOT_OURS
        note = f"payment failed ({intent.id}): {intent.failure or 'no reason given'}"
        pledge_note(pledge=pledge, note=note, source=source, stripe_event_id=event_id)
        return Outcome.NOTED


def subscription_deleted(*, subscription: gateway.Subscription, source: str, event_id: str = "") -> Outcome:
    with transaction.atomic():
        pledge = _locked_pledge(stripe_subscription_id=subscription.id) or _locked_pledge(
            reference=subscription.reference
        )
        if pledge is None:
            return Outcome.NOT_OURS
        return _move(pledge, S.CANCELED, source=source, event_id=event_id)


def charge_facts(charge: gateway.Charge) -> dict[str, Any]:
    """What charge_refunded needs from Stripe, fetched before any transaction: the charge's refunds (charges no
    longer embed them) and, for a payment not recorded yet, whose pledge it is (the payment intent's metadata).

    Stripe is asked only about a charge that may be ours: another product's charges and Stripe's example events
    answer "not ours" without a call."""
    none: dict[str, Any] = {"refunds": [], "reference": ""}
    if not charge.payment_intent_id:
        return none
    reference = charge.reference
    recorded = Payment.objects.filter(stripe_payment_intent_id=charge.payment_intent_id).exists()
    if not recorded and not reference and _single_gift_awaiting_payment():
        reference = gateway.payment_intent_retrieve(charge.payment_intent_id).reference
    if not (recorded or _known(reference=reference, stripe_customer_id=charge.customer_id)):
        return none
    return {"refunds": gateway.refunds_for_charge(charge.id), "reference": reference}


def _single_gift_awaiting_payment() -> bool:
    """Whether a charge the portal has no payment for could be one of its single gifts (its news not in yet)."""
    unpaid = Pledge.objects.filter(frequency=Frequency.ONCE, payments__isnull=True, status__in=_AWAITING_PAYMENT)
    return unpaid.filter(stripe_checkout_session_id__isnull=False).exists()


# A single gift whose payment may have been made, its news not in yet (an expired or failed one was never paid).
_AWAITING_PAYMENT = (S.PENDING, S.PROCESSING, S.ABANDONED)


def _payment_for_charge(charge: gateway.Charge, reference: str, source: str) -> Payment | str | None:
    """The payment a charge belongs to; a single gift not recorded yet is recorded now (its refund proves it paid),
    unless the charge's amount is not the pledge's (then the flagged mismatch)."""
    if not charge.payment_intent_id:
        return None
    payment = Payment.objects.filter(stripe_payment_intent_id=charge.payment_intent_id).select_related("pledge").first()
    if payment:
        return payment
    pledge = _locked_pledge(reference=reference)
    if pledge is None:
        if charge.customer_id and Pledge.objects.filter(stripe_customer_id=charge.customer_id).exists():
            # A monthly payment's refund, before its invoice.paid: fail, so Stripe delivers it again later.
            raise NotYetRecorded(f"charge {charge.id} of a known customer has no payment yet")
        return None
    if pledge.frequency != Frequency.ONCE:
        return None
    mismatch = _mismatch(pledge, amount=charge.amount, currency=charge.currency, what=f"charge {charge.id}")
    return mismatch or _charge_payment_record(pledge, charge, source)


def _charge_payment_record(pledge: Pledge, charge: gateway.Charge, source: str) -> Payment:
    payment, _ = payment_record(
        pledge=pledge,
        stripe_id=charge.payment_intent_id,
        payment_intent_id=charge.payment_intent_id,
        amount=charge.amount,
        currency=charge.currency or pledge.currency,
        paid_at=charge.created,
    )
    _move(pledge, S.PAID, source=source, note="paid, learnt from a refund")
    return payment


def charge_refunded(
    *, charge: gateway.Charge, refunds: list[gateway.Refund], reference: str, source: str, event_id: str = ""
) -> str:
    """Record every refund of a charge, whoever made it (portal staff or Stripe's dashboard).

    `refunds` and `reference` are what charge_facts found, asked before the transaction."""
    with transaction.atomic():
        payment = _payment_for_charge(charge, reference, source)
        if payment is None:
            return Outcome.NOT_OURS
        if isinstance(payment, str):  # a mismatch, flagged
            return payment
        _locked_pledge(pk=payment.pledge_id)  # one handler at a time per pledge
        mismatch = _charge_mismatch(payment, charge)
        if mismatch:
            return mismatch
        mismatches = [_refund_mismatch(payment, refund) for refund in refunds]
        fitting = [refund for refund, wrong in zip(refunds, mismatches, strict=True) if not wrong]
        new = sum(refund_record(payment=payment, refund=refund, source=Refund.Source.STRIPE) for refund in fitting)
        refund_settle_pledge(payment=payment, source=source, event_id=event_id)
        return next(filter(None, mismatches), Outcome.REFUNDS_RECORDED.format(count=new))


def refund_settle_pledge(*, payment: Payment, source: str, event_id: str = "") -> None:
    """A single gift refunded in full is a refunded pledge, and paid again if a refund that had succeeded fails (the
    money stayed with the organization); a refunded month leaves a monthly gift running.

    Only refunds that succeeded settle it: a pending refund may still fail (then the gift stays paid)."""
    with transaction.atomic():
        pledge = _locked_pledge(pk=payment.pledge_id)
        if pledge.frequency != Frequency.ONCE:
            return
        refunded = payment.refunds.filter(status=Refund.SUCCEEDED).total()
        if refunded >= payment.amount:
            _move(pledge, S.REFUNDED, source=source, event_id=event_id)
        elif pledge.status == S.REFUNDED:
            _move(pledge, S.PAID, source=source, event_id=event_id, note="a refund failed: not refunded in full")


def refund_record(*, payment: Payment, refund: gateway.Refund, source: str, request_key: str | None = None) -> int:
    """Record one refund, once per Stripe id, keeping its status current. Returns 1 when it is new and counts.

    `source` is a Refund.Source: who made the refund (portal staff, or Stripe's dashboard). A refund the portal
    asked for carries its request key (given, or in the refund's metadata): it fills the row claimed for it before
    Stripe was called, whichever of Stripe's answer and the webhook comes first, so that row keeps who asked and why.
    """
    status = refund.status or "succeeded"
    key = request_key or refund.request_key or None
    with transaction.atomic():
        record = Refund.objects.select_for_update().filter(stripe_refund_id=refund.id).first()
        if record is None and key:
            claim = Refund.objects.select_for_update().filter(request_key=key, stripe_refund_id__isnull=True).first()
            if claim is not None:
                _claim_fill(payment, claim, refund, status)
                return _refund_notify(claim.pk, status)
        if record is None:
            record, created = Refund.objects.get_or_create(
                stripe_refund_id=refund.id,
                defaults={
                    "payment": payment,
                    "organization_id": payment.organization_id,
                    "amount": refund.amount,
                    "currency": refund.currency or payment.currency.upper(),
                    "status": status,
                    "source": Refund.Source.STAFF if key else source,
                    "refunded_at": refund.created or timezone.now(),
                    "request_key": key,
                    "transfer_reversal_id": refund.transfer_reversal_id,
                },
            )
            if created:
                rollup_refund(payment=payment, before=None, after=_state(record))
                return _refund_notify(record.pk, status)
        if record.status != status and _refund_moves_on(record.status, status):
            Refund.objects.filter(pk=record.pk).update(status=status)
            public_pages_changed()  # a program's progress counts refunds; a queryset update sends no signal
            rollup_refund(payment=payment, before=_state(record), after=_state(record, status=status))
            _refund_notify(record.pk, status)
        if refund.transfer_reversal_id and record.transfer_reversal_id != refund.transfer_reversal_id:
            Refund.objects.filter(pk=record.pk).update(transfer_reversal_id=refund.transfer_reversal_id)
        return 0


# A refund's status only moves on: pending (or awaiting the customer), then succeeded, then (rarely) failed or
# canceled; Stripe's events arrive in any order, and news of an earlier state never undoes a later one.
_REFUND_STAGE = {Refund.REQUESTED: 0, "pending": 1, "requires_action": 1, "succeeded": 2, "failed": 3, "canceled": 3}


def _refund_moves_on(current: str, new: str) -> bool:
    return _REFUND_STAGE.get(new, 1) > _REFUND_STAGE.get(current, 1)


def _refund_notify(refund_pk: int, status: str) -> int:
    """A refund that succeeded: the donor hears of it once, after the transaction commits (a pending one may still
    fail, so the donor is told when it succeeds). Returns 1 when the refund counts as money returned."""
    if status == Refund.SUCCEEDED:
        from donations.tasks import send_refund_notice

        transaction.on_commit(lambda: send_refund_notice.enqueue(refund_id=refund_pk))
    return int(status in Refund.COUNTED)


def _state(record: Refund, **changes: Any) -> RefundState:
    values = {
        "status": record.status,
        "amount": record.amount,
        "currency": record.currency,
        "refunded_at": record.refunded_at,
        **changes,
    }
    return RefundState(**values)


def _claim_fill(payment: Payment, claim: Refund, refund: gateway.Refund, status: str) -> None:
    """Stripe's news of a refund staff asked for: the claimed row gets its Stripe id, amount and status."""
    audit_changes(claim, {"stripe_refund_id": (claim.stripe_refund_id, refund.id), "status": (claim.status, status)})
    public_pages_changed()  # a program's progress counts refunds; a queryset update sends no signal
    filled = {
        "amount": refund.amount,
        "currency": refund.currency or claim.currency,
        "status": status,
        "refunded_at": refund.created or timezone.now(),
    }
    Refund.objects.filter(pk=claim.pk).update(
        stripe_refund_id=refund.id, transfer_reversal_id=refund.transfer_reversal_id, **filled
    )
    rollup_refund(payment=payment, before=_state(claim), after=RefundState(**filled))


def refund_facts(refund: gateway.Refund) -> dict[str, Any]:
    """The refund as Stripe has it now, asked before any transaction, for a payment the portal recorded: events
    arrive in any order, and a late `refund.updated` saying "pending" must not undo a later "failed"."""
    recorded = Payment.objects.filter(stripe_payment_intent_id=refund.payment_intent_id or None).exists()
    if not recorded:
        return {}
    return {"current": gateway.refund_retrieve(refund.id)}


def refund_updated(
    *, refund: gateway.Refund, source: str, event_id: str = "", current: gateway.Refund | None = None
) -> str:
    """A refund changed state (a pending one succeeded or failed): keep the record and the pledge right, as the
    refund is now (`current`, what refund_facts found) rather than as the event told. Either one in another currency
    or larger than its payment is flagged, not counted."""
    with transaction.atomic():
        payment = (
            Payment.objects.filter(stripe_payment_intent_id=refund.payment_intent_id or None)
            .select_related("pledge")
            .first()
        )
        if payment is None:
            return Outcome.NOT_OURS
        _locked_pledge(pk=payment.pledge_id)
        for told in filter(None, (refund, current)):
            mismatch = _refund_mismatch(payment, told)
            if mismatch:
                return mismatch
        refund = current or refund
        refund_record(payment=payment, refund=refund, source=Refund.Source.STRIPE)
        refund_settle_pledge(payment=payment, source=source, event_id=event_id)
        return Outcome.REFUND_UPDATED.format(id=refund.id, status=refund.status)
