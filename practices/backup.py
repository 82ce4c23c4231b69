"""Back up the whole catalogue to one file, and restore it into an empty database.

`catalogue_backup()` writes a Django fixture (JSON, gzip-compressed when the name ends in
.gz): the users the catalogue refers to (as editors in its history, or as publishers) and
their groups, then every table of the practices app in load order: reference data,
sources, the four kinds of record with their relations, and their history
(django-simple-history's tables, m2m history included). Users, groups, permissions and
content types are written by natural key, so the file loads into any freshly migrated
database. The search column is left out: the database's triggers rebuild it on restore.
The file holds password hashes: it is created readable by its owner only.

`catalogue_restore()` loads such a file into an empty, migrated database, all or nothing,
in one transaction. Rows keep their primary keys; the users in the file are matched to
existing accounts by username (and updated) or created. No history row is written for the
restored rows: the file brings the history with it. The database's full-text triggers
index the records as they are inserted, so search works at once.

The commands backup_catalogue and restore_catalogue call these.
"""

import datetime
import gzip
import io
import os
import tempfile
from collections import Counter
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.postgres.search import SearchVectorField
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Prefetch
from simple_history.models import HistoricalChanges

from practices.cache import catalogue_changed

# Cache bookkeeping (practices.cache), not catalogue data: never backed up or restored.
NOT_CATALOGUE = {"cataloguestate"}


def catalogue_models(*, include_auto_created: bool = False) -> list:
    """The practices app's catalogue tables in load order: current rows, then history."""
    models = [
        model
        for model in apps.get_app_config("practices").get_models(
            include_auto_created=include_auto_created
        )
        if model._meta.model_name not in NOT_CATALOGUE
    ]
    # History last, in a fixed order: simple-history registers its m2m tables in an order
    # that varies from one process to the next.
    current = [model for model in models if not issubclass(model, HistoricalChanges)]
    history = [model for model in models if issubclass(model, HistoricalChanges)]
    return current + sorted(history, key=lambda model: model._meta.label)


class BackupEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but keeping microseconds: a restore gives back the same times."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class BackupSerializer(JSONSerializer):
    """The JSON serializer without the search column, which each database keeps itself."""

    def handle_field(self, obj, field):
        if not isinstance(field, SearchVectorField):
            super().handle_field(obj, field)

    def handle_m2m_field(self, obj, field):
        # Django's serializer builds a related queryset per object and field even when the
        # rows are prefetched; at 100,000 records that is most of the time. Primary keys
        # of prefetched rows are written as they are; anything else goes the usual way.
        prefetched = getattr(obj, "_prefetched_objects_cache", {}).get(field.name)
        if prefetched is None or hasattr(field.remote_field.model, "natural_key"):
            super().handle_m2m_field(obj, field)
        elif field.remote_field.through._meta.auto_created:
            self._current[field.name] = [related.pk for related in prefetched]


def catalogue_backup(*, path: Path) -> Counter:
    """Write the catalogue to `path` in one consistent read; return the rows by table."""
    counts: Counter = Counter()
    repeatable_read = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if repeatable_read:  # every table read from the same snapshot
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        models = catalogue_models()
        user_model = get_user_model()
        users = (
            user_model.objects.filter(pk__in=_referenced_users(models))
            .order_by(user_model.USERNAME_FIELD)
            .prefetch_related("groups", _permissions("user_permissions"))
        )
        groups = (
            Group.objects.filter(user__in=users)
            .distinct()
            .order_by("name")
            .prefetch_related(_permissions("permissions"))
        )
        querysets = [groups, users, *(_rows(model) for model in models)]
        _write_atomically(path, _counted(querysets, counts))
    return counts


def _referenced_users(models) -> set[int]:
    """Users a catalogue row points to: history_user, published_by."""
    user_model = get_user_model()
    ids: set[int] = set()
    for model in models:
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is user_model:
                ids.update(
                    model.objects.filter(**{f"{field.attname}__isnull": False})
                    .values_list(field.attname, flat=True)
                    .distinct()
                )
    return ids


def _permissions(lookup: str) -> Prefetch:
    return Prefetch(lookup, queryset=Permission.objects.select_related("content_type"))


def _rows(model):
    """All rows of a table by primary key, to-many relations fetched a chunk at a time."""
    related = [
        Prefetch(field.name, queryset=field.related_model.objects.order_by("pk").only("pk"))
        for field in model._meta.many_to_many
    ]
    return model.objects.order_by("pk").prefetch_related(*related).iterator(chunk_size=2000)


def _counted(querysets, counts: Counter):
    for queryset in querysets:
        for obj in queryset:
            counts[obj._meta.label] += 1
            yield obj


def _write_atomically(path: Path, objects) -> None:
    """Serialize to a temporary file beside `path`, then move it into place: a failed
    backup never leaves a half-written file under the wanted name."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with open(handle, "wb") as raw:
            binary = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if path.suffix == ".gz" else raw
            with io.TextIOWrapper(binary, encoding="utf-8") as text:
                BackupSerializer().serialize(
                    objects,
                    stream=text,
                    use_natural_foreign_keys=True,
                    use_natural_primary_keys=True,
                    cls=BackupEncoder,
                )
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
