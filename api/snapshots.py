"""The published catalogue as a Frictionless Data Package: what a bulk snapshot holds.

Every table twice, as CSV and as JSON Lines, each row as the API gives it, by the API's
own producers: a record's public shape from practices.shapes (its JSON as the API lists
it, its CSV row flattened as api.exports flattens it), a reference table's row from its
API serializer, with its records' counts. Every CSV cell passes through the formula
quoting of every other CSV (practices.spreadsheets). A record's links to countries,
objectives, themes... are also written one per row in link tables
(`practice-countries.csv`: practice, country), so that each foreign key is one column
naming one row of another table.

datapackage.json describes every file: its schema (fields and types, primary key,
foreign keys), its size and sha256; and the package: its licence
(settings.DATA_LICENCE), its version (the snapshot's name, the time it was made), the
catalogue's generation, and a hash of its content (the same while the catalogue is).
tests/api/test_snapshot.py holds each table to the API's export of it, byte for byte,
and the package to `frictionless validate`.

Rows are read a chunk at a time and written as they come, all in one consistent read of
the database: 100,000 records are never in memory at once.
"""

import contextlib
import csv
import datetime
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from api import serializers as s
from api.exports import CHUNK, chunks, citing, csv_columns, csv_values
from api.renderers import SEPARATOR, compact_json, csv_cells, flat
from practices import shapes, snapshots
from practices.cache import generation
from practices.models import (
    Challenge,
    Country,
    GuidingPrinciple,
    Objective,
    ObjectiveAction,
    Opportunity,
    Organisation,
    Practice,
    Recommendation,
    Region,
    Source,
    Status,
    Theme,
)
from practices.selectors import region_list, visible_records, with_record_counts

PACKAGE_NAME = "gfmd-practice-catalogue"
MEDIA_TYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson"}

# Every kind of record: its table.
RECORD_TABLES = {
    Practice: "practices",
    Challenge: "challenges",
    Opportunity: "opportunities",
    Recommendation: "recommendations",
}

# A record's relation: the link table's column, and the table and key it names.
LINKS = {
    "countries": ("country", "countries", "code"),
    "organisations": ("organisation", "organisations", "slug"),
    "objectives": ("objective", "objectives", "number"),
    "actions": ("action", "actions", "code"),
    "principles": ("principle", "principles", "slug"),
    "themes": ("theme", "themes", "slug"),
    "challenges_addressed": ("challenge", "challenges", "slug"),
}

# Column types other than string: in every table, and in the JSON Lines only.
TYPES = {
    "number": "integer",
    "year": "integer",
    "source_year": "integer",
    "objective": "integer",
    "created": "datetime",
    "updated": "datetime",
    **{name: "integer" for name in s.COUNT_FIELDS},
    "countries_count": "integer",
    "kind_stated": "boolean",
    "start_year": "integer",
    "end_year": "integer",
}
JSON_TYPES = {
    **{relation: "array" for relation in shapes.RELATIONS},
    "challenges_addressed": "array",
    "addressed_by": "array",
    "aliases": "array",
    "rapporteurs": "array",
    "source": "object",
    "subregion": "object",
    "intermediate_region": "object",
    "parent": "object",
    "scope_region": "object",
    "partners": "array",
}


@dataclass
class Table:
    """One table of the snapshot: a CSV file and, unless a link table, a JSON Lines one."""

    name: str
    title: str
    key: list[str]
    columns: list[str]
    json_columns: list[str] | None = None
    references: dict[str, tuple[str, str]] = field(default_factory=dict)
    enums: dict[str, list] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # column: description
    rows: int = 0


@dataclass(frozen=True)
class Reference:
    """A reference table: its rows, the serializer the API shows them with, and the
    relation its records' counts are kept by."""

    name: str
    title: str
    rows: Callable[[], QuerySet]
    serializer: type
    counted_by: str | None
    key: str
    references: dict[str, tuple[str, str]] = field(default_factory=dict)
    enums: dict[str, list] = field(default_factory=dict)


