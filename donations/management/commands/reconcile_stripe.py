from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from donations import stripe_gateway as gateway
from donations.services.reconcile import stripe_reconcile


class Command(BaseCommand):
    help = (
        "Bring pledges, payments and refunds in line with Stripe: re-fetch Checkout Sessions of pledges left "
        "pending, and apply recent events the webhook missed. Running it twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--pending-minutes",
            type=int,
            default=settings.PLEDGE_PENDING_RECONCILE_MINUTES,
            help="Re-fetch pledges still pending after this many minutes.",
        )
        parser.add_argument("--event-hours", type=int, default=72, help="Replay events from the last N hours.")

    def handle(self, *args, **options):
        try:
            report = stripe_reconcile(
                pending_older_than=timedelta(minutes=options["pending_minutes"]),
                events_since=timedelta(hours=options["event_hours"]),
            )
        except gateway.StripeUnavailable as exc:
            raise CommandError(f"Stripe could not be reached; nothing more was changed: {exc}") from exc
        for line in report.outcomes:
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {report.sessions_checked} session(s); {report.events_applied} of {report.events_seen} "
                f"event(s) were new; {report.unreachable} session(s) could not be fetched."
            )
        )
