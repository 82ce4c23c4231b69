"""A record's public shape: the one producer of what the API lists, shows, writes back
and exports as CSV, and of what the pages list.

A record is read as a values() row; its links to the six reference tables come for a
whole page in one query (a UNION ALL over the through tables), the challenges a practice
addresses (or the practices addressing a challenge) in one more. Each linked row appears
in its brief form (a country's code, alpha-3, name and API url...), made here once per
catalogue generation for every row of the reference tables and kept in the process: a
generation is never reused, so an editor's change to a country or a theme is seen.

Names are the active language's (English, French or Spanish): a reference row's brief
gives its name (an objective its title) in the language of the request, so the briefs are
made once per reference generation and language. A record's own title and text stay in
the language its source wrote them in, which its `language` says.

Serialising through DRF's nested serializers took ~35 ms of Python for a page of 20
practices; this takes a few. The API's serializers keep the schema (and the writes);
tests/api/test_listing.py holds every item's keys to the schema's.
"""

import datetime
import functools
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from rest_framework.fields import DateTimeField

from practices.cache import reference_generation
from practices.models import (
    TRANSLATED_LANGUAGES,
    Challenge,
    Country,
    GuidingPrinciple,
    Objective,
    ObjectiveAction,
    Organisation,
    Partner,
    Practice,
    Recommendation,
    Region,
    Source,
    Status,
    Theme,
)

RELATIONS = ["countries", "organisations", "objectives", "actions", "principles", "themes"]
DATETIME = DateTimeField()
ZERO = datetime.timedelta(0)
UTC_SITE = settings.TIME_ZONE == "UTC" and settings.USE_TZ


# Brief forms of the reference rows, with their API url relative to the site's root.


@functools.cache
def url_template(view_name: str) -> tuple[str, str]:
    """A view's path split around its key: ("/api/objectives/", "/")."""
    for sentinel in ("zzsentinelzz", "99"):  # objectives take numbers only
        try:
            path = reverse(view_name, args=[sentinel])
        except NoReverseMatch:
            continue
        prefix, _, suffix = path.rpartition(sentinel)
        return prefix, suffix
    raise NoReverseMatch(f"Cannot reverse {view_name} with a key")


def api_url(view_name: str, key) -> str:
    prefix, suffix = url_template(view_name)
    return f"{prefix}{quote(str(key), safe='')}{suffix}"


def active_language() -> str:
    """The language names are given in: "fr" or "es" when active, else "en"."""
    language = (get_language() or "en")[:2]
    return language if language in TRANSLATED_LANGUAGES else "en"


def region_brief(region: Region, language: str | None = None) -> dict:
    return {
        "code": region.code,
        "name": region.localized_name(language),
        "slug": region.slug,
        "level": region.level,
        "url": api_url("api:region-detail", region.code),
    }


def country_brief(country: Country, language: str | None = None) -> dict:
    return {
        "code": country.alpha2,
        "alpha3": country.alpha3,
        "name": country.localized_name(language),
        "url": api_url("api:country-detail", country.alpha2),
    }


def objective_brief(objective: Objective, language: str | None = None) -> dict:
    return {
        "number": objective.number,
        "title": objective.localized_name(language),
        "url": api_url("api:objective-detail", objective.number),
    }


def action_brief(action: ObjectiveAction, language: str | None = None) -> dict:
    """An action's text is the Compact's English (gcm.yaml holds no translation of it)."""
    return {
        "code": action.code,
        "label": str(action),
        "objective": action.objective.number,
        "letter": action.letter,
        "text": action.text,
    }


def principle_brief(principle: GuidingPrinciple, language: str | None = None) -> dict:
    return {
        "number": principle.number,
        "slug": principle.slug,
        "name": principle.localized_name(language),
        "url": api_url("api:principle-detail", principle.slug),
    }


def theme_brief(theme: Theme, language: str | None = None) -> dict:
    return {
        "slug": theme.slug,
        "name": theme.localized_name(language),
        "url": api_url("api:theme-detail", theme.slug),
    }


def organisation_brief(organisation: Organisation, language: str | None = None) -> dict:
    return {
        "slug": organisation.slug,
        "name": organisation.localized_name(language),
        "acronym": organisation.acronym,
        "kind": organisation.kind,
        "url": api_url("api:organisation-detail", organisation.slug),
    }


def source_brief(source: Source, language: str | None = None) -> dict:
    return {
        "slug": source.slug,
        "title": source.title,
        "year": source.year,
        "url": api_url("api:source-detail", source.slug),
    }


