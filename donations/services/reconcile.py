"""Bringing the records in line with Stripe after webhooks were missed (an endpoint that was down)."""

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from donations import stripe_gateway as gateway
from donations.models import Outcome, Pledge, PledgeStatus, PledgeTransition
from donations.services.events import event_process
from donations.services.fulfilment import checkout_session_apply

logger = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    sessions_checked: int = 0
    events_seen: int = 0
    events_applied: int = 0
    outcomes: list[str] = field(default_factory=list)
    unreachable: int = 0


def stripe_reconcile(*, pending_older_than: timedelta, events_since: timedelta) -> ReconcileReport:
    """Re-fetch pledges left pending or processing, then replay recent events not yet recorded. Safe to repeat."""
    report = ReconcileReport()
    cutoff = timezone.now() - pending_older_than
    stale = Pledge.objects.filter(
        status__in=[PledgeStatus.PENDING, PledgeStatus.PROCESSING, PledgeStatus.ABANDONED],
        created_at__lt=cutoff,
        stripe_checkout_session_id__isnull=False,
    ).values_list("stripe_checkout_session_id", flat=True)
    for session_id in stale.iterator():
        try:
            session = gateway.checkout_session_retrieve(session_id)
        except (gateway.StripeUnavailable, gateway.StripeRejected) as exc:
            logger.warning("reconcile: session %s not retrieved (%s)", session_id, exc)
            report.unreachable += 1
            continue
        report.sessions_checked += 1
        outcome = checkout_session_apply(session=session, source=PledgeTransition.Source.RECONCILE)
        report.outcomes.append(f"{session_id}: {outcome}")
    since = int(time.time() - events_since.total_seconds())
    for event in gateway.events_list(created_gte=since):
        report.events_seen += 1
        outcome = event_process(event=event, source=PledgeTransition.Source.RECONCILE)
        if outcome != Outcome.DUPLICATE:
            report.events_applied += 1
            report.outcomes.append(f"{event.id} {event.type}: {outcome}")
    return report
