"""What a donor changes on their page: a monthly gift's amount, a pause and its end, the card, stopping it, and
whether the organization sees their name. Each change is idempotent (the same change again does nothing and sends
nothing), recorded in the pledge's history with source "donor", and confirmed by email after it commits.

Stripe is called before the transaction that records the change, holding no lock; each call's idempotency key is
derived from the pledge and the change, so a double click changes Stripe once.
"""

import calendar
import logging
from datetime import UTC, date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.money import AmountError, currency, format_money, processing_fee
from donations import stripe_gateway as gateway
from donations.models import Pledge, PledgeStatus, PledgeTransition
from donations.services.rollups import rollup_amount_changed, rollup_identity_changed
from donations.services.transitions import pledge_note

logger = logging.getLogger(__name__)
DONOR = PledgeTransition.Source.DONOR
PAUSE_MONTHS = (1, 2, 3)
AMOUNT_NOTE = "amount changed by the donor: "
CARD_VISIT_NOTE = "the donor went to Stripe to update the card"
CARD_NOTE = "card updated by the donor at Stripe"


class NotChangeable(Exception):
    """The gift cannot take this change (not a running monthly gift, a bad amount...); the message says why."""


def _confirm(pledge: Pledge, change: str) -> None:
    from donations.tasks import send_donor_change

    transaction.on_commit(lambda: send_donor_change.enqueue(pledge_id=pledge.pk, change=change))


def _running(pledge: Pledge) -> None:
    if not pledge.is_monthly or pledge.status not in (PledgeStatus.ACTIVE, PledgeStatus.PAST_DUE):
        raise NotChangeable("not a running monthly gift")
    if not pledge.stripe_subscription_id:
        raise NotChangeable("no subscription")


def pledge_change_amount(*, pledge: Pledge, gift_amount: int) -> bool:
    """A monthly gift's new amount, charged from the next month (no proration). The added fee, if the donor added
    one, follows the new amount. False when the amount is already that.

    Only while no month's payment is open (past due, or awaiting the donor's 3-D Secure confirmation): that invoice
    keeps the old amount, and paid after the change it would not match the pledge's."""
    _running(pledge)
    if pledge.status != PledgeStatus.ACTIVE or pledge.actions_required.awaiting().exists():
        raise NotChangeable("a month's payment is open")
    try:
        rules = currency(pledge.currency)
    except AmountError as exc:
        raise NotChangeable(str(exc)) from exc
    if not rules.minimum <= gift_amount <= rules.maximum:
        raise NotChangeable("amount out of range")
    fee = processing_fee(gift_amount, pledge.currency) if pledge.fee_amount else 0
    amount = gift_amount + fee
    if amount == pledge.amount and gift_amount == pledge.gift_amount:
        return False
    changes = pledge.transitions.filter(note__startswith=AMOUNT_NOTE).count()
    gateway.subscription_change_amount(
        pledge.stripe_subscription_id,
        amount=amount,
        currency=pledge.currency,
        idempotency_key=f"pledge-{pledge.reference}-amount-{changes + 1}-{amount}",
    )
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if (locked.gift_amount, locked.amount) == (gift_amount, amount):  # a double click's twin did it
            return False
        before = format_money(locked.amount, locked.currency)
        Pledge.objects.filter(pk=pledge.pk).update(
            gift_amount=gift_amount, fee_amount=fee, amount=amount, updated_at=timezone.now()
        )
        after = format_money(amount, locked.currency)
        amount_before = locked.amount
        locked.gift_amount, locked.fee_amount, locked.amount = gift_amount, fee, amount
        rollup_amount_changed(pledge=locked, amount_before=amount_before)
        note = f"{AMOUNT_NOTE}{before} -> {after} from the next month"
        pledge_note(pledge=pledge, note=note, source=DONOR)
        _confirm(pledge, "amount")
    pledge.gift_amount, pledge.fee_amount, pledge.amount = gift_amount, fee, amount
    return True