# Relation: the model it links to and the brief of its rows.
BRIEFS = {
    "countries": (Country, country_brief),
    "organisations": (Organisation, organisation_brief),
    "objectives": (Objective, objective_brief),
    "actions": (ObjectiveAction, action_brief),
    "principles": (GuidingPrinciple, principle_brief),
    "themes": (Theme, theme_brief),
    "source": (Source, source_brief),
    "regions": (Region, region_brief),
}

_briefs: dict[int, dict] = {}
# Reference generation: {"briefs": {language: briefs}, "names": ...}.
_reference: dict[int, dict] = {}


def made_from_reference(at: int) -> dict:
    """What is made from the reference tables alone, for catalogue generation `at`: made
    again only when the reference generation has moved (an editor's save of a record
    moves the catalogue's generation, not theirs), asked once per catalogue generation."""
    memo = _briefs.get(at)
    if memo is None:
        reference = reference_generation()
        memo = _reference.get(reference)
        if memo is None:
            memo = {"briefs": {}, "names": make_country_names()}
            _reference.clear()
            _reference[reference] = memo
        _briefs.clear()  # only the current generation is ever asked for again
        _briefs[at] = memo
    return memo


def reference_briefs(at: int) -> dict[str, dict[int, tuple[int, dict]]]:
    """Relation: {pk: (position in the model's order, brief)}, for generation `at`, with
    the names of the active language (made the first time a language asks)."""
    by_language = made_from_reference(at)["briefs"]
    language = active_language()
    briefs = by_language.get(language)
    if briefs is None:
        briefs = by_language[language] = make_briefs(language)
    return briefs


def make_briefs(language: str = "en") -> dict[str, dict[int, tuple[int, dict]]]:
    briefs = {}
    for relation, (model, brief) in BRIEFS.items():
        rows = model.objects.all()
        if model is ObjectiveAction:
            rows = rows.select_related("objective")
        briefs[relation] = {
            row.pk: (position, brief(row, language)) for position, row in enumerate(rows)
        }
    return briefs


def country_names(at: int) -> dict[str, dict[str, str]]:
    """Alpha-2 code: the country's name by language (the pages' list items show them in
    the page's), kept in the process like the briefs."""
    return made_from_reference(at)["names"]


def make_country_names() -> dict[str, dict[str, str]]:
    return {
        code: {"en": name, "fr": name_fr or name, "es": name_es or name}
        for code, name, name_fr, name_es in Country.objects.values_list(
            "alpha2", "name", "name_fr", "name_es"
        )
    }


def forget() -> None:
    """Drop what is kept in the process (tests, whose rolled-back writes reuse a
    generation number; the app itself never reuses one)."""
    _briefs.clear()
    _reference.clear()
    _absolute.clear()


_absolute: dict[tuple[int, str, str], dict] = {}


def briefs_at(at: int, base: str) -> dict[str, dict[int, tuple[int, dict]]]:
    """reference_briefs() with urls made absolute by `base`, made once per generation and
    base (a site answers on one or two hosts): a page's links are then shared, not copied."""
    briefs = reference_briefs(at)
    if not base:
        return briefs
    key = (at, base, active_language())
    if key not in _absolute:
        if len(_absolute) > 8:
            _absolute.clear()
        _absolute[key] = {
            relation: {pk: (n, absolute(brief, base)) for pk, (n, brief) in rows.items()}
            for relation, rows in briefs.items()
        }
    return _absolute[key]


def absolute(brief: dict, base: str) -> dict:
    """A brief with its url made absolute by `base` ("https://host"), when it has one."""
    return {**brief, "url": base + brief["url"]} if base and brief.get("url") else brief


# Records.


def columns(model) -> list[str]:
    """What a record's row is read with: record_items() takes rows of these values()."""
    names = ["id", "slug", "title", "text", "language", "section", "status", "created_at"]
    names.append("updated_at")
    names.append("source_id")
    if model is Recommendation:
        names += ["kind", "kind_stated", "area"]
    if model is Practice:
        names += PRACTICE_COLUMNS
    return names


# A practice's implementation, as its public shape gives it (never its private contact).
PRACTICE_COLUMNS = [
    "scope",
    "scope_region_id",
    "start_year",
    "end_year",
    "implementation_status",
    "results",
    "lessons",
    "innovation",
    "principles_applied",
]
PRACTICE_KEYS = list(Practice.IMPLEMENTATION_FIELDS)


def rows(queryset, *extra: str):
    """The records of `queryset` as record_items() takes them: values() of columns(), and
    of `extra` ones."""
    return queryset.values(*columns(queryset.model), *extra)


