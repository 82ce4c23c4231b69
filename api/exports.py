"""CSV of a whole record list, fast enough for every practice ever reported.

Serialising 100,000 records one by one through DRF runs at a few hundred rows a second;
this reads the rows with values() a chunk at a time and writes each record's public shape
(practices.shapes, the JSON's one producer) flattened as api.renderers.csv_cells does
(related rows by code, slug or number, "; "-joined; formulas quoted as text).
"""

import csv
import io
from itertools import islice

from api.renderers import csv_cells, csv_line
from practices import shapes
from practices.cache import generation

CHUNK = 2000


def chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


# The field of each reference row's brief (api.listing) that the CSV writes.
BRIEF_KEYS = {
    "countries": "code",
    "organisations": "slug",
    "objectives": "number",
    "actions": "code",
    "principles": "slug",
    "themes": "slug",
}


def record_csv_lines(queryset, request, show_unpublished: bool):
    """The CSV lines of every record of `queryset`, in its order, header first: each
    record's public shape (practices.shapes, as the JSON has it), flattened a chunk at a
    time, linked rows by their codes."""
    model = queryset.model
    keys = shapes.item_keys(model)
    base = request.build_absolute_uri("/")[:-1]
    at = generation()
    yield csv_line(keys)
    rows = queryset.values(*shapes.columns(model)).iterator(chunk_size=CHUNK)
    for chunk in chunks(rows, CHUNK):
        items = shapes.record_items(
            model, chunk, base=base, show_unpublished=show_unpublished, at=at, links_base=""
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for item in items:
            writer.writerow(csv_cells(item[key] for key in keys))
        yield buffer.getvalue()
