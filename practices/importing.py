"""Bulk import of records: a whole file checked row by row, then written in bulk.

The doors (the admin's import and `manage.py import_records`, both through
practices.resources) read a spreadsheet into ImportRows and call records_import(). It
plans every row first: new, an update, unchanged (left alone) or invalid, with every error
of every row: the rule table (practices.editing.check) for each record it would create or
change, the model's validation, a slug used twice. It writes only when no row is bad (all
or nothing), and an imported record, new or changed, is a draft.

Its queries grow by one per batch of rows, not one per row. Stored records and their
relation rows are read with SELECT ... IN (...), CHUNK keys a statement; records and their
history rows are inserted with bulk_create, BATCH a statement; relation rows and the m2m
snapshots of the history as plain ids (PostgreSQL: one array per column); relation rows
are removed by id. On SQLite, Django keeps each statement within 999 parameters, so a
batch there is smaller. A changed record is written by one conditional UPDATE, sent
BATCH at a time (executemany: one round trip), and optimistic locking holds as in
practices.editing: each UPDATE claims the next version from the one the import read
(`SET version = version + 1, ... WHERE id = 7 AND version = 3`). When the database
updates fewer rows than it was sent, someone saved one of those records after the import
read it, and nothing at all is written.
"""

import copy
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from practices import editing, summary
from practices.cache import catalogue_changed
from practices.editing import Operation
from practices.models import Partner, Practice, Status, record_writes

# Keys per SELECT ... IN (...) or DELETE: few statements, each a scan of the relation
# tables on a database whose statistics do not yet know the rows an import just added.
CHUNK = 5000
# Rows per INSERT or UPDATE statement; Django lowers it to what SQLite takes.
BATCH = 1000
PROGRESS_EVERY = 1000

Progress = Callable[[str, int, int], None]


class Action(StrEnum):
    """What an import does with a row; the values are django-import-export's."""

    NEW = "new"
    UPDATE = "update"
    SKIP = "skip"
    INVALID = "invalid"


@dataclass
class ImportRow:
    """One row as a door read it: values by field name and related rows by relation name
    (only for the columns the file has), and the errors found reading its cells."""

    number: int
    values: dict[str, Any]
    relations: dict[str, list] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    # A practice's partners (editing.PartnerRow), when the file has the column.
    partners: list | None = None


