"""CSV of a whole record list, fast enough for every practice ever reported.

Serialising 100,000 records one by one through DRF runs at a few hundred rows a second;
this reads the rows with values() a chunk at a time and writes each record's public shape
(practices.shapes, the JSON's one producer) flattened as api.renderers.csv_cells does
(related rows by code, slug or number, "; "-joined; formulas quoted as text).
"""

import csv
import io
from itertools import islice

from api.renderers import compact_json, csv_cells, csv_line
from practices import shapes
from practices.cache import generation
from practices.citations import citation_text, item_citation, source_reports, today

CHUNK = 2000


def chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


# Beside each column of codes, a column of the linked rows' names ("_names"), so that a
# reader of the CSV alone needs no join: the brief's field that names each.
NAMES = {
    "countries": "name",
    "organisations": "name",
    "objectives": "title",
    "actions": "label",
    "principles": "name",
    "themes": "name",
    "partners": "name",
}


def partners_cell(partners: list[dict]) -> str:
    """A practice's partners as the importer reads them: "iom [lead]; A name [funding]"
    (an organisation of the table by its slug, another by its name)."""
    return "; ".join(f"{p['organisation'] or p['name']} [{p['role']}]" for p in partners)


def csv_columns(model, keys=None) -> list[str]:
    """The record CSV's header: the public shape's keys (`keys` only, when given), each
    relation followed by its names, the source by its title and year, and the record's
    citation last (not when `keys` are chosen)."""
    columns = []
    for key in keys or shapes.item_keys(model):
        columns.append(key)
        if key in NAMES:
            columns.append(f"{key}_names")
        elif key == "source":
            columns += ["source_title", "source_year"]
    return columns if keys else [*columns, "citation"]


def csv_values(item: dict, columns: list[str], cite) -> list:
    """One record's cells, in the order of `columns`; `cite(item)` its citation
    (citing())."""
    source = item["source"] or {}
    derived = {"source_title": source.get("title"), "source_year": source.get("year")}
    if "citation" in columns:
        derived["citation"] = citation_text(cite(item))
    if "partners" in item:
        derived["partners"] = partners_cell(item["partners"])
    for relation, field in NAMES.items():
        if relation in item:
            derived[f"{relation}_names"] = "; ".join(
                str(linked[field]) for linked in item[relation]
            )
    return [derived[column] if column in derived else item[column] for column in columns]


def record_csv_lines(queryset, request, show_unpublished: bool, keys=None):
    """The CSV lines of every record of `queryset`, in its order, header first: each
    record's public shape (practices.shapes, as the JSON has it), flattened a chunk at a
    time, linked rows by their codes and, beside them, their names; the source's title and
    year; the record's citation."""
    model = queryset.model
    columns = csv_columns(model, keys)
    base = request.build_absolute_uri("/")[:-1]
    at = generation()
    cite = citing(model)
    yield csv_line(columns)
    rows = shapes.rows(queryset).iterator(chunk_size=CHUNK)
    for chunk in chunks(rows, CHUNK):
        items = shapes.record_items(
            model, chunk, base=base, show_unpublished=show_unpublished, at=at, links_base=""
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for item in items:
            writer.writerow(csv_cells(csv_values(item, columns, cite)))
        yield buffer.getvalue()


def citing(model):
    """A record's citation from its public shape, for the CSV's column: the sources read
    once, no date of access (practices.citations.item_citation says why)."""
    reports = source_reports()
    kind = model._meta.verbose_name
    return lambda item: item_citation(item, kind=kind, reports=reports, accessed=None)


def record_jsonl_lines(queryset, request, show_unpublished: bool, keys=None):
    """JSON Lines of every record of `queryset`, in its order: each record's public shape
    (the JSON API's, `keys` only when given), a chunk at a time."""
    model = queryset.model
    base = request.build_absolute_uri("/")[:-1]
    at = generation()
    rows = shapes.rows(queryset).iterator(chunk_size=CHUNK)
    for chunk in chunks(rows, CHUNK):
        items = shapes.record_items(
            model, chunk, base=base, show_unpublished=show_unpublished, at=at
        )
        if keys:
            items = [{key: item[key] for key in keys} for item in items]
        yield b"".join(compact_json(item) + b"\n" for item in items)


def record_citations(queryset, request, show_unpublished: bool):
    """The citations of every record of `queryset`, in its order, a list per chunk
    (practices.citations.Format.stream writes them): each from the record's public
    shape, with its absolute stable link and today as the date of access."""
    model = queryset.model
    base = request.build_absolute_uri("/")[:-1]
    at = generation()
    reports = source_reports()
    kind = model._meta.verbose_name
    accessed = today()
    rows = shapes.rows(queryset).iterator(chunk_size=CHUNK)
    for chunk in chunks(rows, CHUNK):
        items = shapes.record_items(
            model, chunk, base=base, show_unpublished=show_unpublished, at=at
        )
        yield [item_citation(i, kind=kind, reports=reports, accessed=accessed) for i in items]