REFERENCES = [
    Reference(
        name="regions",
        title="UN M49 regions, sub-regions and intermediate regions",
        rows=region_list,
        serializer=s.RegionSerializer,
        counted_by=None,
        key="code",
        references={"parent": ("regions", "code")},
        enums={"level": Region.Level.values},
    ),
    Reference(
        name="countries",
        title="ISO 3166-1 countries and territories in their M49 regions",
        rows=lambda: Country.objects.select_related("subregion", "intermediate_region"),
        serializer=s.CountrySerializer,
        counted_by="countries",
        key="code",
        references={
            "subregion": ("regions", "code"),
            "intermediate_region": ("regions", "code"),
        },
    ),
    Reference(
        name="objectives",
        title="The 23 objectives of the Global Compact for Migration",
        rows=Objective.objects.all,
        serializer=s.ObjectiveSerializer,
        counted_by="objectives",
        key="number",
    ),
    Reference(
        name="actions",
        title="The lettered actions of the GCM objectives that records cite",
        rows=lambda: ObjectiveAction.objects.select_related("objective"),
        serializer=s.ActionBriefSerializer,
        counted_by=None,
        key="code",
        references={"objective": ("objectives", "number")},
    ),
    Reference(
        name="principles",
        title="The ten guiding principles of the Global Compact for Migration",
        rows=GuidingPrinciple.objects.all,
        serializer=s.PrincipleSerializer,
        counted_by="principles",
        key="slug",
    ),
    Reference(
        name="themes",
        title="Themes",
        rows=Theme.objects.all,
        serializer=s.ThemeSerializer,
        counted_by="themes",
        key="slug",
    ),
    Reference(
        name="organisations",
        title="Organisations named in records",
        rows=Organisation.objects.all,
        serializer=s.OrganisationSerializer,
        counted_by="organisations",
        key="slug",
        enums={"kind": Organisation.Kind.values},
    ),
    Reference(
        name="sources",
        title="GFMD documents the records cite",
        rows=Source.objects.all,
        serializer=s.SourceSerializer,
        counted_by="source",
        key="slug",
    ),
]


class SiteAddress:
    """What the API's producers ask of a request: the site's address (`base`, such as
    https://catalogue.example.org; "" for paths from the site's root)."""

    def __init__(self, base: str):
        self.base = base

    def build_absolute_uri(self, location: str) -> str:
        return f"{self.base}{location}"


def snapshot_export(*, root: Path, base: str = "", keep: int | None = None, now=None):
    """A new snapshot of the published catalogue under `root`, named in LATEST; with
    `keep`, the older ones beyond the newest `keep` deleted. Returns (name, package,
    names deleted)."""
    now = now or datetime.datetime.now(datetime.UTC)
    packages = {}

    def write(folder: Path, name: str) -> None:
        packages[name] = catalogue_snapshot(folder=folder, name=name, base=base, now=now)

    name = snapshots.snapshot_publish(root=root, write=write, now=now)
    pruned = snapshots.snapshot_prune(root=root, keep=keep) if keep is not None else []
    return name, packages[name], pruned


def catalogue_snapshot(*, folder: Path, name: str, base: str, now) -> dict:
    """Every table of the published catalogue into `folder`, with its datapackage.json,
    from one consistent read; the package returned."""
    with consistent_read():
        at = generation()
        tables = [write_reference(reference, folder, base) for reference in REFERENCES]
        for model in RECORD_TABLES:
            tables += write_records(model, folder, base=base, at=at)
    package = data_package(folder, tables, name=name, base=base, at=at, now=now)
    path = folder / snapshots.PACKAGE
    path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return package


@contextlib.contextmanager
def consistent_read():
    """Every table read from the same state of the catalogue (as practices.backup reads)."""
    repeatable_read = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if repeatable_read:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


# Writing the tables.


