from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orgs.seed import DEFAULT_DATA_FILE, SeedError, directory_load, read_data_file


class Command(BaseCommand):
    help = "Load the directory of organizations from its data file. Safe to run again: unchanged entries are skipped."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_DATA_FILE, help="TOML data file to load.")

    def handle(self, *args, **options):
        try:
            report = directory_load(data=read_data_file(options["file"]))
        except SeedError as exc:
            raise CommandError(f"Nothing was loaded: {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"Directory loaded from {options['file']}: {report.total('created')} created, "
                f"{report.total('updated')} updated, {report.total('unchanged')} unchanged."
            )
        )
