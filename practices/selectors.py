"""Reads of the catalogue for the pages and the API."""

from django.db.models import (
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from practices.cache import cached, query_key
from practices.models import RECORD_MODELS, Country, Objective, Region, Source

COUNT_NAMES = {
    "practice": "practices_count",
    "challenge": "challenges_count",
    "opportunity": "opportunities_count",
    "recommendation": "recommendations_count",
}


def catalogue_counts() -> dict[str, int]:
    """Published records of each kind, and the countries and sources they draw on."""
    counts = {}
    country_ids: set[int] = set()
    for model in RECORD_MODELS:
        published = model.objects.published()
        counts[COUNT_NAMES[model._meta.model_name].removesuffix("_count")] = published.count()
        country_ids.update(
            published.filter(countries__isnull=False)
            .order_by()
            .values_list("countries", flat=True)
            .distinct()
        )
    counts["countries"] = len(country_ids)
    counts["sources"] = Source.objects.count()
    counts["GCM objectives"] = Objective.objects.count()
    return counts


def source_list():
    """Every source, newest first."""
    return Source.objects.all()


def record_counts(relation: str, ids) -> dict[str, dict[int, int]]:
    """For each kind (practices_count, ...), how many published records link to each row
    of a reference table by `relation`: a GROUP BY per kind over the links, the four in
    one query (UNION ALL).

    A correlated subquery per row (what an annotation would be) walks the links once per
    row: on 100,000 practices that was 2.3 s for the 23 objectives.
    """
    grouped = []
    for model in RECORD_MODELS:
        field = model._meta.get_field(relation)
        if field.many_to_many:
            rows = field.remote_field.through.objects.filter(
                **{
                    f"{field.m2m_field_name()}__status": "published",
                    f"{field.m2m_reverse_field_name()}_id__in": ids,
                }
            )
            key = f"{field.m2m_reverse_field_name()}_id"
        else:
            rows = model.objects.published().filter(**{f"{field.attname}__in": ids})
            key = field.attname
        kind = Value(COUNT_NAMES[model._meta.model_name], output_field=CharField())
        grouped.append(rows.order_by().values_list(key).annotate(n=Count("*"), kind=kind))
    counts: dict[str, dict[int, int]] = {name: {} for name in COUNT_NAMES.values()}
    for pk, n, name in grouped[0].union(*grouped[1:], all=True):
        counts[name][pk] = n
    return counts


def with_record_counts(rows, relation: str) -> list:
    """The rows (a queryset, a page or a list) with practices_count, challenges_count, ...
    set on each: the published records of each kind that link to it by `relation`."""
    rows = list(rows)
    counts = record_counts(relation, [row.pk for row in rows])
    for row in rows:
        for name, per_row in counts.items():
            setattr(row, name, per_row.get(row.pk, 0))
    return rows


def region_countries_condition(region, prefix: str = "") -> Q:
    """Countries in a region, in its sub-regions or in its intermediate regions."""
    return (
        Q(**{f"{prefix}subregion": region})
        | Q(**{f"{prefix}subregion__parent": region})
        | Q(**{f"{prefix}intermediate_region": region})
    )


def region_list():
    """Regions with how many countries each holds, sub-regions included."""
    countries = (
        Country.objects.filter(region_countries_condition(OuterRef("pk")))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return Region.objects.select_related("parent").annotate(
        countries_count=Coalesce(Subquery(countries, output_field=IntegerField()), 0)
    )


def region_countries(region):
    return Country.objects.filter(region_countries_condition(region)).order_by("name")


def country_coverage(country) -> list[dict]:
    """Each of the 23 objectives with the number of the country's published records on it."""
    counts: dict[int, int] = {}
    for model in RECORD_MODELS:
        rows = (
            model.objects.published()
            .filter(countries=country, objectives__isnull=False)
            .values_list("objectives__number")
            .annotate(n=Count("pk"))
        )
        for number, n in rows:
            counts[number] = counts.get(number, 0) + n
    return [
        {"number": number, "title": title, "count": counts.get(number, 0)}
        for number, title in Objective.objects.values_list("number", "title")
    ]


def objective_countries(objective):
    """Countries with at least one published record on the objective."""
    ids: set[int] = set()
    for model in RECORD_MODELS:
        ids.update(
            model.objects.published()
            .filter(objectives=objective, countries__isnull=False)
            .order_by()
            .values_list("countries", flat=True)
            .distinct()
        )
    return Country.objects.filter(pk__in=ids).order_by("name")


FACETS = ("country", "region", "objective", "theme", "organisation", "source", "year")

# Facet name: (relation on the record, its key, its label).
FACET_FIELDS = {
    "country": ("countries", "alpha2", "name"),
    "region": ("countries", "subregion__slug", "subregion__name"),
    "objective": ("objectives", "number", "title"),
    "theme": ("themes", "slug", "name"),
    "organisation": ("organisations", "slug", "name"),
}


MATERIALISE_LIMIT = 20_000


def cached_facets(queryset, names, at: int | None = None) -> dict[str, list[dict]]:
    """record_facets(), computed once per set of matching records, facets asked and
    catalogue generation: another page, ordering or format of the same filters reuses it."""
    names = list(names)
    key = f"{','.join(names)}|{query_key(queryset.order_by().values('pk'))}"
    return cached("facets", key, lambda: record_facets(queryset, names), at=at)


def record_facets(queryset, names) -> dict[str, list[dict]]:
    """Counts of the records in `queryset` by each facet: one query per facet."""
    model = queryset.model
    ids = queryset.order_by().values("pk")
    if len(names) > 1:
        # One pass over the match instead of one per facet, when the match is not huge.
        matched = list(ids.values_list("pk", flat=True)[: MATERIALISE_LIMIT + 1])
        if len(matched) <= MATERIALISE_LIMIT:
            ids = matched
    facets = {}
    for name in names:
        if name in ("year", "source"):
            key, label = {
                "year": ("source__year", "source__year"),
                "source": ("source__slug", "source__title"),
            }[name]
            rows = (
                model.objects.filter(pk__in=ids, **{f"{key}__isnull": False})
                .values(key, label)
                .annotate(count=Count("pk"))
                .order_by(f"-{key}" if name == "year" else label)
            )
            facets[name] = [{"value": r[key], "label": r[label], "count": r["count"]} for r in rows]
            continue
        field, key, label = FACET_FIELDS[name]
        relation = model._meta.get_field(field)
        through = relation.remote_field.through
        record, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
        rows = (
            through.objects.filter(**{f"{record}__in": ids})
            .values(f"{target}__{key}", f"{target}__{label}")
            # A record names a country, objective, theme or organisation once (the
            # through tables are unique per pair), so COUNT(*) counts records; a region
            # groups several countries and needs DISTINCT.
            .annotate(count=Count(record, distinct=name == "region"))
            .order_by("-count", f"{target}__{key}")
        )
        facets[name] = [
            {"value": r[f"{target}__{key}"], "label": r[f"{target}__{label}"], "count": r["count"]}
            for r in rows
            if r[f"{target}__{key}"] is not None
        ]
    return facets


# Public pages.


def recent_records(limit: int = 8) -> list:
    """The most recently published records of every kind, newest first."""
    records = []
    for model in RECORD_MODELS:
        records += model.objects.published().with_summary().order_by("-published_at", "-pk")[:limit]
    return sorted(records, key=lambda r: (r.published_at, r.pk), reverse=True)[:limit]


def records_per_region(path: str) -> dict[int, int]:
    """Distinct published records naming a country of each region; `path` leads from the
    country to the region ("subregion__parent", "subregion" or "intermediate_region")."""
    counts: dict[int, int] = {}
    for model in RECORD_MODELS:
        relation = model._meta.get_field("countries")
        through = relation.remote_field.through
        record, country = relation.m2m_field_name(), relation.m2m_reverse_field_name()
        rows = (
            through.objects.filter(**{f"{record}__status": "published"})
            .exclude(**{f"{country}__{path}": None})
            .values_list(f"{country}__{path}")
            .annotate(n=Count(record, distinct=True))
        )
        for region_id, n in rows:
            counts[region_id] = counts.get(region_id, 0) + n
    return counts


def region_totals() -> list[dict]:
    """The M49 regions with how many published records name one of their countries."""
    counts = records_per_region("subregion__parent")
    return [
        {"region": region, "records_count": counts.get(region.pk, 0)}
        for region in Region.objects.filter(level=Region.Level.REGION).order_by("name")
    ]


def countries_by_region() -> list[dict]:
    """M49 regions, their sub-regions (or intermediate regions) and countries with counts."""
    countries = with_record_counts(
        Country.objects.select_related("subregion__parent", "intermediate_region").order_by("name"),
        "countries",
    )
    regions: dict = {}
    for country in countries:
        country.records_count = sum(getattr(country, name) for name in COUNT_NAMES.values())
        if country.subregion is None:
            continue
        group = country.intermediate_region or country.subregion
        region = regions.setdefault(
            country.subregion.parent, {"region": country.subregion.parent, "groups": {}}
        )
        entry = region["groups"].setdefault(
            group, {"group": group, "subregion": country.subregion, "countries": []}
        )
        entry["countries"].append(country)
    per_region = records_per_region("subregion__parent")
    per_subregion = records_per_region("subregion")
    per_intermediate = records_per_region("intermediate_region")
    result = []
    for region in sorted(regions.values(), key=lambda r: r["region"].name):
        groups = sorted(
            region["groups"].values(), key=lambda g: (g["subregion"].name, g["group"].name)
        )
        for group in groups:
            counts = per_intermediate if group["group"] != group["subregion"] else per_subregion
            group["records_count"] = counts.get(group["group"].pk, 0)
        result.append(
            {
                "region": region["region"],
                "groups": groups,
                "records_count": per_region.get(region["region"].pk, 0),
            }
        )
    return result


PROFILE_LIMIT = 10


def records_by_kind(query: str, limit: int = PROFILE_LIMIT, **lookups) -> list[dict]:
    """For each kind: how many published records match `lookups`, the latest `limit` of
    them, and the list page filtered by `query` that shows them all."""
    kinds = []
    for model in RECORD_MODELS:
        published = model.objects.published().filter(**lookups)
        kinds.append(
            {
                "model": model,
                "name": model._meta.verbose_name_plural,
                "count": published.count(),
                "records": list(published.with_summary().order_by("-published_at", "-pk")[:limit]),
                "url": f"{reverse(f'practices:{model._meta.model_name}-list')}?{query}",
            }
        )
    return kinds


def country_organisations(country):
    """The organisations a country's published records name."""
    from practices.models import Organisation

    ids: set[int] = set()
    for model in RECORD_MODELS:
        ids.update(
            model.objects.published()
            .filter(countries=country, organisations__isnull=False)
            .order_by()
            .values_list("organisations", flat=True)
            .distinct()
        )
    return Organisation.objects.filter(pk__in=ids)


def objective_list():
    """The 23 objectives with the number of published records of each kind."""
    objectives = with_record_counts(Objective.objects.all(), "objectives")
    for objective in objectives:
        objective.records_count = sum(getattr(objective, n) for n in COUNT_NAMES.values())
    return objectives


def objective_country_counts(objective) -> list[dict]:
    """Countries with published records on an objective, with how many, most first."""
    counts: dict[int, int] = {}
    for model in RECORD_MODELS:
        rows = (
            model.objects.published()
            .filter(objectives=objective, countries__isnull=False)
            .values_list("countries")
            .annotate(n=Count("pk"))
        )
        for country_id, n in rows:
            counts[country_id] = counts.get(country_id, 0) + n
    countries = Country.objects.in_bulk(list(counts))
    return sorted(
        ({"country": countries[pk], "count": n} for pk, n in counts.items()),
        key=lambda row: (-row["count"], row["country"].name),
    )


def coverage_matrix(models=RECORD_MODELS, all_countries: bool = False) -> dict:
    """Countries by objectives: how many published records each cell holds.

    One query per kind of record, whatever the number of countries.
    """
    cells: dict[tuple[int, int], int] = {}
    for model in models:
        rows = (
            model.objects.published()
            .filter(countries__isnull=False, objectives__isnull=False)
            .values_list("countries", "objectives__number")
            .annotate(n=Count("pk"))
        )
        for country_id, number, n in rows:
            cells[(country_id, number)] = cells.get((country_id, number), 0) + n
    with_records = {country_id for country_id, _ in cells}
    countries = Country.objects.order_by("name")
    if not all_countries:
        countries = countries.filter(pk__in=with_records)
    numbers = list(range(1, 24))
    rows = [
        {
            "country": country,
            "cells": [(number, cells.get((country.pk, number), 0)) for number in numbers],
            "total": sum(cells.get((country.pk, number), 0) for number in numbers),
        }
        for country in countries
    ]
    column_totals = [sum(cells.get((c, n), 0) for c in with_records) for n in numbers]
    return {
        "objectives": list(Objective.objects.all()),
        "rows": rows,
        "column_totals": column_totals,
        "empty_objectives": [
            n for n, total in zip(numbers, column_totals, strict=True) if not total
        ],
    }


def related_records(record, limit: int = 6) -> list:
    """Published records of any kind sharing the most objectives or countries with `record`."""
    objective_ids = [o.pk for o in record.objectives.all()]
    country_ids = [c.pk for c in record.countries.all()]
    related = []
    for model in RECORD_MODELS:
        queryset = (
            model.objects.published()
            .filter(Q(objectives__in=objective_ids) | Q(countries__in=country_ids))
            .annotate(shared=Count("pk"))
            .order_by("-shared", "title")
            .with_summary()
        )
        if isinstance(record, model):
            queryset = queryset.exclude(pk=record.pk)
        related += queryset[:limit]
    return sorted(related, key=lambda r: (-r.shared, r.title))[:limit]