def item_keys(model) -> list[str]:
    """The keys of a record's public shape, in order."""
    keys = [
        "url",
        "web_url",
        "slug",
        "title",
        "text",
        "language",
        *RELATIONS,
        "source",
        "section",
        "status",
        "created",
        "updated",
    ]
    keys += {Practice: ["challenges_addressed"], Challenge: ["addressed_by"]}.get(model, [])
    keys += PRACTICE_KEYS if model is Practice else []
    keys += ["kind", "kind_stated", "area"] if model is Recommendation else []
    return keys


@functools.cache
def links_sql(model) -> tuple[str, ...]:
    """The SELECT of each relation's through table: (record id, linked id, tag), where the
    caller fills in the tag and the ids."""
    quote_name = connection.ops.quote_name
    selects = []
    for relation in RELATIONS:
        field = model._meta.get_field(relation)
        through = field.remote_field.through._meta
        record = through.get_field(field.m2m_field_name()).column
        target = through.get_field(field.m2m_reverse_field_name()).column
        selects.append(
            f"SELECT {quote_name(record)}, {quote_name(target)}, {{tag}} "
            f"FROM {quote_name(through.db_table)} WHERE {quote_name(record)} IN ({{ids}})"
        )
    return tuple(selects)


def links(model, ids: list[int]) -> dict[str, dict[int, list[int]]]:
    """Relation: {record id: [linked row ids]}, for the six relations, in one query."""
    return links_of_kinds({model: ids})[model]


def links_of_kinds(ids_by_model: dict) -> dict:
    """Model: relation: {record id: [linked row ids]}, for records of several kinds, in one
    query whatever the kinds (a page listing the latest records of every kind).

    Plain SQL (a UNION ALL of six SELECTs per kind by primary key, identifiers from the
    models' meta, the ids as parameters): building the same through the ORM took longer
    than running it.
    """
    found = {model: {relation: {} for relation in RELATIONS} for model in ids_by_model}
    if Practice in found:
        found[Practice]["partners"] = {}  # and their partners, in the same query
    models = [model for model, ids in ids_by_model.items() if ids]
    if not models:
        return found
    selects, params = [], []
    for number, model in enumerate(models):
        ids = list(ids_by_model[model])
        placeholders = ", ".join(["%s"] * len(ids))
        for index, select in enumerate(links_sql(model)):
            tag = number * len(RELATIONS) + index
            selects.append(select.format(tag=f"{tag}, NULL, NULL", ids=placeholders))
            params += ids
        if model is Practice:
            selects.append(partners_sql(len(models) * len(RELATIONS)).format(ids=placeholders))
            params += ids
    tagged = [found[model][relation] for model in models for relation in RELATIONS]
    partners = found.get(Practice, {}).get("partners")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        for record_id, target_id, tag, name, role in cursor.fetchall():
            if tag == len(tagged):
                partners.setdefault(record_id, []).append((target_id, name, role))
                continue
            linked = tagged[tag].get(record_id)
            if linked is None:
                tagged[tag][record_id] = [target_id]
            else:
                linked.append(target_id)
    return found


@functools.cache
def counterparts_sql(model, union: bool = False) -> str:
    """Practice: the challenges it addresses; challenge: the practices addressing it. As a
    branch of links_and_counterparts()'s UNION ALL (`union`), each row as (record, other's
    id, tag, slug, title), the order left to the whole."""
    quote_name = connection.ops.quote_name
    through = Challenge.addressed_by.through._meta
    mine, other = (Practice, Challenge) if model is Practice else (Challenge, Practice)
    mine_column = through.get_field(mine._meta.model_name).column
    other_column = through.get_field(other._meta.model_name).column
    table = quote_name(other._meta.db_table)
    columns = f"t.{quote_name(mine_column)}, o.{quote_name('slug')}, o.{quote_name('title')}"
    if union:
        columns = (
            f"t.{quote_name(mine_column)}, o.{quote_name('id')}, {len(RELATIONS)}, "
            f"o.{quote_name('slug')}, o.{quote_name('title')}"
        )
    order = "" if union else f" ORDER BY o.{quote_name('title')}, o.{quote_name('id')}"
    return (
        f"SELECT {columns} "
        f"FROM {quote_name(through.db_table)} t JOIN {table} o ON o.{quote_name('id')} = "
        f"t.{quote_name(other_column)} WHERE t.{quote_name(mine_column)} IN ({{ids}})"
        f"{{published}}{order}"
    )