@dataclass
class Planned:
    """What the import does with one row, and why not when it cannot."""

    row: ImportRow
    action: Action
    record: Any = None  # the record written (new, or the stored one changed), or left alone
    stored: Any = None  # the stored record as the import read it
    # The record's relation rows, by relation: {related pk: relation row pk}; the stored
    # ones when planned, the written ones once written.
    links: dict[str, dict[int, int]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    # A stored practice's partners (Partner rows), as the import read them.
    partners: list = field(default_factory=list)


@dataclass
class Plan:
    """An import of one kind of record, row by row, by one user."""

    model: type
    user: Any
    rows: list[Planned]
    reason: str = ""
    failure: Exception | None = None  # what stopped the write, beyond any one row
    written: bool = False

    @property
    def valid(self) -> bool:
        return self.failure is None and all(p.action != Action.INVALID for p in self.rows)


def records_import(
    *,
    model,
    rows: Sequence[ImportRow],
    user,
    dry_run: bool = False,
    reason: str = "",
    progress: Progress | None = None,
) -> Plan:
    """Check every row, then write them all in bulk, unless it is a dry run or any row is
    bad: then nothing is written."""
    plan = records_check(model=model, rows=rows, user=user, reason=reason, progress=progress)
    if dry_run or not plan.valid:
        return plan
    if progress:
        progress("writing", 0, len(rows))
    return records_write(plan=plan)


def records_check(
    *, model, rows: Sequence[ImportRow], user, reason: str = "", progress: Progress | None = None
) -> Plan:
    """Plan an import without writing anything (the admin's preview, a dry run)."""
    stored = _stored(model, [row.values.get("slug") for row in rows])
    links = _links(model, [record.pk for record in stored.values()])
    partners = _partners(model, [record.pk for record in stored.values()], rows)
    first_rows: dict[str, int] = {}
    planned = []
    for done, row in enumerate(rows, 1):
        planned.append(_plan(model, row, stored, links, first_rows, user, partners))
        if progress and (done % PROGRESS_EVERY == 0 or done == len(rows)):
            progress("checked", done, len(rows))
    return Plan(model=model, user=user, rows=planned, reason=reason)


def records_write(*, plan: Plan) -> Plan:
    """Write a valid plan in one transaction, provided every record it changes is still
    at the version it read; otherwise write nothing and say which rows were overtaken."""
    if not plan.valid:
        return plan
    try:
        published = [p.stored.pk for p in _updates(plan) if p.stored.status == Status.PUBLISHED]
        with transaction.atomic(), record_writes(), summary.Tracked(plan.model, published):
            now = timezone.now()
            _create(plan)
            _update(plan, now)
            _relate(plan)
            _history(plan, now)
            _partner_rows(plan, now)
            catalogue_changed()  # bulk writes send no signal
    except _Overtaken as overtaken:
        _report_overtaken(plan, overtaken.planned)
    except IntegrityError as error:
        plan.failure = ImportConflict(
            _(
                "A record with one of these slugs was saved, or a row this file names was "
                "deleted, while the file was imported: nothing was imported. Import the "
                "file again. (%(error)s)"
            )
            % {"error": error}
        )
    else:
        plan.written = True
    return plan


class ImportConflict(Exception):
    """The database refused the write: someone wrote meanwhile what the plan did not see."""


# Planning.


def _plan(model, row: ImportRow, stored_by_slug, links, first_rows, user, partners) -> Planned:
    """One row's plan: unchanged rows are left alone; others are checked against the rule
    table and the model's validation."""
    errors = {name: list(messages) for name, messages in row.errors.items()}
    slug = row.values.get("slug")
    if slug and first_rows.setdefault(slug, row.number) != row.number:
        errors.setdefault("slug", []).append(
            _('Slug "%(slug)s" is already used by row %(row)s of this file.')
            % {"slug": slug, "row": first_rows[slug]}
        )
    stored = stored_by_slug.get(slug) if slug else None
    stored_links = links.get(stored.pk, {}) if stored else {}
    stored_partners = partners.get(stored.pk, []) if stored else []
    if (
        stored is not None
        and not errors
        and _unchanged(stored, stored_links, row)
        and (row.partners is None or _partner_keys(row.partners) == _partner_keys(stored_partners))
    ):
        return Planned(
            row,
            Action.SKIP,
            record=stored,
            stored=stored,
            links=stored_links,
            partners=stored_partners,
        )
    try:
        _check(model, stored, user)
    except editing.NotAllowed as refusal:
        errors.setdefault(NON_FIELD_ERRORS, []).append(str(refusal))
    record = copy.copy(stored) if stored is not None else model(version=1)
    for name, value in row.values.items():
        setattr(record, name, value)
    record.status = Status.DRAFT  # reviewed again before it is public
    _validate(record, errors)
    action = Action.INVALID if errors else (Action.UPDATE if stored else Action.NEW)
    return Planned(row, action, record, stored, stored_links, errors, stored_partners)


def _check(model, stored, user) -> None:
    """The rule table: creating a draft, or changing the stored record in its status and
    moving it back to draft."""
    if stored is None:
        editing.check(user, model, Operation.CREATE, Status.DRAFT)
        return
    editing.check(user, model, Operation.CHANGE, stored.status)
    if stored.status != Status.DRAFT:
        editing.check(user, model, Operation.MOVE, Status.DRAFT)


def _unchanged(stored, links: dict, row: ImportRow) -> bool:
    """Whether the row says what the stored record says (relations compared as sets)."""
    for name, value in row.values.items():
        model_field = stored._meta.get_field(name)
        if model_field.many_to_one:
            if getattr(stored, model_field.attname) != getattr(value, "pk", None):
                return False
        elif getattr(stored, name) != value:
            return False
    return all(
        set(links.get(name, ())) == {related.pk for related in rows}
        for name, rows in row.relations.items()
    )


def _validate(record, errors: dict[str, list[str]]) -> None:
    """full_clean(), less the queries it makes for each row: a slug's uniqueness is known
    from the stored records read for the file (and kept by the database's constraint), the
    rows foreign keys name were read from their tables by this import, and the model's
    CheckConstraints (a SELECT each, per row) are the rules its clean() checks in Python
    (a practice's scope and region, its years), which the database holds as well."""
    foreign = [f for f in record._meta.concrete_fields if f.many_to_one]
    exclude = {*errors, *(f.name for f in foreign), *record.get_deferred_fields()}
    try:
        record.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    for model_field in foreign:
        if model_field.name in errors or model_field.null:
            continue
        if getattr(record, model_field.attname) is None:
            errors[model_field.name] = [str(model_field.error_messages["null"])]


def _partner_keys(partners) -> set[tuple]:
    """Partners (Partner rows or editing.PartnerRow) compared as a set."""
    return {
        (getattr(p.organisation, "pk", None), "" if p.organisation else p.name, p.role)
        for p in partners
    }


def _partners(model, pks: list[int], rows) -> dict[int, list]:
    """A practice's stored partners, by practice pk, when the file has the column."""
    if model is not Practice or not pks or all(row.partners is None for row in rows):
        return {}
    found: dict[int, list] = {}
    for chunk in _chunks(pks, _in_size()):
        stored = Partner.objects.filter(practice_id__in=chunk).select_related("organisation")
        for partner in stored.order_by("pk"):
            found.setdefault(partner.practice_id, []).append(partner)
    return found


def _stored(model, slugs) -> dict[str, Any]:
    """The stored records the file names, by slug, a chunk of slugs per query."""
    wanted = sorted({slug for slug in slugs if slug})
    # The search vector is the database's own (practices.search), read by nobody here.
    records = model.objects.select_related("source").defer("search_vector").order_by()
    return {
        record.slug: record
        for chunk in _chunks(wanted, _in_size())
        for record in records.filter(slug__in=chunk)
    }


def _links(model, pks: list[int]) -> dict[int, dict[str, dict[int, int]]]:
    """The stored relation rows of these records: record pk, then relation name, then
    {related pk: relation row pk}; one query per relation and chunk."""
    links: dict[int, dict[str, dict[int, int]]] = {}
    for relation in model._meta.many_to_many:
        through, source, target = _through(relation)
        for chunk in _chunks(pks, _in_size()):
            rows = through.objects.filter(**{f"{source}__in": chunk})
            for pk, record_pk, related_pk in rows.values_list("pk", source, target):
                links.setdefault(record_pk, {}).setdefault(relation.name, {})[related_pk] = pk
    return links


# Writing.


class _Overtaken(Exception):
    """Records changed by someone else since the import read them."""

    def __init__(self, planned: list[Planned]):
        super().__init__(f"{len(planned)} records changed since the import read them")
        self.planned = planned


def _updates(plan: Plan) -> list[Planned]:
    return [p for p in plan.rows if p.action == Action.UPDATE]


def _report_overtaken(plan: Plan, chunk: list[Planned]) -> None:
    """Mark the rows whose records someone else saved after the import read them."""
    now = dict(
        plan.model.objects.filter(pk__in=[p.stored.pk for p in chunk]).values_list("pk", "version")
    )
    for planned in chunk:
        stored = now.get(planned.stored.pk)
        if stored == planned.stored.version:
            continue
        message = (
            _(
                "Someone changed this record (now version %(now)s) after the import read "
                "version %(read)s: nothing was imported. Import the file again."
            )
            if stored is not None
            else _("Someone deleted this record after the import read it: nothing was imported.")
        )
        planned.action = Action.INVALID
        planned.errors.setdefault(NON_FIELD_ERRORS, []).append(
            message % {"now": stored, "read": planned.stored.version}
        )


def _create(plan: Plan) -> None:
    """Insert the new records; both databases return their ids."""
    records = [p.record for p in plan.rows if p.action == Action.NEW]
    plan.model.objects.bulk_create(records, batch_size=BATCH)
    if records and records[0].pk is None:
        raise RuntimeError("The database returned no ids from a bulk insert.")


def _update(plan: Plan, now) -> None:
    """Claim and write every changed record: one `UPDATE ... SET version = version + 1,
    <the file's columns> WHERE id = %s AND version = <the version read>` per record, sent
    a batch at a time (executemany). Of two writers who read the same version, the
    database lets exactly one through; when it updates fewer rows than it was sent,
    someone saved a record after the import read it, and nothing is written."""
    planned = _updates(plan)
    if not planned:
        return
    meta = plan.model._meta
    names = sorted({name for p in planned for name in p.row.values} - {"slug"})
    fields = [meta.get_field(name) for name in [*names, "status", "updated_at"]]
    quote = connection.ops.quote_name
    version = quote(meta.get_field("version").column)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {version} = {version} + 1, "
        + ", ".join(f"{quote(f.column)} = %s" for f in fields)
        + f" WHERE {quote(meta.pk.column)} = %s AND {version} = %s"
    )
    for chunk in _chunks(planned, BATCH):
        for p in chunk:
            p.record.updated_at = now  # auto_now is save()'s
            p.record.version = p.stored.version + 1
        rows = [
            [f.get_db_prep_save(getattr(p.record, f.attname), connection) for f in fields]
            + [p.stored.pk, p.stored.version]
            for p in chunk
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
            claimed = cursor.rowcount
        if claimed != len(chunk):
            raise _Overtaken(chunk)


def _relate(plan: Plan) -> None:
    """Set each relation a row names to exactly the rows it names: relation rows removed
    by id, new ones inserted; each record's `links` then holds what is written."""
    for relation in plan.model._meta.many_to_many:
        through, source, target = _through(relation)
        removed, added = [], []
        for planned in plan.rows:
            wanted = planned.row.relations.get(relation.name)
            if wanted is None or planned.action not in (Action.NEW, Action.UPDATE):
                continue  # no such column in the file: the relation stays as it is
            wanted_pks = {related.pk for related in wanted}
            stored = planned.links.get(relation.name, {})
            removed += [pk for related_pk, pk in stored.items() if related_pk not in wanted_pks]
            kept = {related_pk: pk for related_pk, pk in stored.items() if related_pk in wanted_pks}
            planned.links = {**planned.links, relation.name: kept}
            added += [(planned.record.pk, pk) for pk in wanted_pks if pk not in stored]
        for chunk in _chunks(removed, _in_size()):
            through.objects.filter(pk__in=chunk).delete()
        ids = _insert(through, [source, target], added, returning=True)
        links = {planned.record.pk: planned.links for planned in plan.rows}
        for (record_pk, related_pk), pk in zip(added, ids, strict=True):
            links[record_pk][relation.name][related_pk] = pk


def _history(plan: Plan, now) -> None:
    """One history row per record written, naming the user, with the snapshot of its
    relations that django-simple-history keeps (its m2m history tables)."""
    model = plan.model
    history_model = model.history.model
    for action in (Action.NEW, Action.UPDATE):
        planned = [p for p in plan.rows if p.action == action]
        if not planned:
            continue
        history = model.history.bulk_history_create(
            [p.record for p in planned],
            batch_size=BATCH,
            update=action == Action.UPDATE,
            default_user=editing.history_user(plan.user),
            default_change_reason=plan.reason[:100] or None,
            default_date=now,
        )
        for relation in history_model._history_m2m_fields:
            _, source, target = _through(relation)
            rows = [
                (entry.pk, row_pk, p.record.pk, related)
                for entry, p in zip(history, planned, strict=True)
                for related, row_pk in p.links.get(relation.name, {}).items()
            ]
            m2m_history = getattr(history_model, relation.name).model
            _insert(m2m_history, ["history_id", "id", source, target], rows)


def _partner_rows(plan: Plan, now) -> None:
    """Replace the partners of each practice whose row names them: the ones no longer
    named deleted (each with its history row), the new ones inserted with theirs."""
    who = editing.history_user(plan.user)
    added = []
    for planned in plan.rows:
        wanted = planned.row.partners
        if wanted is None or planned.action not in (Action.NEW, Action.UPDATE):
            continue
        keys = _partner_keys(wanted)
        for partner in planned.partners:
            if next(iter(_partner_keys([partner]))) not in keys:
                partner._history_user = who
                partner.delete()
        kept = _partner_keys(planned.partners)
        added += [
            Partner(
                practice_id=planned.record.pk,
                organisation=row.organisation,
                name="" if row.organisation else row.name,
                role=row.role,
            )
            for row in wanted
            if next(iter(_partner_keys([row]))) not in kept
        ]
    if added:
        Partner.objects.bulk_create(added, batch_size=BATCH)
        Partner.history.bulk_history_create(
            added,
            batch_size=BATCH,
            default_user=who,
            default_change_reason=plan.reason[:100] or None,
            default_date=now,
        )


# Helpers.


def _through(relation) -> tuple[Any, str, str]:
    """A many-to-many relation's through model and its two foreign key columns."""
    return (
        relation.remote_field.through,
        f"{relation.m2m_field_name()}_id",
        f"{relation.m2m_reverse_field_name()}_id",
    )


def _insert(model, names: list[str], rows: list[tuple], *, returning: bool = False) -> list:
    """Insert rows of plain ids; their new ids (in the order of `rows`) when `returning`.
    Relation rows come by the hundred thousand: as model instances through bulk_create,
    or as one placeholder per value, they cost seconds of Python. PostgreSQL takes a
    column per array (`SELECT * FROM unnest(...)`); SQLite, VALUES within its 999
    parameters."""
    quote = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    insert = f"INSERT INTO {quote(meta.db_table)} ({columns}) "
    # With the columns inserted, for RETURNING promises no order.
    back = f" RETURNING {quote(meta.pk.column)}, {columns}" if returning else ""
    postgresql = connection.vendor == "postgresql"
    per_statement = CHUNK if postgresql else connection.features.max_query_params // len(names)
    ids = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, per_statement):
            if postgresql:
                arrays = ", ".join(["%s::bigint[]"] * len(names))
                values = [list(column) for column in zip(*chunk, strict=True)]
                cursor.execute(f"{insert}SELECT * FROM unnest({arrays}){back}", values)
            else:
                values = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * len(chunk))
                cursor.execute(f"{insert}VALUES {values}{back}", [v for row in chunk for v in row])
            if returning:
                ids.update((tuple(row[1:]), row[0]) for row in cursor.fetchall())
    return [ids[tuple(row)] for row in rows] if returning else []


def _in_size() -> int:
    """Keys per IN (...): CHUNK, or fewer where the database takes fewer parameters
    (SQLite: 999)."""
    return min(CHUNK, (connection.features.max_query_params or CHUNK) - 9)


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
