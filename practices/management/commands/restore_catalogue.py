"""restore_catalogue PATH [--force] [--with-accounts]: a backup into an empty database
(practices.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from practices.backup import Restored, RestoreError, catalogue_restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by backup_catalogue into an empty, migrated database, "
        "atomically, after checking it against its manifest (format, migrations, every "
        "table's row count and checksum). Refuses when the catalogue's tables hold data, "
        "unless --force, which deletes the catalogue first. Existing accounts are left as "
        "they are unless --with-accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The backup file (.json or .json.gz).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Delete every row of the catalogue's tables before restoring.",
        )
        parser.add_argument(
            "--with-accounts",
            action="store_true",
            help=(
                "Write the file's users and groups (password hashes, flags, groups, "
                "permissions), overwriting accounts of the same name. Without it, existing "
                "accounts are left as they are and missing ones are created inactive, "
                "with no usable password and no groups."
            ),
        )

    def handle(self, *args, path, force, with_accounts, **options):
        try:
            restored = catalogue_restore(path=path, force=force, with_accounts=with_accounts)
        except RestoreError as error:
            raise CommandError(f"Nothing was restored. {error}") from None
        for label, count in restored.rows.items():
            self.stdout.write(f"{label}: {count}")
        self.stdout.write(self.accounts_line(restored, with_accounts=with_accounts))
        self.stdout.write(f"Restored {sum(restored.rows.values())} catalogue rows from {path}.")

    def accounts_line(self, restored: Restored, *, with_accounts: bool) -> str:
        """What the restore did with accounts, in words."""
        accounts = restored.accounts
        if with_accounts:
            return (
                f"Accounts from the file: {accounts['accounts created']} created, "
                f"{accounts['accounts overwritten']} overwritten; groups: "
                f"{accounts['groups created']} created, {accounts['groups overwritten']} "
                "overwritten."
            )
        return (
            f"Accounts: {accounts['matched']} matched by username and left as they are, "
            f"{accounts['created']} created inactive (no usable password, no groups). "
            "The file's passwords, groups and permissions were not restored "
            "(--with-accounts writes them)."
        )
