"""restore_catalogue PATH [--force]: a backup into an empty database (practices.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from practices.backup import RestoreError, catalogue_restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by backup_catalogue into an empty, migrated database, "
        "atomically. Refuses when the catalogue's tables hold data, unless --force, which "
        "deletes the catalogue first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The backup file (.json or .json.gz).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Delete every row of the catalogue's tables before restoring.",
        )

    def handle(self, *args, path, force, **options):
        try:
            counts = catalogue_restore(path=path, force=force)
        except RestoreError as error:
            raise CommandError(f"Nothing was restored. {error}") from None
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count}")
        self.stdout.write(f"Restored {sum(counts.values())} rows from {path}.")
