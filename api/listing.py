"""A page of records as the JSON API lists it, without a serializer per row.

Serialising a page of 20 practices through DRF's nested serializers (and model instances
for every country, objective, theme... of every row) took ~35 ms of Python; the
benchmark's floor, values() and JsonResponse, takes ~5 ms. This builds the same JSON as
the read serializers (tests/api/test_listing.py holds the two equal for every kind):

- the rows with values(), the page's links to the six reference tables in one query
  (UNION ALL over the through tables), the challenges a practice addresses (or the
  practices addressing a challenge) in one more;
- the brief form of every row of the reference tables (a few hundred rows), made by the
  brief serializers themselves once per catalogue generation and kept in the process:
  a generation is never reused, so an editor's change to a country or a theme is seen.
"""

import functools

from django.db import connection
from django.urls import reverse
from rest_framework.fields import DateTimeField

from api import serializers as s
from practices.cache import generation
from practices.models import Challenge, Practice, Recommendation, Status

# Relation on a record: the brief serializer of the rows it links to.
REFERENCES = {
    "countries": s.CountryBriefSerializer,
    "organisations": s.OrganisationBriefSerializer,
    "objectives": s.ObjectiveBriefSerializer,
    "actions": s.ActionBriefSerializer,
    "principles": s.PrincipleBriefSerializer,
    "themes": s.ThemeBriefSerializer,
}
RELATIONS = list(REFERENCES)
DATETIME = DateTimeField()

_briefs: dict[int, dict] = {}


def reference_briefs(at: int) -> dict[str, dict[int, tuple[int, dict]]]:
    """Relation: {pk: (position in the model's order, brief with a relative url)}."""
    memo = _briefs.get(at)
    if memo is None:
        memo = {}
        for relation, serializer in [*REFERENCES.items(), ("source", s.SourceBriefSerializer)]:
            rows = serializer.Meta.model.objects.all()
            if relation == "actions":
                rows = rows.select_related("objective")
            rows = list(rows)
            data = serializer(rows, many=True, context={}).data
            memo[relation] = {
                row.pk: (position, dict(item))
                for position, (row, item) in enumerate(zip(rows, data, strict=True))
            }
        _briefs.clear()  # only the current generation is ever asked for again
        _briefs[at] = memo
    return memo


def forget() -> None:
    """Drop the briefs kept in the process (tests, whose rolled-back writes reuse a
    generation number; the app itself never reuses one)."""
    _briefs.clear()


def columns(model) -> list[str]:
    names = ["id", "slug", "title", "text", "section", "status", "created_at", "updated_at"]
    names.append("source_id")
    if model is Recommendation:
        names += ["kind", "area"]
    return names


@functools.cache
def field_names(serializer_class) -> list[str]:
    """The read serializer's fields, in its order: the keys of every item."""
    return list(serializer_class().fields)


@functools.cache
def links_sql(model) -> tuple[str, ...]:
    """The SELECT of each relation's through table: (record id, linked id, relation)."""
    quote = connection.ops.quote_name
    selects = []
    for index, relation in enumerate(RELATIONS):
        field = model._meta.get_field(relation)
        through = field.remote_field.through._meta
        record = through.get_field(field.m2m_field_name()).column
        target = through.get_field(field.m2m_reverse_field_name()).column
        selects.append(
            f"SELECT {quote(record)}, {quote(target)}, {index} FROM {quote(through.db_table)} "
            f"WHERE {quote(record)} IN ({{ids}})"
        )
    return tuple(selects)


def links(model, ids: list[int]) -> dict[str, dict[int, list[int]]]:
    """Relation: {record id: [linked row ids]}, for the six relations, in one query.

    Plain SQL (a UNION ALL of six SELECTs by primary key, identifiers from the models'
    meta, the ids as parameters): building the same through the ORM took longer than
    running it.
    """
    placeholders = ", ".join(["%s"] * len(ids))
    sql = " UNION ALL ".join(select.format(ids=placeholders) for select in links_sql(model))
    found: dict[str, dict[int, list[int]]] = {relation: {} for relation in RELATIONS}
    with connection.cursor() as cursor:
        cursor.execute(sql, ids * len(RELATIONS))
        for record_id, target_id, index in cursor.fetchall():
            found[RELATIONS[index]].setdefault(record_id, []).append(target_id)
    return found


