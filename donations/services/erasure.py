"""Forgetting donors: their name, email, dedication and Stripe customer ids, never the money.

A pledge's identity is erased by the retention rule (`erase_donor_data`, DONOR_DATA_RETENTION_DAYS after its last
payment; 30 days after a gift that was never paid) or when the donor asks on their page. Amounts, currency, dates,
organization, program, status, history and references stay, so reports and accounts stay true. A pledge inside an
open dispute, or under a legal hold set by staff, keeps its identity until the dispute closes or the hold is lifted.
Erasure is one way: an erased pledge has nothing left to restore.

The Stripe events the portal keeps (the admin's event log) are scrubbed of the donor's email and name too.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from common.audit import audit_changes
from donations import stripe_gateway as gateway
from donations.models import (
    Dispute,
    DonorLink,
    Payment,
    Pledge,
    PledgeStatus,
    PledgeTransition,
    StripeEvent,
    UpdateEmail,
)
from donations.services.pledges import pledge_stop_monthly
from donations.services.rollups import rollup_identity_changed
from donations.services.transitions import pledge_note

logger = logging.getLogger(__name__)
S = PledgeStatus
NEVER_PAID_DAYS = 30
NEVER_PAID = (S.ABANDONED, S.EXPIRED, S.FAILED)
ERASED = "[erased]"


class Blocked(Exception):
    """This pledge's identity must be kept for now (open dispute or legal hold)."""


def _open_dispute() -> Exists:
    return Exists(Dispute.objects.open().filter(payment__pledge=OuterRef("pk")))


def erasable() -> QuerySet:
    """Pledges whose identity may be erased now: not erased yet, no legal hold, no open dispute."""
    return Pledge.objects.filter(identity_erased_at__isnull=True, legal_hold=False).exclude(_open_dispute())


def blocked_reason(pledge: Pledge) -> str:
    """ "" when the pledge's identity may be erased; else why not ("dispute" or "legal_hold")."""
    if pledge.legal_hold:
        return "legal_hold"
    if Dispute.objects.open().filter(payment__pledge=pledge).exists():
        return "dispute"
    return ""


def _scrub(value, secrets_: list[str]):
    if isinstance(value, str):
        for secret in secrets_:
            if secret and secret.lower() in value.lower():
                return ERASED
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, secrets_) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, secrets_) for item in value]
    return value


def _scrub_events(email: str, name: str) -> int:
    """Replace the donor's email (and name) in the Stripe events kept for staff; the number of events changed."""
    if not email:
        return 0
    events = StripeEvent.objects.annotate(text=Cast("payload", CharField())).filter(text__icontains=email)
    changed = 0
    for event in events.only("pk", "payload"):
        StripeEvent.objects.filter(pk=event.pk).update(payload=_scrub(event.payload, [email, name]))
        changed += 1
    return changed


def pledge_erase_identity(*, pledge: Pledge, source: str, why: str) -> bool:
    """Erase one pledge's donor identity, under its row lock. False when already erased; Blocked when it must be
    kept (open dispute, legal hold). Amounts are never touched."""
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if locked.identity_erased_at is not None:
            return False
        reason = blocked_reason(locked)
        if reason:
            raise Blocked(reason)
        email, name, shared = locked.donor_email, locked.donor_name, locked.share_identity
        moment = timezone.now()
        Pledge.objects.filter(pk=locked.pk).update(
            donor_name="",
            donor_email="",
            dedication="",
            stripe_customer_id="",
            share_identity=False,
            wants_updates=False,
            identity_erased_at=moment,
            updated_at=moment,
        )
        locked.refresh_from_db()
        rollup_identity_changed(pledge=locked, shared_before=shared, email_before=email)
        pledge_note(pledge=locked, note=f"donor identity erased ({why})", source=source)
        still_used = Pledge.objects.filter(donor_email__iexact=email).exists() if email else False
        if not still_used:
            _scrub_events(email, name)
            if email:
                DonorLink.objects.filter(email__iexact=email).delete()
                UpdateEmail.objects.filter(donor_email__iexact=email).delete()  # queued or sent updates
    pledge.identity_erased_at = moment
    pledge.donor_name = pledge.donor_email = pledge.dedication = pledge.stripe_customer_id = ""
    pledge.share_identity = pledge.wants_updates = False
    return True


# -- the donor's request ------------------------------------------------------------------------------------------
@dataclass
class ErasureResult:
    stopped: list[str] = field(default_factory=list)  # references of monthly gifts stopped first
    erased: list[str] = field(default_factory=list)
    kept: list[tuple[Pledge, str]] = field(default_factory=list)  # (pledge, "dispute" | "legal_hold")
    customers_deleted: int = 0


