"""Restore a catalogue backup (backup_catalogue) into an empty, migrated database.

All or nothing, in one transaction. Rows keep their primary keys; the users in the file
are matched to existing accounts by username (and updated) or created. No history row
is written for the restored rows: the file brings the history with it. The database's
full-text triggers index the records as they are inserted, so search works at once.
"""

import gzip
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from practices.cache import catalogue_changed
from practices.management.commands.backup_catalogue import catalogue_models


class RestoreError(Exception):
    """A backup that cannot be restored here; nothing was written."""


def catalogue_restore(*, path: Path, force: bool = False) -> Counter:
    """Load the backup at `path`; with `force`, empty the catalogue's tables first."""
    if not path.is_file():
        raise RestoreError(f"There is no file {path}.")
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RestoreError("The database is not fully migrated: run migrate first.")
    models = catalogue_models()
    with transaction.atomic():
        held = {model: n for model in models if (n := model.objects.count())}
        if held and not force:
            listed = ", ".join(
                f"{n} {model._meta.verbose_name_plural}" for model, n in list(held.items())[:3]
            )
            raise RestoreError(
                f"The database already holds catalogue data ({listed}, in {len(held)} "
                "tables). Restore only into an empty, migrated database, or pass --force "
                "to delete the catalogue first."
            )
        if held:
            _flush()
        counts = _load(path, catalogue=set(models))
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [*models, get_user_model(), Group]
            ):
                cursor.execute(sql)
        tables = [model._meta.db_table for model in catalogue_models(include_auto_created=True)]
        try:
            connection.check_constraints(table_names=tables)
        except IntegrityError as error:
            raise RestoreError(f"The backup refers to rows it does not hold: {error}") from None
        catalogue_changed()
    return counts


def _flush() -> None:
    """Empty every table of the catalogue, relation tables included."""
    # On PostgreSQL, TRUNCATE refuses tables with deferred constraint checks pending.
    tables = [model._meta.db_table for model in catalogue_models(include_auto_created=True)]
    connection.check_constraints(table_names=tables)
    sql = connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
    connection.ops.execute_sql_flush(sql)


def _load(path: Path, *, catalogue: set) -> Counter:
    """Save each object of the file as it is, writing no history row for it."""
    counts: Counter = Counter()
    deferred = []
    relations = _RelationRows()
    accounts = {get_user_model(), Group}
    try:
        with _open(path) as handle:
            for item in serializers.deserialize("json", handle, handle_forward_references=True):
                model = type(item.object)
                if model not in catalogue | accounts:
                    raise RestoreError(
                        f"{path} holds {model._meta.label} rows: it is not a catalogue backup."
                    )
                # django-simple-history skips objects marked so, m2m changes included.
                item.object.skip_history_when_saving = True
                if model in accounts:  # matched to an existing account by natural key
                    item.save()
                else:  # into an empty table; the relation rows follow in bulk
                    relations.add(item)  # before save(), which drops them
                    item.save(save_m2m=False, force_insert=True)
                if item.deferred_fields:
                    deferred.append(item)
                counts[model._meta.label] += 1
            relations.flush()
            for item in deferred:
                item.save_deferred_fields()
    except (OSError, EOFError) as error:
        raise RestoreError(f"{path} cannot be read: {error}") from None
    except (DeserializationError, DatabaseError) as error:
        raise RestoreError(f"{path} cannot be restored: {error}") from None
    if not counts:
        raise RestoreError(f"{path} holds no rows.")
    return counts


class _RelationRows:
    """Rows of the to-many relation tables, inserted in batches: far fewer queries than a
    set() per record and relation, and no m2m_changed signal for each."""

    BATCH_SIZE = 5000

    def __init__(self):
        self.rows: dict = {}

    def add(self, item) -> None:
        for name, targets in (item.m2m_data or {}).items():
            field = item.object._meta.get_field(name)
            through = field.remote_field.through
            source = f"{field.m2m_field_name()}_id"
            target = f"{field.m2m_reverse_field_name()}_id"
            rows = self.rows.setdefault(through, [])
            rows += [through(**{source: item.object.pk, target: pk}) for pk in targets]
            if len(rows) >= self.BATCH_SIZE:
                self.flush(through)

    def flush(self, through=None) -> None:
        for model in [through] if through else list(self.rows):
            model.objects.bulk_create(self.rows.pop(model), batch_size=self.BATCH_SIZE)


def _open(path: Path):
    """The file as text, gunzipped if it is gzip-compressed, whatever its name."""
    with path.open("rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    if compressed:
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


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