def _months_later(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def pledge_pause(*, pledge: Pledge, months: int, today: date | None = None) -> bool:
    """Pause a monthly gift for one to three months: nothing is charged until then; it resumes by itself.
    False when it is already paused (resume it first to pause for another length)."""
    _running(pledge)
    if months not in PAUSE_MONTHS:
        raise NotChangeable("pause for one to three months")
    if pledge.is_paused:
        return False
    until = _months_later(today or timezone.now().date(), months)
    gateway.subscription_pause(
        pledge.stripe_subscription_id,
        resumes_at=datetime(until.year, until.month, until.day, tzinfo=UTC),
        idempotency_key=f"pledge-{pledge.reference}-pause-{until.isoformat()}",
    )
    with transaction.atomic():
        not_paused = Q(paused_until__isnull=True) | Q(paused_until__lte=timezone.now().date())
        updated = Pledge.objects.filter(not_paused, pk=pledge.pk).update(paused_until=until, updated_at=timezone.now())
        if updated:
            pledge_note(pledge=pledge, note=f"paused by the donor until {until.isoformat()}", source=DONOR)
            _confirm(pledge, "paused")
    pledge.paused_until = until
    return bool(updated)


def pledge_resume(*, pledge: Pledge) -> bool:
    """End a pause now: the next month is charged again. False when it is not paused."""
    _running(pledge)
    if not pledge.is_paused:
        return False
    gateway.subscription_resume(
        pledge.stripe_subscription_id,
        idempotency_key=f"pledge-{pledge.reference}-resume-{pledge.paused_until.isoformat()}",
    )
    with transaction.atomic():
        updated = Pledge.objects.filter(pk=pledge.pk, paused_until__isnull=False).update(
            paused_until=None, updated_at=timezone.now()
        )
        if updated:
            pledge_note(pledge=pledge, note="resumed by the donor", source=DONOR)
            _confirm(pledge, "resumed")
    pledge.paused_until = None
    return bool(updated)


def pledge_card_update_url(*, pledge: Pledge, return_url: str, attempt: str) -> str:
    """Stripe's page where the donor gives a new card for this gift (a customer portal session limited to the
    payment method). `attempt` is the page's own key, so a double click makes one session."""
    _running(pledge)
    if not pledge.stripe_customer_id:
        raise NotChangeable("no customer")
    card = gateway.subscription_retrieve(pledge.stripe_subscription_id).default_payment_method
    url = gateway.card_update_session_create(
        customer_id=pledge.stripe_customer_id,
        return_url=return_url,
        idempotency_key=f"pledge-{pledge.reference}-card-{attempt}",
        locale="ko" if pledge.language == "ko" else "auto",
    )
    pledge_note(pledge=pledge, note=f"{CARD_VISIT_NOTE} (card {card or 'none'})", source=DONOR)
    return url


def pledge_card_updated(*, pledge: Pledge) -> bool:
    """The donor is back from Stripe's card page: when the subscription's card changed since they went, record it
    and confirm it, once. False when nothing changed (the donor came back without a new card, or a reload)."""
    _running(pledge)
    card = gateway.subscription_retrieve(pledge.stripe_subscription_id).default_payment_method or "none"
    with transaction.atomic():
        Pledge.objects.select_for_update().get(pk=pledge.pk)
        visit = pledge.transitions.filter(note__startswith=CARD_VISIT_NOTE).last()
        if visit is None or visit.note.endswith(f"(card {card})"):
            return False
        if pledge.transitions.filter(note=f"{CARD_NOTE} ({card})").exists():
            return False
        pledge_note(pledge=pledge, note=f"{CARD_NOTE} ({card})", source=DONOR)
        _confirm(pledge, "card")
    return True


def pledge_set_sharing(*, pledge: Pledge, share: bool) -> bool:
    """Whether the organization sees the donor's name and email for this gift, from now on (reports and exports
    read it when they are made). Recorded; False when it already was so."""
    with transaction.atomic():
        updated = (
            Pledge.objects.filter(pk=pledge.pk, identity_erased_at__isnull=True)
            .exclude(share_identity=share)
            .update(share_identity=share, updated_at=timezone.now())
        )
        if updated:
            locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
            rollup_identity_changed(pledge=locked, shared_before=not share, email_before=locked.donor_email)
            note = (
                "the donor now shares their name with the organization"
                if share
                else ("the donor no longer shares their name with the organization")
            )
            pledge_note(pledge=pledge, note=note, source=DONOR)
            _confirm(pledge, "share_on" if share else "share_off")
    pledge.share_identity = share if updated else pledge.share_identity
    return bool(updated)