def links_and_counterparts(model, ids: list[int], show_unpublished: bool, base: str):
    """links() and counterparts() in one query: a page of practices or challenges, read in
    two round trips (its rows, then this) rather than three."""
    found = {relation: {} for relation in RELATIONS}
    if not ids:
        return found, {}
    placeholders = ", ".join(["%s"] * len(ids))
    # Every SELECT gives (record, linked row, tag, slug, title); only the counterparts'
    # have a slug and a title, and only their order matters: by title, then id.
    selects = [
        select.format(tag=f"{index}, NULL, NULL", ids=placeholders)
        for index, select in enumerate(links_sql(model))
    ]
    status = connection.ops.quote_name("status")
    published = "" if show_unpublished else f" AND o.{status} = %s"
    union = counterparts_sql(model, union=True)
    selects.append(union.format(ids=placeholders, published=published))
    params = ids * len(RELATIONS) + ids + ([] if show_unpublished else [Status.PUBLISHED])
    if model is Practice:  # and its partners, in the same round trip
        selects.append(partners_sql(len(RELATIONS) + 1).format(ids=placeholders))
        params += ids
    tagged = [found[relation] for relation in RELATIONS]
    view = "api:challenge-detail" if model is Practice else "api:practice-detail"
    others: dict[int, list[dict]] = {}
    partners: dict[int, list[tuple]] = {}
    found["partners"] = partners
    with connection.cursor() as cursor:
        cursor.execute(f"{' UNION ALL '.join(selects)} ORDER BY 3, 5, 2", params)
        for record_id, target_id, tag, slug, title in cursor.fetchall():
            if tag < len(RELATIONS):
                tagged[tag].setdefault(record_id, []).append(target_id)
            elif tag > len(RELATIONS):
                partners.setdefault(record_id, []).append((target_id, slug, title))
            else:
                item = {"slug": slug, "title": title, "url": base + api_url(view, slug)}
                others.setdefault(record_id, []).append(item)
    return found, others


def counterparts(model, ids: list[int], show_unpublished: bool, base: str) -> dict:
    """Practice: the challenges it addresses; challenge: the practices addressing it; each
    as slug, title and url, in the other model's order (title, then pk)."""
    if not ids:
        return {}
    view = "api:challenge-detail" if model is Practice else "api:practice-detail"
    status = connection.ops.quote_name("status")
    published = "" if show_unpublished else f" AND o.{status} = %s"
    sql = counterparts_sql(model).format(ids=", ".join(["%s"] * len(ids)), published=published)
    found: dict[int, list[dict]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, *([] if show_unpublished else [Status.PUBLISHED])])
        for record_id, slug, title in cursor.fetchall():
            item = {"slug": slug, "title": title, "url": base + api_url(view, slug)}
            found.setdefault(record_id, []).append(item)
    return found


def partners_sql(tag: int) -> str:
    """The partners of practices, as a branch of a UNION ALL (links_of_kinds(),
    links_and_counterparts()): (practice, organisation or NULL, `tag`, name, role)."""
    quote_name = connection.ops.quote_name
    meta = Partner._meta
    column = lambda name: quote_name(meta.get_field(name).column)  # noqa: E731
    return (
        f"SELECT {column('practice')}, {column('organisation')}, {tag}, "
        f"{column('name')}, {column('role')} FROM {quote_name(meta.db_table)} "
        f"WHERE {column('practice')} IN ({{ids}})"
    )


def partner_order(entry: tuple) -> tuple:
    """Partners by role, then organisations of the table (by id), then names given."""
    organisation_id, name, role = entry
    return (role, organisation_id is None, organisation_id or 0, name)


def partner_items(found: dict[int, list[tuple]], briefs: dict) -> dict[int, list[dict]]:
    """Practice id: its partners as {organisation (slug or None), name (in the active
    language), role}, from (organisation id, name, role) rows."""
    organisations = briefs["organisations"]
    items = {}
    for practice_id, entries in found.items():
        items[practice_id] = []
        for organisation_id, name, role in sorted(entries, key=partner_order):
            brief = organisations[organisation_id][1] if organisation_id else None
            items[practice_id].append(
                {
                    "organisation": brief["slug"] if brief else None,
                    "name": brief["name"] if brief else name,
                    "role": role,
                }
            )
    return items


def partners_of(ids: list[int]) -> dict[int, list[tuple]]:
    """Practice id: its partners' (organisation id, name, role), in one query."""
    found: dict[int, list[tuple]] = {}
    if ids:
        rows = Partner.objects.filter(practice_id__in=ids).values_list(
            "practice_id", "organisation_id", "name", "role"
        )
        for practice_id, organisation_id, name, role in rows:
            found.setdefault(practice_id, []).append((organisation_id, name, role))
    return found


