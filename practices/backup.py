"""Back up the whole catalogue to one file, and restore it into an empty database.

`catalogue_backup()` writes one JSON document (gzip-compressed when the name ends in .gz):

    {"format": "gfmd-catalogue-backup", "version": 2,
     "objects": [<Django fixture objects, one a line>],
     "manifest": {"written_at": ..., "migrations": {"auth": ..., "practices": ...},
                  "tables": {"practices.country": {"rows": 249, "sha256": ...}, ...}}}

The objects are the users the catalogue refers to (as editors in its history, or as
publishers) and their groups, then every table of the practices app in load order:
reference data, sources, the four kinds of record with their relations, and their history
(django-simple-history's tables, m2m history included). Users, groups, permissions and
content types are written by natural key, so the file loads into any freshly migrated
database. The search column is left out: the database's triggers rebuild it on restore.
The objects are streamed to the file; each table's row count and checksum (sha256 over
its objects' canonical JSON, see `object_json()`, in file order) are computed on the way
and written in the manifest at the end, with the latest migration of each app whose
tables the file holds. The file holds password hashes: it is created readable by its
owner only.

`catalogue_restore()` reads the file and checks it against its manifest before touching
the database: a file that is not JSON, not UTF-8, truncated, of another format version,
written at another migration, missing any table, or whose rows do not match the counts
and checksums is refused with the reason. It then loads the file into an empty, migrated
database, all or nothing, in one transaction. Rows keep their primary keys. Accounts are
never overwritten silently: by default the users the file names are matched to existing
accounts by username and left exactly as they are; missing ones are created inactive,
with no usable password and no groups, so the history keeps its names. With
`with_accounts`, the file's groups and users (password hashes, flags, groups,
permissions) are written, overwriting same-named ones. No history row is written for the
restored rows: the file brings the history with it. The database's full-text triggers
index the records as they are inserted, so search works at once.

The commands backup_catalogue and restore_catalogue call these.
"""

import datetime
import gzip
import hashlib
import io
import json
import os
import tempfile
import zlib
from collections import Counter
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.models import Prefetch
from simple_history.models import HistoricalChanges

from practices import summary
from practices.cache import catalogue_changed

FORMAT = "gfmd-catalogue-backup"
# 1: a bare list of fixture objects (no manifest); 2: the document described above.
FORMAT_VERSION = 2
GZIP_MAGIC = b"\x1f\x8b"

# Bookkeeping, not catalogue data: never backed up or restored. The cache's generation
# (practices.cache) moves on; the counts (practices.summary) are counted afresh.
NOT_CATALOGUE = {"cataloguestate", "recordcount"}
# In load order: the submissions app's rows refer to the practices app's.
CATALOGUE_APPS = ("practices", "submissions")

# Tables without which no catalogue exists: a backup holding none of their rows is refused.
REFERENCE_TABLES = ("practices.region", "practices.country", "practices.objective")


def catalogue_models(*, include_auto_created: bool = False) -> list:
    """The practices app's catalogue tables in load order: current rows, then history."""
    models = [
        model
        for app_label in catalogue_apps()
        for model in apps.get_app_config(app_label).get_models(
            include_auto_created=include_auto_created
        )
        if model._meta.model_name not in NOT_CATALOGUE
    ]
    # History last, in a fixed order: simple-history registers its m2m tables in an order
    # that varies from one process to the next.
    current = [model for model in models if not issubclass(model, HistoricalChanges)]
    history = [model for model in models if issubclass(model, HistoricalChanges)]
    return current + sorted(history, key=lambda model: model._meta.label)


def catalogue_apps() -> list[str]:
    """The apps whose tables are the catalogue: its records, and the submissions and
    reviews that refer to them (a restore that left those out could not empty the
    records' tables on PostgreSQL, nor give back a practice's submission)."""
    return [label for label in CATALOGUE_APPS if apps.is_installed(label)]


def backup_tables() -> list[str]:
    """Every table a backup holds, as the manifest names them, in file order."""
    models = [Group, get_user_model(), *catalogue_models()]
    return [model._meta.label_lower for model in models]