@functools.cache
def counterparts_sql(model) -> str:
    """Practice: the challenges it addresses; challenge: the practices addressing it."""
    quote = connection.ops.quote_name
    through = Challenge.addressed_by.through._meta
    mine, other = (Practice, Challenge) if model is Practice else (Challenge, Practice)
    mine_column = through.get_field(mine._meta.model_name).column
    other_column = through.get_field(other._meta.model_name).column
    table = quote(other._meta.db_table)
    return (
        f"SELECT t.{quote(mine_column)}, o.{quote('slug')}, o.{quote('title')} "
        f"FROM {quote(through.db_table)} t JOIN {table} o ON o.{quote('id')} = "
        f"t.{quote(other_column)} WHERE t.{quote(mine_column)} IN ({{ids}}){{published}} "
        f"ORDER BY o.{quote('title')}, o.{quote('id')}"
    )


def counterparts(model, ids: list[int], show_unpublished: bool, base: str) -> dict:
    """Practice: the challenges it addresses; challenge: the practices addressing it; as
    the read serializers show them (slug, title, url), in the other model's order
    (title, then pk)."""
    view = "api:challenge-detail" if model is Practice else "api:practice-detail"
    published = "" if show_unpublished else f" AND o.{connection.ops.quote_name('status')} = %s"
    sql = counterparts_sql(model).format(ids=", ".join(["%s"] * len(ids)), published=published)
    url = base + reverse(view, args=["SLUG"])
    found: dict[int, list[dict]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, *([] if show_unpublished else [Status.PUBLISHED])])
        for record_id, slug, title in cursor.fetchall():
            item = {"slug": slug, "title": title, "url": url.replace("SLUG", slug)}
            found.setdefault(record_id, []).append(item)
    return found


def record_page(model, rows, serializer_class, request, show_unpublished, at=None) -> list:
    """The items of one page of `model` records, from their values() rows; `at` is the
    catalogue's generation, when the caller has it."""
    ids = [row["id"] for row in rows]
    briefs = reference_briefs(generation() if at is None else at)
    linked = links(model, ids) if ids else {relation: {} for relation in RELATIONS}
    base = request.build_absolute_uri("/")[:-1]
    other_field = {Practice: "challenges_addressed", Challenge: "addressed_by"}.get(model)
    others = counterparts(model, ids, show_unpublished, base) if other_field and ids else {}
    name = model._meta.model_name
    api_path = reverse(f"api:{name}-detail", args=["SLUG"])
    web_path = reverse(f"practices:{name}-detail", args=["SLUG"])

    def absolute(brief: dict) -> dict:
        return {**brief, "url": base + brief["url"]} if brief.get("url") else brief

    def related(relation: str, pk: int) -> list[dict]:
        table = briefs[relation]
        ordered = sorted(linked[relation].get(pk, ()), key=lambda i: table[i][0])
        return [absolute(table[i][1]) for i in ordered]

    items = []
    keys = field_names(serializer_class)
    for row in rows:
        pk, slug = row["id"], row["slug"]
        source = briefs["source"].get(row["source_id"])
        values = {
            "url": base + api_path.replace("SLUG", slug),
            "web_url": base + web_path.replace("SLUG", slug),
            "slug": slug,
            "title": row["title"],
            "text": row["text"],
            "source": absolute(source[1]) if source else None,
            "section": row["section"],
            "status": row["status"],
            "created": DATETIME.to_representation(row["created_at"]),
            "updated": DATETIME.to_representation(row["updated_at"]),
            **{relation: related(relation, pk) for relation in RELATIONS},
        }
        if model is Recommendation:
            values["kind"], values["area"] = row["kind"], row["area"]
        if other_field:
            values[other_field] = others.get(pk, [])
        items.append({key: values[key] for key in keys})
    return items