def donor_erase(*, email: str) -> ErasureResult:
    """The donor asked to be forgotten: stop their monthly gifts, delete their Stripe customers (those no kept
    pledge needs), erase their identity from every pledge that is not in an open dispute or under a legal hold.

    Raises gateway.StripeUnavailable / StripeRejected before anything is erased if Stripe cannot stop a gift or
    delete a customer; running it again finishes the work (each step is idempotent)."""
    result = ErasureResult()
    pledges = list(Pledge.objects.filter(donor_email__iexact=email, identity_erased_at__isnull=True))
    for pledge in pledges:
        if pledge.is_monthly and pledge.status in (S.ACTIVE, S.PAST_DUE):
            pledge_stop_monthly(pledge=pledge, source=PledgeTransition.Source.DONOR)
            result.stopped.append(pledge.reference)
    kept = {pledge.pk: blocked_reason(pledge) for pledge in pledges}
    kept_customers = {p.stripe_customer_id for p in pledges if kept[p.pk] and p.stripe_customer_id}
    owners = {p.stripe_customer_id: p.reference for p in reversed(pledges) if p.stripe_customer_id}
    for customer_id in sorted(owners.keys() - kept_customers):
        gateway.customer_delete(customer_id, idempotency_key=f"pledge-{owners[customer_id]}-customer-delete")
        result.customers_deleted += 1
    for pledge in pledges:
        if kept[pledge.pk]:
            result.kept.append((pledge, kept[pledge.pk]))
            continue
        try:
            if pledge_erase_identity(pledge=pledge, source=PledgeTransition.Source.DONOR, why="the donor's request"):
                result.erased.append(pledge.reference)
        except Blocked as exc:  # a dispute opened meanwhile
            result.kept.append((pledge, str(exc)))
    logger.info("donor erasure: %d pledge(s) erased, %d kept", len(result.erased), len(result.kept))
    return result


# -- the retention rule -------------------------------------------------------------------------------------------
def retention_due(now=None) -> QuerySet:
    """Pledges whose identity the retention rule erases now: DONOR_DATA_RETENTION_DAYS after their last payment
    (a monthly gift only once stopped), or NEVER_PAID_DAYS after a gift that was never paid."""
    now = now or timezone.now()
    paid_before = now - timedelta(days=settings.DONOR_DATA_RETENTION_DAYS)
    never_paid_before = now - timedelta(days=NEVER_PAID_DAYS)
    last_payment = Payment.objects.filter(pledge=OuterRef("pk")).values("pledge").annotate(last=Max("paid_at"))
    has_payment = Exists(Payment.objects.filter(pledge=OuterRef("pk")))
    old_payments = Q(has_payment=True, last_paid__lt=paid_before) & ~Q(
        frequency="monthly", status__in=(S.ACTIVE, S.PAST_DUE)
    )
    never_paid = Q(has_payment=False, status__in=NEVER_PAID, updated_at__lt=never_paid_before)
    return (
        erasable()
        .annotate(has_payment=has_payment, last_paid=last_payment.values("last")[:1])
        .filter(old_payments | never_paid)
        .order_by("pk")
    )


def retention_run(*, batch_size: int = 500, dry_run: bool = False, now=None):
    """Erase (or, dry, list) what the retention rule says, in batches of `batch_size`; yields each pledge's
    reference and why, as it goes. Forgotten sign-in links are deleted too (not in a dry run)."""
    last_pk = 0
    while True:
        batch = list(retention_due(now).filter(pk__gt=last_pk).only("pk", "reference", "status")[:batch_size])
        if not batch:
            break
        for pledge in batch:
            last_pk = pledge.pk
            why = "never paid" if pledge.last_paid is None else f"last payment {pledge.last_paid:%Y-%m-%d}"
            if dry_run:
                yield pledge.reference, why
                continue
            try:
                if pledge_erase_identity(pledge=pledge, source=PledgeTransition.Source.RETENTION, why=why):
                    yield pledge.reference, why
            except Blocked:
                continue
    if not dry_run:
        links_forget(now=now)


def links_forget(*, now=None) -> int:
    """Delete sign-in links that can no longer be used and pages whose session has ended."""
    from donations.services.donor_access import LINK_MAX_AGE, SESSION_MAX_AGE

    now = now or timezone.now()
    unused = Q(used_at__isnull=True, created_at__lt=now - timedelta(seconds=LINK_MAX_AGE))
    ended = Q(used_at__lt=now - timedelta(seconds=SESSION_MAX_AGE))
    return DonorLink.objects.filter(unused | ended).delete()[0]


def pledge_set_legal_hold(*, pledge: Pledge, hold: bool, by: str) -> bool:
    """Staff keep (or stop keeping) a pledge's donor identity for a legal reason; recorded. False when already so.
    A hold on an erased pledge changes nothing: there is nothing left to keep."""
    with transaction.atomic():
        updated = (
            Pledge.objects.filter(pk=pledge.pk, identity_erased_at__isnull=True)
            .exclude(legal_hold=hold)
            .update(legal_hold=hold, updated_at=timezone.now())
        )
        if updated:
            note = f"legal hold {'set' if hold else 'lifted'} by staff ({by})"
            pledge_note(pledge=pledge, note=note, source=PledgeTransition.Source.STAFF)
            audit_changes(pledge, {"legal_hold": (not hold, hold)})  # the audit trail (a queryset update sends none)
    return bool(updated)
