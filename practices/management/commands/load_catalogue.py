from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from practices.services import DATA_DIR, LoadError, catalogue_load


class Command(BaseCommand):
    help = (
        "Load the reference data (regions, countries, GCM objectives, principles, themes, "
        "organisations) and the curated catalogue from practices/data/. Idempotent and atomic."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir", type=Path, default=DATA_DIR, help="Folder of the curated data files."
        )

    def handle(self, *args, data_dir, **options):
        try:
            report = catalogue_load(data_dir=data_dir)
        except LoadError as error:
            raise CommandError(f"Nothing was loaded. {error}") from None
        for line in report.lines():
            self.stdout.write(line)