class CsvFile:
    """A CSV file written a row at a time, each cell as every CSV of the app writes it."""

    def __init__(self, path: Path, header: list[str]):
        self.stream = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.stream)
        self.writer.writerow(csv_cells(header))
        self.rows = 0

    def write(self, values: Iterable) -> None:
        self.writer.writerow(csv_cells(values))
        self.rows += 1

    def __enter__(self) -> "CsvFile":
        return self

    def __exit__(self, *exc) -> None:
        self.stream.close()


def write_reference(reference: Reference, folder: Path, base: str) -> Table:
    """A reference table's rows as its API list gives them, with their records' counts."""
    context = {"request": SiteAddress(base)}
    header = list(reference.serializer(context=context).fields)
    table = Table(
        name=reference.name,
        title=reference.title,
        key=[reference.key],
        columns=header,
        json_columns=header,
        references=reference.references,
        enums=reference.enums,
    )
    with (
        CsvFile(folder / f"{table.name}.csv", header) as rows_csv,
        (folder / f"{table.name}.jsonl").open("wb") as rows_json,
    ):
        for chunk in chunks(reference.rows().iterator(chunk_size=CHUNK), CHUNK):
            if reference.counted_by:
                chunk = with_record_counts(chunk, reference.counted_by)
            data = reference.serializer(chunk, many=True, context=context).data
            rows_json.write(b"".join(compact_json(row) + b"\n" for row in data))
            for row in data:
                rows_csv.write(row.get(column) for column in header)
        table.rows = rows_csv.rows
    return table


def record_links(model) -> dict[str, tuple[str, str, str]]:
    """The relations of a kind written as link tables (a challenge's practices are the
    practices' challenges: written once, by the practices)."""
    return {
        relation: link
        for relation, link in LINKS.items()
        if relation != "challenges_addressed" or model is Practice
    }


def write_records(model, folder: Path, *, base: str, at: int) -> list[Table]:
    """A kind's published records in their public shape (JSON Lines) and flattened as the
    API's CSV; their links, one per row."""
    name, singular = RECORD_TABLES[model], model._meta.model_name
    columns = csv_columns(model)
    table = Table(
        name=name,
        title=f"Published {name}",
        key=["slug"],
        columns=columns,
        json_columns=shapes.item_keys(model),
        references={"source": ("sources", "slug")},
        enums={"status": [Status.PUBLISHED.value]},
    )
    if model is Recommendation:
        table.enums["kind"] = Recommendation.Kind.values
    if model is Practice:
        table.enums["scope"] = ["", *Practice.Scope.values]
        table.enums["implementation_status"] = ["", *Practice.Implementation.values]
        table.notes["partners"] = (
            f"Each partner as its organisation's slug (or its name) and [role], "
            f"'{SEPARATOR}'-separated"
        )
        table.notes["scope_region"] = "The UN M49 code of the region of implementation"
    for relation, (_, target, _) in LINKS.items():
        table.notes[relation] = (
            f"The {target}' keys, '{SEPARATOR}'-separated: one per row in {singular}-{target}.csv"
        )
    table.notes["addressed_by"] = (
        f"The practices' slugs, '{SEPARATOR}'-separated: one per row in practice-challenges.csv"
    )
    links = {
        relation: Table(
            name=f"{singular}-{target}",
            title=f"Each published {singular}'s {target}, one per row",
            key=[singular, column],
            columns=[singular, column],
            references={singular: (name, "slug"), column: (target, key)},
        )
        for relation, (column, target, key) in record_links(model).items()
    }
    with contextlib.ExitStack() as stack:
        rows_json = stack.enter_context((folder / f"{name}.jsonl").open("wb"))
        rows_csv = stack.enter_context(CsvFile(folder / f"{name}.csv", columns))
        link_csv = {
            relation: stack.enter_context(CsvFile(folder / f"{link.name}.csv", link.columns))
            for relation, link in links.items()
        }
        cite = citing(model)
        rows = shapes.rows(visible_records(model=model)).iterator(chunk_size=CHUNK)
        for chunk in chunks(rows, CHUNK):
            items = shapes.record_items(model, chunk, base=base, show_unpublished=False, at=at)
            rows_json.write(b"".join(compact_json(item) + b"\n" for item in items))
            for item in items:
                rows_csv.write(csv_values(item, columns, cite))
                for relation, writer in link_csv.items():
                    for linked in item[relation]:
                        writer.write([item["slug"], flat(linked)])
        table.rows = rows_csv.rows
        for relation, link in links.items():
            link.rows = link_csv[relation].rows
    return [table, *links.values()]


