"""CSV of a whole record list, fast enough for every practice ever reported.

Serialising 100,000 records one by one through DRF runs at a few hundred rows a second;
this reads the rows with values() and their links a chunk at a time (api.listing), and
writes the same columns as the JSON serializers, flattened as api.renderers.csv_cells does
(related rows by code, slug or number, "; "-joined; formulas quoted as text).
"""

import csv
import io
from itertools import islice

from django.urls import reverse
from rest_framework.fields import DateTimeField

from api import listing
from api.renderers import SEPARATOR, csv_cells, csv_line
from practices.cache import generation
from practices.models import Challenge, Practice, Recommendation

CHUNK = 2000
DATETIME = DateTimeField()


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


def record_csv_lines(queryset, header: list[str], request, show_unpublished: bool):
    """The CSV lines of every record of `queryset`, in its order, header first.

    Each chunk of rows takes two queries beside its own: its links to the six reference
    tables (api.listing.links, by primary key, no join or sort) and the challenges or
    practices on the other side; the reference rows' codes come from the briefs kept per
    generation, in their models' order, as the JSON lists them.
    """
    model = queryset.model
    name = model._meta.model_name
    api_url = request.build_absolute_uri(reverse(f"api:{name}-detail", args=["SLUG"]))
    web_url = request.build_absolute_uri(reverse(f"practices:{name}-detail", args=["SLUG"]))
    other_field = {Practice: "challenges_addressed", Challenge: "addressed_by"}.get(model)
    columns = ["pk", "slug", "title", "text", "section", "status", "created_at", "updated_at"]
    columns.append("source__slug")
    if model is Recommendation:
        columns += ["kind", "area"]
    yield csv_line(header)
    briefs = listing.reference_briefs(generation())
    rows = queryset.values_list(*columns).iterator(chunk_size=CHUNK)
    for chunk in chunks(rows, CHUNK):
        ids = [row[0] for row in chunk]
        linked = listing.links(model, ids)
        others = listing.counterparts(model, ids, show_unpublished, "") if other_field else {}
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in chunk:
            record = dict(zip(columns, row, strict=True))
            pk, slug = record["pk"], record["slug"]
            values = {
                "url": api_url.replace("SLUG", slug),
                "web_url": web_url.replace("SLUG", slug),
                "slug": slug,
                "title": record["title"],
                "text": record["text"],
                "source": record["source__slug"],
                "section": record["section"],
                "status": record["status"],
                "created": DATETIME.to_representation(record["created_at"]),
                "updated": DATETIME.to_representation(record["updated_at"]),
                "kind": record.get("kind"),
                "area": record.get("area"),
            }
            for relation, key in BRIEF_KEYS.items():
                table = briefs[relation]
                ordered = sorted(linked[relation].get(pk, ()), key=lambda i: table[i][0])
                values[relation] = SEPARATOR.join(str(table[i][1][key]) for i in ordered)
            if other_field:
                values[other_field] = SEPARATOR.join(o["slug"] for o in others.get(pk, ()))
            writer.writerow(csv_cells(values.get(column) for column in header))
        yield buffer.getvalue()
