"""backup_catalogue PATH: the whole catalogue to one file (practices.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from practices.backup import catalogue_backup


class Command(BaseCommand):
    help = (
        "Write the whole catalogue (reference data, sources, records and their relations, "
        "their history, and the users and groups they refer to) to PATH as one JSON "
        "document, with a manifest of migrations and of each table's row count and "
        "checksum; gzip-compressed when PATH ends in .gz. Load it with restore_catalogue."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The file to write, e.g. catalogue.json.gz.")

    def handle(self, *args, path, **options):
        if not path.parent.is_dir():
            raise CommandError(f"No folder {path.parent} to write the backup in.")
        counts = catalogue_backup(path=path)
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count}")
        size = path.stat().st_size
        self.stdout.write(
            f"Wrote {sum(counts.values())} rows of {len(counts)} tables, with their "
            f"manifest, to {path} ({size:,} bytes)."
        )
