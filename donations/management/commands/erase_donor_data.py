from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from donations.services.erasure import NEVER_PAID_DAYS, retention_run


class Command(BaseCommand):
    help = (
        "The retention rule: erase donors' names, emails, dedications and Stripe customer ids "
        f"DONOR_DATA_RETENTION_DAYS after a pledge's last payment, and {NEVER_PAID_DAYS} days after a gift that was "
        "never paid (abandoned, expired, failed). Amounts, dates and references stay. Pledges in an open dispute or "
        "under a legal hold are kept. Run it daily; running it twice changes nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be erased; change nothing.")
        parser.add_argument("--batch-size", type=int, default=500, help="Pledges per batch (at least 1).")

    def handle(self, *args, dry_run: bool = False, batch_size: int = 500, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        verb = "would erase" if dry_run else "erased"
        count = 0
        for reference, why in retention_run(batch_size=batch_size, dry_run=dry_run):
            self.stdout.write(f"{verb} pledge {reference} ({why})")
            count += 1
        days = settings.DONOR_DATA_RETENTION_DAYS
        summary = f"{count} pledge(s) {verb} (retention {days} days after the last payment, {NEVER_PAID_DAYS} unpaid)."
        self.stdout.write(self.style.SUCCESS(summary) if not dry_run else summary)