# datapackage.json.


def data_package(folder: Path, tables: list[Table], *, name: str, base: str, at: int, now):
    """The Frictionless Data Package describing the files written in `folder`."""
    resources = []
    for table in tables:
        resources.append(resource(folder, table, "csv"))
    for table in tables:
        if table.json_columns is not None:
            resources.append(resource(folder, table, "jsonl"))
    content = hashlib.sha256()
    for item in resources:
        content.update(f"{item['path']} {item['hash']}\n".encode())
    package = {
        "profile": "data-package",  # not "tabular-": an empty JSON Lines file is a file
        "name": PACKAGE_NAME,
        "title": "GFMD Practice Catalogue",
        "description": (
            "The published records of the GFMD Practice Catalogue (practices, challenges, "
            "opportunities and recommendations reported at the Global Forum on Migration and "
            "Development) with the reference tables they link to, each table as CSV and as "
            "JSON Lines, as the catalogue's API gives them."
        ),
        "version": name,
        "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": [{"title": settings.DATA_LICENCE, "path": settings.DATA_LICENCE_URL}],
        "catalogue_generation": at,
        "content_hash": f"sha256:{content.hexdigest()}",
        "resources": resources,
    }
    if base:
        package["homepage"] = f"{base}/data/"
    return package


def resource(folder: Path, table: Table, format: str) -> dict:
    """A file's resource: where it is, its size and hash, its schema."""
    path = f"{table.name}.{format}"
    digest, size = file_digest(folder / path)
    described = {
        "name": table.name if format == "csv" else f"{table.name}-{format}",
        "title": table.title,
        "path": path,
        "profile": "tabular-data-resource",
        "format": format,
        "mediatype": MEDIA_TYPES[format],
        "encoding": "utf-8",
        "bytes": size,
        "hash": f"sha256:{digest}",
        "rows": table.rows,
        "schema": schema(table, format),
    }
    if format == "jsonl" and not table.rows:
        # An empty JSON Lines file has no header to read, and frictionless (5.21) fails on
        # it as a table (an empty CSV keeps its header): described as a file, its schema
        # saying what its lines would hold.
        described.update(profile="data-resource", type="file")
    return described


def schema(table: Table, format: str) -> dict:
    """The Table Schema of a table's CSV or JSON Lines file: the JSON keeps related rows
    whole, the CSV names them by key (and its link tables hold the foreign keys)."""
    json_file = format == "jsonl"
    columns = table.json_columns if json_file else table.columns
    fields = []
    for column in columns:
        described = {"name": column, "type": column_type(column, json_file)}
        if column in table.enums:
            described["constraints"] = {"enum": table.enums[column]}
        if not json_file and column in table.notes:
            described["description"] = table.notes[column]
        fields.append(described)
    described = {"fields": fields, "primaryKey": table.key}
    if not json_file and table.references:
        described["foreignKeys"] = [
            {
                "fields": column,
                "reference": {"resource": "" if target == table.name else target, "fields": key},
            }
            for column, (target, key) in table.references.items()
        ]
    return described


def column_type(column: str, json_file: bool) -> str:
    if json_file and column in JSON_TYPES:
        return JSON_TYPES[column]
    return TYPES.get(column, "string")


def file_digest(path: Path) -> tuple[str, int]:
    """A file's sha256 (hex) and size in bytes."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size
