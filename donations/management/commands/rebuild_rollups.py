from django.core.management.base import BaseCommand, CommandError

from donations.services.rollups import rollup_differences, rollup_rebuild
from orgs.models import Organization


class Command(BaseCommand):
    help = (
        "Recompute the reports' totals (payments, amounts received and refunded per day; pledges per status; donors "
        "who shared their identity) from the raw pledges, payments and refunds. The services keep them up to date on "
        "every write; run this after changing those rows by other means (SQL, a data import) or a change of "
        "TIME_ZONE. --check only compares. Running it twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", action="append", default=[], metavar="SLUG", help="Only these.")
        parser.add_argument(
            "--check", action="store_true", help="Compare with the raw rows, change nothing; fail on a difference."
        )

    def handle(self, *args, **options):
        ids = None
        if options["organization"]:
            found = dict(Organization.objects.filter(slug__in=options["organization"]).values_list("slug", "pk"))
            missing = sorted(set(options["organization"]) - set(found))
            if missing:
                raise CommandError(f"No organization with the slug {', '.join(missing)}.")
            ids = list(found.values())
        if options["check"]:
            differences = rollup_differences(ids)
            for key, stored, raw in differences[:20]:
                self.stdout.write(f"{key}: stored {stored}, raw {raw}")
            if differences:
                raise CommandError(f"{len(differences)} total(s) differ from the raw rows; run rebuild_rollups.")
            self.stdout.write(self.style.SUCCESS("The totals equal the raw rows."))
            return
        rows = rollup_rebuild(organization_ids=ids)
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt {rows} row(s) of totals from the raw pledges, payments and refunds.")
        )