def record_items(
    model,
    rows,
    *,
    base: str,
    show_unpublished: bool,
    at: int,
    links_base: str | None = None,
    linked: dict | None = None,
    with_counterparts: bool = True,
) -> list[dict]:
    """The public shape of each record of `rows` (values() of columns(model)), in order.

    `base` ("https://host", or "" for paths) goes before every url, and `links_base`
    (`base` unless given) before the linked rows' (the CSV, which writes their codes,
    saves copying them); `at` is the catalogue's generation, for the briefs. `linked`
    gives the rows' links when the caller read them (links_of_kinds); the pages' list
    items, which do not show them, go without the challenges or practices on the other
    side (`with_counterparts`).
    """
    links_base = base if links_base is None else links_base
    rows = list(rows)
    ids = [row["id"] for row in rows]
    briefs = briefs_at(at, links_base)
    other_field = {Practice: "challenges_addressed", Challenge: "addressed_by"}.get(model)
    if not with_counterparts:
        other_field = None
    if other_field and linked is None:
        linked, others = links_and_counterparts(model, ids, show_unpublished, links_base)
    else:
        linked = links(model, ids) if linked is None else linked
        others = counterparts(model, ids, show_unpublished, links_base) if other_field else {}
    name = model._meta.model_name
    web_path = reverse(f"practices:{name}-detail", args=["SLUG"])

    tables = [(relation, briefs[relation], linked[relation]) for relation in RELATIONS]
    sources = briefs["source"]
    practice = model is Practice
    if practice:
        found_partners = linked.get("partners")
        if found_partners is None:
            found_partners = partners_of(ids)
        partners = partner_items(found_partners, briefs)
    regions = briefs["regions"]
    api_prefix, api_suffix = url_template(f"api:{name}-detail")
    web_prefix, _, web_suffix = web_path.partition("SLUG")
    items = []
    for row in rows:
        pk, slug = row["id"], row["slug"]
        item = {
            "url": f"{base}{api_prefix}{quote(slug, safe='')}{api_suffix}",
            "web_url": f"{base}{web_prefix}{slug}{web_suffix}",
            "slug": slug,
            "title": row["title"],
            "text": row["text"],
            "language": row["language"],
        }
        for relation, table, linked_ids in tables:
            found = linked_ids.get(pk)
            if not found:
                item[relation] = []
            elif len(found) == 1:
                item[relation] = [table[found[0]][1]]
            else:  # the linked rows' briefs, in their model's order
                item[relation] = [entry[1] for entry in sorted([table[i] for i in found])]
        source = sources.get(row["source_id"])
        item["source"] = source[1] if source else None
        item["section"] = row["section"]
        item["status"] = row["status"]
        item["created"] = timestamp(row["created_at"])
        item["updated"] = timestamp(row["updated_at"])
        if other_field:
            item[other_field] = others.get(pk, [])
        if model is Recommendation:
            item["kind"], item["kind_stated"] = row["kind"], row["kind_stated"]
            item["area"] = row["area"]
        if practice:
            region = regions.get(row["scope_region_id"])
            item["scope"] = row["scope"]
            item["scope_region"] = region[1] if region else None
            item["start_year"], item["end_year"] = row["start_year"], row["end_year"]
            item["implementation_status"] = row["implementation_status"]
            item["partners"] = partners.get(pk, [])
            for name in ("results", "lessons", "innovation", "principles_applied"):
                item[name] = row[name]
        items.append(item)
    return items


def timestamp(value) -> str:
    """A datetime as DRF's DateTimeField writes it: ISO 8601 in the site's time zone, "Z"
    for UTC. (The site's zone is UTC: converting directly takes a tenth of DRF's time,
    which was a fifth of a list page's.)"""
    if isinstance(value, str):  # SQLite's raw values, where a query gave them unparsed
        value = parse_datetime(value)
    if value is None or not UTC_SITE:
        return DATETIME.to_representation(value)
    if value.utcoffset() != ZERO:
        value = value.astimezone(datetime.UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def record_item(record, *, base: str, show_unpublished: bool, at: int) -> dict:
    """The public shape of one record (a model instance, e.g. just written)."""
    model = type(record)
    row = rows(model.objects.filter(pk=record.pk)).get()
    return record_items(model, [row], base=base, show_unpublished=show_unpublished, at=at)[0]
