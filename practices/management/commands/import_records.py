"""Import a CSV or XLSX file of records too big for the admin, all or nothing."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from practices import editing
from practices.models import RECORD_MODELS
from practices.resources import RECORD_RESOURCES, dataset_from_file, error_lines

KINDS = {model._meta.model_name: model for model in RECORD_MODELS}


class Command(BaseCommand):
    help = (
        "Import records from a CSV or XLSX file with the admin's columns and checks: if any "
        "row is bad, nothing is imported and every error is printed. Acts as the operator, "
        "or with --user as that account, under the same rules as the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a .csv or .xlsx file")
        parser.add_argument("--kind", choices=sorted(KINDS), default="practice")
        parser.add_argument("--user", help="check the rule table for this account")
        parser.add_argument("--dry-run", action="store_true", help="check, write nothing")

    def handle(self, *args, file: Path, kind: str, user: str | None, dry_run: bool, **options):
        model = KINDS[kind]
        account = self.account(user)
        try:
            dataset = dataset_from_file(file)
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{'Checking' if dry_run else 'Importing'} {model._meta.verbose_name_plural} "
            f"from {file.name} ({len(dataset):,} rows) as {account}."
        )
        result = RECORD_RESOURCES[model](diffs=False).import_data(
            dataset, dry_run=dry_run, user=account, file_name=file.name, progress=self.progress
        )
        self.end_progress()
        errors = error_lines(result)
        for line in errors:
            self.stderr.write(line)
        if errors:
            raise CommandError(
                f"{len(result.invalid_rows):,} bad rows, {len(result.base_errors)} other "
                "errors: nothing was imported."
            )
        totals = result.totals
        self.stdout.write(
            f"{'Would create' if dry_run else 'Created'} {totals['new']:,}, "
            f"{'update' if dry_run else 'updated'} {totals['update']:,}; "
            f"unchanged {result.unchanged_rows:,}, skipped {result.blank_rows:,} blank rows."
            + (" Dry run: nothing was written." if dry_run else "")
        )

    def account(self, username: str | None):
        """The account whose rights are checked; the operator's when none is named."""
        if not username:
            return editing.OPERATOR
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No account named {username!r}.") from None

    def progress(self, stage: str, done: int, total: int) -> None:
        """A line on a terminal, rewritten as the rows go by."""
        if not self.stderr.isatty():
            return
        text = f"{done:,} / {total:,} rows {stage}"
        if stage == "writing":
            text = f"writing {total:,} rows"
        self.stderr.write(f"\r  {text:<40}", style_func=str, ending="")
        self.stderr.flush()

    def end_progress(self) -> None:
        if self.stderr.isatty():
            self.stderr.write("")
