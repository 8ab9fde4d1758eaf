"""The one function that moves a pledge's status, and the table of allowed moves."""

import enum
import logging

from django.db import transaction
from django.utils import timezone

from common.audit import audit_changes
from donations.models import Pledge, PledgeStatus, PledgeTransition
from donations.services.rollups import rollup_pledge

logger = logging.getLogger(__name__)

S = PledgeStatus
ALLOWED: dict[str, set[str]] = {
    # CANCELED from the start: a subscription's deletion can arrive before the events that activated it.
    S.PENDING: {S.PROCESSING, S.PAID, S.ACTIVE, S.FAILED, S.ABANDONED, S.EXPIRED, S.CANCELED},
    # A donor who cancelled at Checkout may still have paid on that session if expiring it failed.
    S.ABANDONED: {S.PROCESSING, S.PAID, S.ACTIVE, S.EXPIRED, S.CANCELED},
    S.PROCESSING: {S.PAID, S.ACTIVE, S.FAILED, S.CANCELED},
    S.PAID: {S.REFUNDED},
    S.ACTIVE: {S.PAST_DUE, S.CANCELED},
    S.PAST_DUE: {S.ACTIVE, S.CANCELED},
    S.FAILED: set(),
    S.EXPIRED: set(),
    S.REFUNDED: {S.PAID},  # its refund failed afterwards: the money stayed with the organization
    S.CANCELED: set(),
}


class Moved(enum.Enum):
    MOVED = "moved"
    ALREADY = "already there"
    REFUSED = "refused"


def _notify_donor(transition: PledgeTransition) -> None:
    """A stopped monthly gift or a failed payment: the donor hears of it once, after the move commits."""
    from donations.tasks import STATUS_NOTICES, send_status_notice

    if transition.to_status in STATUS_NOTICES:
        transaction.on_commit(lambda: send_status_notice.enqueue(transition_id=transition.pk))


def pledge_transition(*, pledge: Pledge, to: str, source: str, stripe_event_id: str = "", note: str = "") -> Moved:
    """Move a pledge to `to`, under a row lock; record the move. Idempotent; refuses illegal moves.

    A refused move (a late 'failed' after 'paid', say) changes nothing and is logged, not raised:
    Stripe's events arrive in any order and the end state must stay right.
    """
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        current = locked.status
        if current == to:
            result = Moved.ALREADY
        elif to not in ALLOWED[current]:
            logger.info("pledge %s: move %s -> %s refused (%s)", locked.reference, current, to, source)
            result = Moved.REFUSED
        else:
            Pledge.objects.filter(pk=locked.pk).update(status=to, updated_at=timezone.now())
            audit_changes(locked, {"status": (current, to)})  # staff's moves (stop, refund) in the audit trail
            rollup_pledge(pledge=locked, before=current, after=to)
            transition = PledgeTransition.objects.create(
                pledge=locked,
                from_status=current,
                to_status=to,
                source=source,
                stripe_event_id=stripe_event_id,
                note=note,
            )
            _notify_donor(transition)
            result = Moved.MOVED
    pledge.status = to if result is Moved.MOVED else current
    return result


def pledge_note(*, pledge: Pledge, note: str, source: str, stripe_event_id: str = "") -> PledgeTransition:
    """Write a line in a pledge's history without moving it (a declined payment, Stripe's view of a subscription):
    a record from its status to the same status, so staff read it among the moves."""
    with transaction.atomic():
        current = Pledge.objects.select_for_update().values_list("status", flat=True).get(pk=pledge.pk)
        return PledgeTransition.objects.create(
            pledge_id=pledge.pk,
            from_status=current,
            to_status=current,
            source=source,
            stripe_event_id=stripe_event_id,
            note=note[:300],
        )
