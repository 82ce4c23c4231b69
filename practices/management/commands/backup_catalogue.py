"""Back up the whole catalogue to one JSON file (gzip-compressed when the name ends in .gz).

The file is a Django fixture: the users the catalogue refers to (as editors in its
history, or as publishers) and their groups, then every table of the practices app in
load order: reference data, sources, the four kinds of record with their relations, and
their history (django-simple-history's tables, m2m history included). Users, groups,
permissions and content types are written by natural key, so the file loads into any
freshly migrated database (restore_catalogue). The search column is left out: the
database's triggers rebuild it on restore. The file holds password hashes: it is created
readable by its owner only.
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
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import connection, transaction
from django.db.models import Prefetch
from simple_history.models import HistoricalChanges

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


class Command(BaseCommand):
    help = (
        "Write the whole catalogue (reference data, sources, records and their relations, "
        "their history, and the users and groups they refer to) to PATH as JSON; "
        "gzip-compressed when PATH ends in .gz. Load it with restore_catalogue."
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
        self.stdout.write(f"Wrote {sum(counts.values())} rows to {path} ({size:,} bytes).")
