"""CSV of a whole record list, fast enough for every practice ever reported.

Serialising 100,000 records one by one through DRF runs at a few hundred rows a second;
this reads the rows with values() and their relations with one query per relation per
chunk, and writes the same columns as the JSON serializers, flattened as
api.renderers.flat does (related rows by code, slug or number, "; "-joined).
"""

from collections import defaultdict
from itertools import islice

from django.urls import reverse
from rest_framework.fields import DateTimeField

from api.renderers import SEPARATOR, csv_line
from practices.models import Challenge, Practice, Recommendation, Status

CHUNK = 2000
DATETIME = DateTimeField()

# Relation name: the related value written for it.
RELATIONS = {
    "countries": "alpha2",
    "organisations": "slug",
    "objectives": "number",
    "actions": None,  # "13h", built from objective number and letter
    "principles": "slug",
    "themes": "slug",
}


def chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def in_model_order(prefix: str, model) -> list[str]:
    """The related model's own ordering, as seen through the through table, as the JSON
    (whose prefetches follow it) lists related rows."""
    order = []
    for name in [*model._meta.ordering, "pk"]:
        descending = name.startswith("-")
        order.append(f"{'-' if descending else ''}{prefix}__{name.lstrip('-')}")
    return order


def related_values(model, relation: str, ids: list[int], show_unpublished: bool) -> dict:
    """For each record id of the chunk, its related rows' codes, in one query."""
    field = model._meta.get_field(relation)
    through = field.remote_field.through
    record, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    rows = through.objects.filter(**{f"{record}_id__in": ids}).order_by(
        *in_model_order(target, field.related_model)
    )
    if relation == "actions":
        rows = rows.values_list(f"{record}_id", f"{target}__objective__number", f"{target}__letter")
        values = ((pk, f"{number}{letter}") for pk, number, letter in rows)
    else:
        key = RELATIONS.get(relation, "slug")
        if relation in ("addressed_by", "challenges_addressed") and not show_unpublished:
            rows = rows.filter(**{f"{target}__status": Status.PUBLISHED})
        values = rows.values_list(f"{record}_id", f"{target}__{key}")
    result = defaultdict(list)
    for pk, value in values:
        result[pk].append(str(value))
    return result


def record_csv_lines(queryset, header: list[str], request, show_unpublished: bool):
    """The CSV lines of every record of `queryset`, in its order, header first."""
    model = queryset.model
    name = model._meta.model_name
    api_url = request.build_absolute_uri(reverse(f"api:{name}-detail", args=["SLUG"]))
    web_url = request.build_absolute_uri(reverse(f"practices:{name}-detail", args=["SLUG"]))
    relations = list(RELATIONS)
    if model is Challenge:
        relations.append("addressed_by")
    columns = ["pk", "slug", "title", "text", "section", "status", "created_at", "updated_at"]
    columns.append("source__slug")
    if model is Recommendation:
        columns += ["kind", "area"]
    yield csv_line(header)
    rows = queryset.values_list(*columns).iterator(chunk_size=CHUNK)
    for chunk in chunks(rows, CHUNK):
        ids = [row[0] for row in chunk]
        linked = {
            relation: related_values(model, relation, ids, show_unpublished)
            for relation in relations
        }
        if model is Practice:
            linked["challenges_addressed"] = reverse_challenges(ids, show_unpublished)
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
                **{
                    relation: SEPARATOR.join(codes.get(pk, []))
                    for relation, codes in linked.items()
                },
            }
            yield csv_line(values.get(column) for column in header)


def reverse_challenges(practice_ids: list[int], show_unpublished: bool) -> dict:
    """For each practice of the chunk, the slugs of the challenges it addresses."""
    rows = Challenge.addressed_by.through.objects.filter(practice_id__in=practice_ids)
    if not show_unpublished:
        rows = rows.filter(challenge__status=Status.PUBLISHED)
    result = defaultdict(list)
    ordered = rows.order_by(*in_model_order("challenge", Challenge))
    for pk, slug in ordered.values_list("practice_id", "challenge__slug"):
        result[pk].append(slug)
    return result
