"""Publish the updates whose delay has passed (approved by staff), and email them to the donors who asked.

Run from cron (e.g. hourly). Idempotent and safe to run twice at once: each update is published once, its emails
queued once, and each email sent once per donor (donations.services.updates, donations.tasks.send_update_email).
"""

from django.core.management.base import BaseCommand

from donations.services.updates import update_mailings_queue
from orgs.updates.services import update_publish_due


class Command(BaseCommand):
    help = "Publish due, approved updates (bumping the public pages' cache) and email them to opted-in donors."

    def handle(self, *args, **options) -> None:
        published = update_publish_due()
        queued = update_mailings_queue()
        self.stdout.write(f"published {len(published)} update(s); queued {queued} email(s)")