def account_tables() -> set[str]:
    """The tables of accounts and groups, which a restore treats apart."""
    return {Group._meta.label_lower, get_user_model()._meta.label_lower}


def object_json(obj: dict) -> str:
    """An object's canonical JSON: what is written to the file and what is checksummed."""
    return json.dumps(
        obj, cls=BackupEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


class TableDigest:
    """A table's row count and the sha256 of its objects' canonical JSON, in file order."""

    def __init__(self):
        self.rows = 0
        self.hash = hashlib.sha256()

    def add(self, text: str) -> None:
        self.rows += 1
        self.hash.update(text.encode("utf-8"))
        self.hash.update(b"\n")

    def as_dict(self) -> dict:
        return {"rows": self.rows, "sha256": self.hash.hexdigest()}


def manifest_tables(objects: list[dict]) -> dict[str, dict]:
    """Each table's count and checksum over `objects`, as a manifest holds them."""
    digests: dict[str, TableDigest] = {}
    for obj in objects:
        digests.setdefault(obj["model"], TableDigest()).add(object_json(obj))
    return {label: digest.as_dict() for label, digest in digests.items()}


def latest_migrations(*, loader: MigrationLoader | None = None) -> dict[str, str]:
    """The latest applied migration of each app whose tables a backup holds."""
    loader = loader or MigrationLoader(connection)
    graph = loader.graph
    latest = {}
    labels = {*catalogue_apps(), Group._meta.app_label, get_user_model()._meta.app_label}
    for app_label in sorted(labels):
        ours = {key for key in loader.applied_migrations if key[0] == app_label}
        # The latest: applied, and no applied migration of the app comes after it.
        leaves = {
            key
            for key in ours & set(graph.nodes)
            if not ours & {child.key for child in graph.node_map[key].children}
        }
        latest[app_label] = ", ".join(sorted(name for _, name in leaves))
    return latest


class BackupEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but keeping microseconds: a restore gives back the same times."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class BackupSerializer(JSONSerializer):
    """Each object as its canonical JSON on a line, counted and checksummed by table."""

    def __init__(self, *, digests: dict[str, TableDigest]):
        self.digests = digests

    def start_serialization(self):
        # Only the objects, no brackets: the document around them is _write()'s.
        self._init_options()

    def end_serialization(self):
        pass

    def end_object(self, obj):
        dump = self.get_dump_object(obj)
        text = object_json(dump)
        self.digests[dump["model"]].add(text)
        self.stream.write("\n" if self.first else ",\n")
        self.stream.write(text)
        self._current = None

    def handle_field(self, obj, field):
        # The search column is left out: each database keeps its own.
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
        objects = chain(groups, users, *(_rows(model) for model in models))
        digests = {label: TableDigest() for label in backup_tables()}
        migrations = latest_migrations()
        _write_atomically(path, lambda stream: _write(stream, objects, digests, migrations))
    return Counter({label: digest.rows for label, digest in digests.items()})


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


def _write(stream, objects, digests: dict[str, TableDigest], migrations: dict) -> None:
    """The document: its kind, the objects as they stream, then the manifest."""
    stream.write(f'{{"format":"{FORMAT}","version":{FORMAT_VERSION},"objects":[')
    BackupSerializer(digests=digests).serialize(
        objects, stream=stream, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    manifest = {
        "written_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "migrations": migrations,
        "tables": {label: digest.as_dict() for label, digest in digests.items()},
    }
    stream.write('\n],\n"manifest":')
    stream.write(json.dumps(manifest, indent=1))
    stream.write("}\n")


def _write_atomically(path: Path, write) -> None:
    """Write to a temporary file beside `path`, then move it into place: a failed backup
    never leaves a half-written file under the wanted name."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with open(handle, "wb") as raw:
            binary = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if path.suffix == ".gz" else raw
            with io.TextIOWrapper(binary, encoding="utf-8") as text:
                write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class RestoreError(Exception):
    """A backup that cannot be restored here; nothing was written."""


@dataclass
class Restored:
    """What a restore wrote: catalogue rows by table, and what it did with accounts."""

    rows: Counter
    accounts: Counter


def catalogue_restore(*, path: Path, force: bool = False, with_accounts: bool = False) -> Restored:
    """Check the backup at `path` against its manifest, then load it, all or nothing."""
    if not path.is_file():
        raise RestoreError(f"There is no file {path}.")
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RestoreError("The database is not fully migrated: run migrate first.")
    objects, manifest = _read(path)
    _verify(path, objects=objects, manifest=manifest, loader=executor.loader)
    models = catalogue_models()
    with transaction.atomic():
        _make_room(models, force=force)
        accounts = _accounts_restore(path, objects, with_accounts=with_accounts)
        rows = _load(path, objects)
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
        summary.rebuild()
        catalogue_changed()
    return Restored(rows=rows, accounts=accounts)


def _read(path: Path) -> tuple[list, dict]:
    """The file's objects and manifest, or a RestoreError saying what the file is instead."""
    text = _text(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise RestoreError(_json_failure(path, text, error)) from None
    except RecursionError:
        raise RestoreError(f"{path} is not a catalogue backup: its JSON nests too deep.") from None
    del text  # the parsed objects are enough; the text may be hundreds of megabytes
    if isinstance(document, list):
        raise RestoreError(
            f"{path} is not a catalogue backup with a manifest: it is a bare list of objects "
            "(a Django fixture, or a backup written before backups carried a manifest), so "
            "nothing in it can be checked."
        )
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RestoreError(
            f'{path} is not a catalogue backup: it is JSON, but does not say "format": '
            f'"{FORMAT}" (a foreign file).'
        )
    version = document.get("version")
    if version != FORMAT_VERSION:
        raise RestoreError(
            f"{path} is a catalogue backup in format version {version!r}; this version of "
            f"the application reads format version {FORMAT_VERSION} only."
        )
    objects, manifest = document.get("objects"), document.get("manifest")
    if not isinstance(objects, list) or not _well_formed(manifest):
        raise RestoreError(
            f"{path} has no complete manifest (migrations, and rows and sha256 per table): "
            "the file is incomplete or was edited."
        )
    return objects, manifest


def _text(path: Path) -> str:
    """The file as text, gunzipped if it is gzip-compressed, whatever its name."""
    try:
        data = path.read_bytes()
        if data[:2] == GZIP_MAGIC:
            data = gzip.decompress(data)
        return data.decode("utf-8-sig")  # a byte order mark, if an editor added one, is fine
    except EOFError:
        raise RestoreError(
            f"{path} is truncated: its gzip data ends before the end-of-stream marker."
        ) from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise RestoreError(f"{path} is damaged: its gzip data cannot be read ({error}).") from None
    except UnicodeDecodeError as error:
        raise RestoreError(
            f"{path} is not UTF-8 text (bad encoding: byte {error.object[error.start]:#04x} at "
            f"offset {error.start} is not UTF-8): a catalogue backup is UTF-8 JSON."
        ) from None
    except OSError as error:
        raise RestoreError(f"{path} cannot be read: {error.strerror or error}.") from None


def _json_failure(path: Path, text: str, error: json.JSONDecodeError) -> str:
    """Why the text is not a JSON document: cut short, not JSON at all, or damaged."""
    where = f"line {error.lineno}, column {error.colno}"
    rest = text[error.pos :].strip()
    cut = (
        error.pos >= len(text.rstrip())
        or error.msg.startswith("Unterminated string")
        or any(literal.startswith(rest) for literal in ("true", "false", "null"))
    )
    if not text.strip():
        return f"{path} is empty: not a catalogue backup."
    if cut:
        return f"{path} is truncated: its JSON stops at {where}, before the document ends."
    if text.lstrip()[:1] not in ("{", "["):
        return f"{path} is not JSON ({error.msg} at {where}): not a catalogue backup."
    return f"{path} is not valid JSON ({error.msg} at {where}): the file is damaged or was edited."


def _well_formed(manifest) -> bool:
    """Whether the manifest has the shape a backup writes (its content is checked later)."""
    if not isinstance(manifest, dict):
        return False
    migrations, tables = manifest.get("migrations"), manifest.get("tables")
    return (
        isinstance(migrations, dict)
        and isinstance(tables, dict)
        and all(
            isinstance(entry, dict)
            and isinstance(entry.get("rows"), int)
            and isinstance(entry.get("sha256"), str)
            for entry in tables.values()
        )
    )


def _verify(path: Path, *, objects: list, manifest: dict, loader: MigrationLoader) -> None:
    """Refuse other migrations, missing tables, and rows that do not match the manifest."""
    _verify_migrations(path, written=manifest["migrations"], loader=loader)
    tables = manifest["tables"]
    expected = backup_tables()
    missing = [label for label in expected if label not in tables]
    if missing:
        raise RestoreError(
            f"{path} is not a whole catalogue backup: its manifest lacks {len(missing)} of the "
            f"{len(expected)} tables a backup holds: {_listed(missing)}."
        )
    unknown = sorted(set(tables) - set(expected))
    if unknown:
        raise RestoreError(
            f"{path} holds tables this version of the catalogue does not have: {_listed(unknown)}."
        )
    _verify_rows(path, objects=objects, tables=tables)
    empty = [label for label in REFERENCE_TABLES if not tables[label]["rows"]]
    if empty:
        raise RestoreError(
            f"{path} holds no rows of {_listed(empty)}: a catalogue always holds its "
            "reference data, so this is not a whole backup."
        )


def _verify_migrations(path: Path, *, written: dict, loader: MigrationLoader) -> None:
    """The file's latest migration of each app must be the database's."""
    for app_label, here in latest_migrations(loader=loader).items():
        theirs = written.get(app_label)
        if theirs == here:
            continue
        if not isinstance(theirs, str):
            raise RestoreError(
                f"{path} does not say at which migration of {app_label} it was written; "
                f"this database is at {app_label}.{here}."
            )
        if (app_label, theirs) not in loader.graph.nodes:
            raise RestoreError(
                f"{path} was written at migration {app_label}.{theirs}, which this database "
                f"does not have (it is at {app_label}.{here}): restore it with the version of "
                "the application that wrote it."
            )
        raise RestoreError(
            f"{path} was written at migration {app_label}.{theirs}, but this database is at "
            f"{app_label}.{here}: restore it with the version of the application that wrote "
            "it, then upgrade."
        )


def _verify_rows(path: Path, *, objects: list, tables: dict) -> None:
    """Each table's rows in the file must match the manifest's count and checksum."""
    for position, obj in enumerate(objects, start=1):
        if not (isinstance(obj, dict) and isinstance(obj.get("model"), str)):
            raise RestoreError(f"{path}: object {position} is not a table row (no model).")
    found = manifest_tables(objects)
    problems = []
    for label in sorted(set(tables) | set(found)):
        listed, held = tables.get(label), found.get(label, TableDigest().as_dict())
        if listed is None:
            problems.append(f"{label}: {held['rows']} rows, a table the manifest does not list")
        elif held["rows"] != listed["rows"]:
            problems.append(f"{label}: {held['rows']} rows, the manifest says {listed['rows']}")
        elif held["sha256"] != listed["sha256"]:
            problems.append(f"{label}: its rows do not match the manifest's checksum")
    if problems:
        raise RestoreError(
            f"{path} does not match its manifest (the file is truncated or was edited): "
            f"{'; '.join(problems)}."
        )


def _listed(labels: list[str], limit: int = 8) -> str:
    shown = ", ".join(labels[:limit])
    return f"{shown} and {len(labels) - limit} more" if len(labels) > limit else shown


def _make_room(models, *, force: bool) -> None:
    """Refuse a database whose catalogue holds rows, or with `force` empty it."""
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


def _flush() -> None:
    """Empty every table of the catalogue, relation tables included."""
    # On PostgreSQL, TRUNCATE refuses tables with deferred constraint checks pending.
    tables = [model._meta.db_table for model in catalogue_models(include_auto_created=True)]
    connection.check_constraints(table_names=tables)
    sql = connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
    connection.ops.execute_sql_flush(sql)


def _accounts_restore(path: Path, objects: list, *, with_accounts: bool) -> Counter:
    """Match or write the file's accounts, before the rows that refer to them by name."""
    accounts = [obj for obj in objects if obj["model"] in account_tables()]
    try:
        if with_accounts:
            return _accounts_overwrite(accounts)
        return _accounts_match(accounts)
    except ValidationError as error:
        fields = error.message_dict.items()
        reasons = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in fields)
        raise RestoreError(f"{path} holds an account that is not valid ({reasons}).") from None
    except (DeserializationError, DatabaseError, ValueError, TypeError) as error:
        raise RestoreError(f"{path}: its accounts cannot be restored: {_reason(error)}") from None


def _accounts_match(accounts: list[dict]) -> Counter:
    """Match the file's users by username, untouched; create missing ones powerless."""
    # Groups are skipped; a created account is inactive, with no usable password or group.
    user_model = get_user_model()
    counts: Counter = Counter()
    for obj in accounts:
        if obj["model"] != user_model._meta.label_lower:
            continue
        fields = obj.get("fields") or {}
        username = fields.get(user_model.USERNAME_FIELD)
        lookup = {user_model.USERNAME_FIELD: username}
        if user_model._default_manager.filter(**lookup).exists():
            counts["matched"] += 1
            continue
        # Names and address only, so the history reads as before: no privilege at all.
        names = {key: fields[key] for key in ("first_name", "last_name", "email") if key in fields}
        user = user_model(**lookup, **names, is_active=False)
        user.set_unusable_password()
        user.full_clean()
        user.save()
        counts["created"] += 1
    return counts


def _accounts_overwrite(accounts: list[dict]) -> Counter:
    """Write the file's groups and users as they are, over same-named ones."""
    counts: Counter = Counter()
    for item in _Deserializer(accounts, handle_forward_references=True):
        kind = "groups" if isinstance(item.object, Group) else "accounts"
        # Natural keys: the deserializer gave the same-named row's primary key, if any.
        counts[f"{kind} {'overwritten' if item.object.pk else 'created'}"] += 1
        item.save()
        if item.deferred_fields:
            item.save_deferred_fields()
    return counts


def _load(path: Path, objects: list) -> Counter:
    """Save each catalogue object of the file as it is, writing no history row for it."""
    counts: Counter = Counter()
    deferred = []
    relations = _RelationRows()
    skipped = account_tables()
    rows = (obj for obj in objects if obj["model"] not in skipped)
    try:
        for item in _Deserializer(rows, handle_forward_references=True):
            # django-simple-history skips objects marked so, m2m changes included.
            item.object.skip_history_when_saving = True
            relations.add(item)  # before save(), which drops them; they follow in bulk
            item.save(save_m2m=False, force_insert=True)
            if item.deferred_fields:
                deferred.append(item)
            counts[type(item.object)._meta.label] += 1
        relations.flush()
        for item in deferred:
            item.save_deferred_fields()
    except (DeserializationError, DatabaseError, ValueError, TypeError) as error:
        raise RestoreError(f"{path} cannot be restored: {_reason(error)}") from None
    return counts


def _reason(error: Exception) -> str:
    """An error's message, or its cause's, or at least its kind: never an empty reason."""
    while error is not None and not str(error).strip():
        error = error.__cause__ or error.__context__
    return str(error) if error is not None else "an unknown error"


class _Deserializer(PythonDeserializer):
    """Django's deserializer over parsed objects, every failure naming its row."""

    def _handle_object(self, obj):
        # Django's own lets some failures through bare: a bad field name, for one.
        try:
            yield from super()._handle_object(obj)
        except (GeneratorExit, DeserializationError):
            raise
        except Exception as error:
            label = f"{obj.get('model')} {obj.get('pk', '')}".strip()
            raise DeserializationError(f"{label}: {_reason(error)}") from error


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
