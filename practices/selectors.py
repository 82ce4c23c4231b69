"""Reads of the catalogue for the pages and the API."""

import functools
import operator
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils.translation import gettext as _

from practices import shapes, summary
from practices.cache import cached, generation, matching_key, remember
from practices.filtersets import (
    PracticeFilterSet,
    RecommendationFilterSet,
    RecordFilterSet,
    matching,
)
from practices.models import (
    RECORD_MODELS,
    TRANSLATED_LANGUAGES,
    Country,
    Objective,
    Organisation,
    Practice,
    Recommendation,
    Region,
    Source,
    Theme,
)
from practices.querysets import region_countries_condition

COUNT_NAMES = {
    "practice": "practices_count",
    "challenge": "challenges_count",
    "opportunity": "opportunities_count",
    "recommendation": "recommendations_count",
}


class InvalidFilters(Exception):
    """A list's parameters that cannot be used; `errors` names each with what is wrong."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def visible_records(*, model, user=None):
    """Published records for the public; every record for those who may change them."""
    queryset = model.objects.all()
    if user is not None and user.has_perm(f"practices.change_{model._meta.model_name}"):
        return queryset
    return queryset.published()


def filterset_class_for(model):
    return {Recommendation: RecommendationFilterSet, Practice: PracticeFilterSet}.get(
        model, RecordFilterSet
    )


def record_filterset(*, model, params, user=None):
    """The filters, search and ordering of a list of one kind, over what `user` may see:
    for the API's lists and CSV and for the pages alike."""
    return filterset_class_for(model)(params, queryset=visible_records(model=model, user=user))


def record_rows(*, model, params, user=None):
    """The records a list shows, in its order; InvalidFilters for parameters it cannot use."""
    if not any(name in params for name in filterset_class_for(model).base_filters):
        # No filter, search or ordering asked: the filterset would change nothing, and
        # building its form was a sixth of an unfiltered API page's time.
        return visible_records(model=model, user=user)
    filterset = record_filterset(model=model, params=params, user=user)
    if not filterset.is_valid():
        raise InvalidFilters(filterset.errors)
    return filterset.qs


def record_of_another_kind(model, slug: str, user=None):
    """The record of another kind with this slug, if one is visible: a record re-read as
    another kind keeps its slug, so its old address can redirect to its new one."""
    for other in RECORD_MODELS:
        if other is not model:
            record = visible_records(model=other, user=user).filter(slug=slug).first()
            if record is not None:
                return record
    return None


def catalogue_counts() -> dict[str, int]:
    """Published records of each kind, and the countries and sources they draw on."""
    totals = summary.totals()
    counts = {COUNT_NAMES[kind].removesuffix("_count"): n for kind, n in totals.items()}
    counts["countries"] = len(summary.summed("countries"))
    counts["sources"] = Source.objects.count()
    counts["GCM objectives"] = Objective.objects.count()
    return counts


def source_list():
    """Every source, newest first."""
    return Source.objects.all()


def record_counts(relation: str, ids) -> dict[str, dict[int, int]]:
    """For each kind (practices_count, ...), how many published records link to each row
    of a reference table by `relation` (practices.summary keeps them)."""
    per_kind = summary.counts(relation, targets=ids)
    return {COUNT_NAMES[kind]: rows for kind, rows in per_kind.items()}


def with_record_counts(rows, relation: str) -> list:
    """The rows (a queryset, a page or a list) with practices_count, challenges_count, ...
    set on each: the published records of each kind that link to it by `relation`."""
    rows = list(rows)
    counts = record_counts(relation, [row.pk for row in rows])
    for row in rows:
        for name, per_row in counts.items():
            setattr(row, name, per_row.get(row.pk, 0))
    return rows


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
    cells = summary.coverage(country=country.pk)
    return [
        {"number": o.number, "title": o.localized_name(), "count": cells.get((country.pk, o.pk), 0)}
        for o in Objective.objects.all()
    ]


def objective_countries(objective):
    """Countries with at least one published record on the objective."""
    ids = {country for country, _ in summary.coverage(objective=objective.pk)}
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


# Facet name: (practices.summary relation, the model it counts, its key, its label).
SUMMARY_FACETS = {
    "country": ("countries", Country, "alpha2", "name"),
    "region": ("subregion", Region, "slug", "name"),
    "objective": ("objectives", Objective, "number", "title"),
    "theme": ("themes", Theme, "slug", "name"),
    "organisation": ("organisations", Organisation, "slug", "name"),
    "source": ("source", Source, "slug", "title"),
    "year": ("source", Source, "year", "year"),
}


def cached_facets(queryset, names, at: int | None = None) -> dict[str, list[dict]]:
    """record_facets(), computed once per set of matching records, facets asked and
    catalogue generation: another page, ordering or format of the same filters reuses it.
    The facets of a whole published list are practices.summary's counts: no read counts
    the whole catalogue. The query that counts the facets counts the matching records too,
    and leaves the total where the list's paginator looks for it (cache.cached_count)."""
    names = list(names)
    model = queryset.model
    matching = matching_key(queryset)
    if matching == matching_key(model.objects.published()):
        return facets_in_language(
            cached(
                "facets",
                f"{','.join(names)}|{model._meta.label}|all",
                lambda: summary_facets(model, names),
                at=at,
            )
        )

    def compute():
        total, counted = facet_counts(queryset, names)
        remember("count", matching, total, at=at)
        return labelled_facets(counted)

    return facets_in_language(cached("facets", f"{','.join(names)}|{matching}", compute, at=at))


def summary_facets(model, names) -> dict[str, list[dict]]:
    """The facets of all of a kind's published records, from practices.summary."""
    kind = model._meta.model_name
    counted = {name: summary.counts(SUMMARY_FACETS[name][0], kinds=[kind])[kind] for name in names}
    return labelled_facets(counted)


def record_facets(queryset, names) -> dict[str, list[dict]]:
    """Counts of the records in `queryset` by each facet (facet_counts), labelled."""
    return labelled_facets(facet_counts(queryset, names)[1])


def facet_counts(queryset, names) -> tuple[int, dict[str, dict[int, int]]]:
    """How many records `queryset` matches, and how many of them by each facet's rows, in
    one query: the matching records once (a materialised CTE with their source), their
    countries once when a facet needs them (country and region), then a GROUP BY per facet.

    For the 4,000 practices of one country and objective among 100,000 (PostgreSQL): a
    query per facet, each given the matching ids as parameters, took 0.4 s; a GROUP BY per
    facet over `IN (SELECT pk FROM matching)`, plus a COUNT of its own, 0.13 s; this, 0.06 s.
    """
    model = queryset.model
    quote = connection.ops.quote_name
    counted: dict[str, dict[int, int]] = {name: {} for name in names}
    try:
        matching, params = queryset.order_by().values("pk", "source_id").query.sql_with_params()
    except EmptyResultSet:  # a queryset that can match nothing, such as none()
        return 0, counted
    ctes = [f"matching AS MATERIALIZED ({matching})"]
    selects = ["SELECT -1, 0, COUNT(*) FROM matching"]
    if {"country", "region"} & set(names):
        field = model._meta.get_field("countries")
        through = field.remote_field.through._meta
        record = quote(through.get_field(field.m2m_field_name()).column)
        target = quote(through.get_field(field.m2m_reverse_field_name()).column)
        ctes.append(
            f"placed AS MATERIALIZED (SELECT t.{record} AS record, t.{target} AS country, "
            f"c.subregion_id AS region FROM {quote(through.db_table)} t "
            f"JOIN matching m ON m.pk = t.{record} "
            f"JOIN {quote(Country._meta.db_table)} c ON c.id = t.{target})"
        )
    for number, name in enumerate(names):
        if name == "country":  # the through tables are unique per pair: COUNT(*) counts records
            selects.append(f"SELECT {number}, country, COUNT(*) FROM placed GROUP BY country")
        elif name == "region":  # a record naming two countries of one sub-region counts once
            selects.append(
                f"SELECT {number}, region, COUNT(DISTINCT record) FROM placed "
                "WHERE region IS NOT NULL GROUP BY region"
            )
        elif SUMMARY_FACETS[name][0] == "source":  # source and year: counted per source
            selects.append(f"SELECT {number}, source_id, COUNT(*) FROM matching GROUP BY source_id")
        else:
            field = model._meta.get_field(FACET_FIELDS[name][0])
            through = field.remote_field.through._meta
            record = quote(through.get_field(field.m2m_field_name()).column)
            target = quote(through.get_field(field.m2m_reverse_field_name()).column)
            selects.append(
                f"SELECT {number}, t.{target}, COUNT(*) FROM {quote(through.db_table)} t "
                f"JOIN matching m ON m.pk = t.{record} GROUP BY t.{target}"
            )
    sql = f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)}"
    total = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for number, target, n in cursor.fetchall():
            if number < 0:
                total = n
            else:
                counted[names[number]][target] = n
    return total, counted


def labelled_facets(counted: dict[str, dict[int, int]]) -> dict[str, list[dict]]:
    """Facet name: its values (key and label of each row counted, years summed from their
    sources), in the facet's order. A reference row's label is its names by language
    ({"en": ..., "fr": ..., "es": ...}): the caches keep one value for every language, and
    facets_in_language() gives the reader's."""
    facets = {}
    for name, per_row in counted.items():
        _, related, key, label = SUMMARY_FACETS[name]
        if name in NAMED_FACETS:
            items = [
                {
                    "value": getattr(row, key),
                    "label": {language: row.localized_name(language) for language in LANGUAGES},
                    "count": per_row[row.pk],
                }
                for row in related.objects.filter(pk__in=list(per_row))
            ]
            facets[name] = ordered_facet(name, items)
            continue
        rows = related.objects.filter(pk__in=list(per_row)).values_list("pk", key, label)
        if name == "year":
            years: dict = {}
            for pk, year, _ in rows:
                if year is not None:
                    years[year] = years.get(year, 0) + per_row[pk]
            items = [{"value": y, "label": y, "count": n} for y, n in years.items()]
        else:
            items = [{"value": v, "label": t, "count": per_row[pk]} for pk, v, t in rows]
        facets[name] = ordered_facet(name, items)
    return facets


# The facets whose rows have names in each language (the models' localized_name()).
NAMED_FACETS = {"country", "region", "objective", "theme", "organisation"}
LANGUAGES = ("en", *TRANSLATED_LANGUAGES)


def facets_in_language(facets: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Cached facets (labelled_facets()) with each label in the active language."""
    language = shapes.active_language()
    return {
        name: [
            {**item, "label": item["label"][language]} if name in NAMED_FACETS else item
            for item in items
        ]
        for name, items in facets.items()
    }


def ordered_facet(name: str, items: list[dict]) -> list[dict]:
    """A facet's values in the one order both producers use: most records first (then by
    value); sources by title; years newest first."""
    if name == "year":
        return sorted(items, key=lambda item: -item["value"])
    if name == "source":
        return sorted(items, key=lambda item: (item["label"], item["value"]))
    return sorted(items, key=lambda item: (-item["count"], str(item["value"])))


# Public pages.


@dataclass
class Listed:
    """A record as the pages list it: its public shape (practices.shapes), its kind, and
    its countries' names in each language (the template picks the page's)."""

    kind: str
    item: dict
    countries: list[dict]
    published: object = None  # when it was published, where a list needs it (the feed)

    @property
    def period(self) -> str:
        """A practice's period of implementation ("2019 – ongoing"), or ""."""
        item = self.item
        return period_text(
            item.get("start_year"), item.get("end_year"), item.get("implementation_status")
        )

    @property
    def implementation_status(self) -> str:
        """A practice's implementation status in the page's language, or ""."""
        value = self.item.get("implementation_status")
        return Practice.Implementation(value).label if value else ""


def period_text(start: int | None, end: int | None, status: str | None) -> str:
    """A period of implementation as the pages write it: "2019 – 2022", "2019 – ongoing",
    "planned from 2027", "until 2018"; "" when no year is known."""
    if start and end:
        return f"{start} – {end}"
    if start and status == Practice.Implementation.PLANNED:
        return _("planned from %(year)s") % {"year": start}
    if start:
        return _("%(year)s – ongoing") % {"year": start}
    if end:
        return _("until %(year)s") % {"year": end}
    return ""


def listed(model, rows, at: int | None = None, linked: dict | None = None) -> list[Listed]:
    """The pages' list items of `rows` (shapes.rows()), in order."""
    at = generation() if at is None else at
    items = shapes.record_items(
        model,
        rows,
        base="",
        show_unpublished=False,
        at=at,
        linked=linked,
        with_counterparts=False,
    )
    names = shapes.country_names(at)
    return [
        Listed(
            kind=model._meta.verbose_name,
            item=item,
            countries=[names[country["code"]] for country in item["countries"]],
        )
        for item in items
    ]


def listed_by_kind(rows_by_model: list[tuple], at: int | None = None) -> list[Listed]:
    """List items of records of several kinds, in the order given: [(model, row), ...];
    their links in one query whatever the mix of kinds."""
    if not rows_by_model:
        return []
    at = generation() if at is None else at
    grouped = {
        model: [row for each, row in rows_by_model if each is model] for model in RECORD_MODELS
    }
    linked = shapes.links_of_kinds(
        {model: [row["id"] for row in rows] for model, rows in grouped.items()}
    )
    found: dict = {}
    for model, rows in grouped.items():
        for entry in listed(model, rows, at, linked[model]):
            found[(model, entry.item["slug"])] = entry
    return [found[(model, row["slug"])] for model, row in rows_by_model]


def recent_records(limit: int = 8) -> list[Listed]:
    """The most recently published records of every kind, newest first."""
    newest = []
    for model in RECORD_MODELS:
        rows = model.objects.published().order_by("-published_at", "-pk")[:limit]
        newest += [(model, row) for row in shapes.rows(rows, "published_at")]
    newest.sort(key=lambda pair: (pair[1]["published_at"], pair[1]["id"]), reverse=True)
    entries = listed_by_kind(newest[:limit])
    for entry, (_model, row) in zip(entries, newest, strict=False):
        entry.published = row["published_at"]
    return entries


def records_per_region(level: str) -> dict[int, int]:
    """Published records naming a country of each region, each record once per region;
    `level` is "region", "subregion" or "intermediate" (practices.summary)."""
    return summary.summed(level)


def region_totals() -> list[dict]:
    """The M49 regions with how many published records name one of their countries."""
    counts = records_per_region("region")
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
    per_region = records_per_region("region")
    per_subregion = records_per_region("subregion")
    per_intermediate = records_per_region("intermediate")
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


def records_by_kind(query: str, relation: str, row, limit: int = PROFILE_LIMIT) -> list[dict]:
    """For each kind: how many published records link to `row` by `relation` (countries,
    objectives, source), the latest `limit` of them, and the list page filtered by `query`
    that shows them all."""
    counted = summary.counts(relation, targets=[row.pk])
    kinds = []
    for model in RECORD_MODELS:
        published = model.objects.published().filter(**{relation: row})
        kinds.append(
            {
                "model": model,
                "name": model._meta.verbose_name_plural,
                "count": counted[model._meta.model_name].get(row.pk, 0),
                "records": listed(
                    model,
                    shapes.rows(published.order_by("-published_at", "-pk"))[:limit],
                ),
                "url": f"{reverse(f'practices:{model._meta.model_name}-list')}?{query}",
            }
        )
    return kinds


def country_organisations(country):
    """The organisations a country's published records name (practices.summary)."""
    pairs = summary.coverage(country=country.pk, pair="country-organisation")
    return Organisation.objects.filter(pk__in=[other for _, other in pairs])


def objective_list():
    """The 23 objectives with the number of published records of each kind."""
    objectives = with_record_counts(Objective.objects.all(), "objectives")
    for objective in objectives:
        objective.records_count = sum(getattr(objective, n) for n in COUNT_NAMES.values())
    return objectives


def objective_country_counts(objective) -> list[dict]:
    """Countries with published records on an objective, with how many, most first."""
    counts = {country: n for (country, _), n in summary.coverage(objective=objective.pk).items()}
    countries = Country.objects.in_bulk(list(counts))
    return sorted(
        ({"country": countries[pk], "count": n} for pk, n in counts.items()),
        key=lambda row: (-row["count"], row["country"].name),
    )


def coverage_matrix(models=RECORD_MODELS, all_countries: bool = False, region=None) -> dict:
    """Countries by objectives: how many published records each cell holds, the countries
    grouped by M49 sub-region (within `region` when given). A total counts each record
    once: a country's, the records naming it; an objective's, the records naming it and
    a country of the table's.

    Read from practices.summary, whatever the number of records.
    """
    numbers_by_pk = dict(Objective.objects.values_list("pk", "number"))
    kinds = [model._meta.model_name for model in models]
    cells = {
        (country, numbers_by_pk[objective]): n
        for (country, objective), n in summary.coverage(kinds=kinds).items()
        if objective in numbers_by_pk
    }
    countries = Country.objects.select_related("subregion__parent").order_by(
        F("subregion__parent__name").asc(nulls_last=True), "subregion__name", "name"
    )
    if region is not None:
        countries = countries.filter(region_countries_condition(region))
    if not all_countries:
        countries = countries.filter(pk__in={country_id for country_id, _ in cells})
    records = summary.summed("countries", kinds=kinds)
    numbers = list(range(1, 24))
    groups: dict = {}
    for country in countries:
        group = groups.setdefault(country.subregion_id, {"region": country.subregion, "rows": []})
        group["rows"].append(
            {
                "country": country,
                "cells": [(number, cells.get((country.pk, number), 0)) for number in numbers],
                "total": records.get(country.pk, 0),
            }
        )
    place = summary.WORLD if region is None else region.pk
    per_objective = summary.region_coverage([place], kinds=kinds)
    by_number = {numbers_by_pk.get(pk): n for (_, pk), n in per_objective.items()}
    column_totals = [by_number.get(number, 0) for number in numbers]
    return {
        "objectives": list(Objective.objects.all()),
        "groups": list(groups.values()),
        "rows": [row for group in groups.values() for row in group["rows"]],
        "column_totals": column_totals,
        "total": summary.summed(region.level, targets=[region.pk], kinds=kinds).get(region.pk, 0)
        if region is not None
        else None,
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
            .values(*shapes.columns(model))
            .annotate(shared=Count("pk"))
            .order_by("-shared", "title")
        )
        if isinstance(record, model):
            queryset = queryset.exclude(pk=record.pk)
        related += [(model, row) for row in queryset[:limit]]
    related.sort(key=lambda pair: (-pair[1]["shared"], pair[1]["title"]))
    return listed_by_kind(related[:limit])


# The planner's workbench: gaps, peers and regions.


def practice_list_url(**filters) -> str:
    """The practices list filtered as given (region=..., objective=...)."""
    query = "&".join(f"{name}={value}" for name, value in filters.items())
    return f"{reverse('practices:practice-list')}?{query}" if query else ""


def country_places(country) -> list[Region]:
    """The country's M49 sub-region and region, narrowest first (none for Antarctica)."""
    if country.subregion is None:
        return []
    return [region for region in (country.subregion, country.subregion.parent) if region]


def country_gaps(country) -> list[dict]:
    """Each of the 23 objectives with the country's published records on it and, where it
    has none, its peers: how many practices its sub-region, its region and the world have
    on it, with the list that shows them. Four queries (practices.summary), whatever the
    catalogue's size."""
    own = summary.coverage(country=country.pk)
    places = country_places(country)
    near = summary.region_coverage([place.pk for place in places], kinds=["practice"])
    world = summary.counts("objectives", kinds=["practice"])["practice"]
    search = reverse("practices:search")
    rows = []
    for objective in Objective.objects.all():
        pk, number, title = objective.pk, objective.number, objective.localized_name()
        count = own.get((country.pk, pk), 0)
        peers = []
        if not count:
            peers = [
                {
                    "region": place,
                    "count": near.get((place.pk, pk), 0),
                    "url": practice_list_url(region=place.code, objective=number),
                }
                for place in places
            ]
            peers.append(
                {
                    "region": None,
                    "count": world.get(pk, 0),
                    "url": practice_list_url(objective=number),
                }
            )
        rows.append(
            {
                "number": number,
                "title": title,
                "count": count,
                "url": f"{search}?country={country.alpha2}&objective={number}",
                "peers": peers,
            }
        )
    return rows


def region_coverage(region, kinds=summary.KINDS) -> list[dict]:
    """Each of the 23 objectives with the published records naming one of the region's
    countries and the objective (each record once), and the search that shows them."""
    cells = summary.region_coverage([region.pk], kinds=kinds)
    search = reverse("practices:search")
    return [
        {
            "number": o.number,
            "title": o.localized_name(),
            "count": cells.get((region.pk, o.pk), 0),
            "url": f"{search}?region={region.code}&objective={o.number}",
        }
        for o in Objective.objects.all()
    ]


def region_kind_counts(region) -> list[dict]:
    """For each kind: the published records naming one of the region's countries, and the
    list page that shows them."""
    counted = summary.counts(region.level, targets=[region.pk])
    return [
        {
            "model": model,
            "name": model._meta.verbose_name_plural,
            "count": counted[model._meta.model_name].get(region.pk, 0),
            "url": f"{reverse(f'practices:{model._meta.model_name}-list')}?region={region.code}",
        }
        for model in RECORD_MODELS
    ]


def region_country_counts(region) -> list:
    """The region's countries by name, each with its published records (all kinds)."""
    countries = with_record_counts(region_countries(region), "countries")
    for country in countries:
        country.records_count = sum(getattr(country, name) for name in COUNT_NAMES.values())
    return countries


# The planner's workbench: countries side by side, and a plan sheet.

COMPARE_LIMIT = 5  # records shown per country and objective on /compare/
PLAN_LIMIT = 5  # the country's records shown per objective on its plan sheet
PEER_LIMIT = 3  # peers' practices shown per objective and place on a plan sheet
OBJECTIVES = 23
RECENT_PER_OBJECTIVE = 2  # newest_on_each_objective ranks the newest 2 × limit × 23 first


def newest_on_each_objective(queryset, limit: int, fields=None) -> list[dict]:
    """The records of `queryset` on each objective, newest first, at most `limit` of each:
    values() rows of `fields` (the id unless given) with "objective_number" and
    "published_at". (Ranking ids alone, then reading the few rows chosen, cut the plan
    sheet's SQL by some 40% at 20,000 practices on SQLite.)

    The queryset's newest RECENT_PER_OBJECTIVE × limit × 23 records are ranked first: an
    objective with `limit` of them has its newest there. Only the other objectives'
    records are then all ranked, in a second query (none when every objective is served).
    Ranking every record of a country named by 19,000 of 100,000 practices on each of its
    objectives took its plan sheet 1.8 s after a write on PostgreSQL."""
    fields = ("id",) if fields is None else fields
    values = (*fields, "objective_number", "published_at")
    recent = queryset.order_by("-published_at", "-pk").values("pk")
    recent = recent[: int(RECENT_PER_OBJECTIVE * limit * OBJECTIVES)]
    rows = list(
        ranked_on_objectives(queryset.model.objects.filter(pk__in=recent), limit).values(*values)
    )
    served = Counter(row["objective_number"] for row in rows)
    short = [number for number in range(1, OBJECTIVES + 1) if served[number] < limit]
    if not short:
        return rows
    rest = ranked_on_objectives(queryset, limit).filter(objective_number__in=short)
    return [row for row in rows if row["objective_number"] not in short] + list(
        rest.values(*values)
    )


def ranked_on_objectives(queryset, limit: int):
    """`queryset`'s records once per objective they speak to, ranked newest first within
    it, the first `limit` of each kept."""
    ranked = queryset.order_by().annotate(
        objective_number=F("objectives__number"),
        rank=Window(
            RowNumber(),
            partition_by=[F("objectives__number")],
            order_by=[F("published_at").desc(), F("pk").desc()],
        ),
    )
    return ranked.filter(objective_number__isnull=False, rank__lte=limit)


def with_rows(model, ranked) -> list[dict]:
    """Ranked values (newest_on_each_objective) with their records' rows (shapes.rows), in
    their order: one query for all of them."""
    ranked = list(ranked)
    ids = {entry["id"] for entry in ranked}
    rows = {row["id"]: row for row in shapes.rows(model.objects.filter(pk__in=ids))}
    return [{**rows[entry["id"]], **entry} for entry in ranked]


def countries_side_by_side(countries, limit: int = COMPARE_LIMIT) -> dict:
    """The 23 objectives, each with every country's published records on it (how many,
    from practices.summary, and the newest `limit` of every kind), and which of the
    countries have any: what all share, what only one has, what none has yet. A fixed
    number of queries for a number of countries, whatever the catalogue's size."""
    ids = [country.pk for country in countries]
    counts: dict = {}
    for country in countries:
        counts.update(summary.coverage(country=country.pk))
    newest: dict = {}
    for model in RECORD_MODELS:
        prefix, _, suffix = reverse(
            f"practices:{model._meta.model_name}-detail", args=["S"]
        ).rpartition("S")
        for pk in ids:  # each country's newest on their own: one may have 20,000 records
            named = matching(model.objects.published(), "countries", pk=pk)
            for row in newest_on_each_objective(named, limit, fields=("slug", "title")):
                newest.setdefault((pk, row["objective_number"]), []).append(
                    {
                        "kind": model._meta.verbose_name,
                        "title": row["title"],
                        "url": f"{prefix}{row['slug']}{suffix}",
                        "published_at": row["published_at"],
                    }
                )
    search = reverse("practices:search")
    rows = []
    for objective in Objective.objects.all():
        pk, number, title = objective.pk, objective.number, objective.localized_name()
        cells = []
        for country in countries:
            records = sorted(
                newest.get((country.pk, number), []),
                key=published_key,
                reverse=True,
            )[:limit]
            cells.append(
                {
                    "country": country,
                    "count": counts.get((country.pk, pk), 0),
                    "records": records,
                    "url": f"{search}?country={country.alpha2}&objective={number}",
                }
            )
        holders = [cell["country"] for cell in cells if cell["count"]]
        rows.append({"number": number, "title": title, "cells": cells, "holders": holders})
    return {
        "rows": rows,
        "shared": [row for row in rows if len(row["holders"]) == len(countries)],
        "only": [
            {"country": country, "rows": [row for row in rows if row["holders"] == [country]]}
            for country in countries
        ],
        "none": [row for row in rows if not row["holders"]],
    }


def plan_sheet(country, limit: int = PLAN_LIMIT, peer_limit: int = PEER_LIMIT) -> list[dict]:
    """Objective by objective: the country's gaps and peers (country_gaps), its newest
    published records of every kind on the objective, and the newest practices of its
    peers, its sub-region's then the rest of its region's, none naming the country."""
    own = []
    for model in RECORD_MODELS:  # a country's own records are few: ranked with their rows
        named = matching(model.objects.published(), "countries", pk=country.pk)
        columns = shapes.columns(model)
        own += [(model, row) for row in newest_on_each_objective(named, limit, fields=columns)]
    ranked, places = [], country_places(country)
    # The places' countries by id, read once: a row's links are then checked against a
    # list of ids, not joined to countries and regions (one probe per practice scanned).
    where = Country.objects.filter(
        functools.reduce(operator.or_, map(region_countries_condition, places))
    ).values_list("pk", "subregion_id", "subregion__parent_id", "intermediate_region_id")
    place_countries = {place.pk: set() for place in places}
    for pk, *regions in where:
        for region in regions:
            if region in place_countries:
                place_countries[region].add(pk)
    elsewhere = {country.pk}
    for place in places:  # its peers' may be thousands: their ids ranked, then the rows read
        practices = matching(
            Practice.objects.published(), "countries", pk__in=place_countries[place.pk]
        ).exclude(  # NOT EXISTS: NOT IN hashed the 20,000 ids of a large country first
            Exists(
                Practice.countries.through.objects.filter(
                    practice_id=OuterRef("pk"), country_id__in=elsewhere
                )
            )
        )
        ranked += [
            {**row, "place": place} for row in newest_on_each_objective(practices, peer_limit)
        ]
        elsewhere |= place_countries[place.pk]
    peers = [(row.pop("place"), row) for row in with_rows(Practice, ranked)]
    entries = listed_by_kind(own + [(Practice, row) for _, row in peers])
    own_entries = entries[: len(own)]
    peer_entries = entries[len(own) :]
    rows = []
    for row in country_gaps(country):
        number = row["number"]
        peer_counts = {peer["region"]: peer["count"] for peer in row["peers"]}
        rows.append(
            {
                **row,
                "records": newest_first(
                    (entry, record)
                    for entry, (_, record) in zip(own_entries, own, strict=True)
                    if record["objective_number"] == number
                )[:limit],
                "places": [
                    {
                        "region": place,
                        "within": place != places[0],
                        "count": peer_counts.get(place),
                        "url": practice_list_url(region=place.code, objective=number),
                        "records": [
                            entry
                            for entry, (where, record) in zip(peer_entries, peers, strict=True)
                            if where == place and record["objective_number"] == number
                        ],
                    }
                    for place in places
                ],
            }
        )
    return rows


def published_key(row: dict) -> tuple:
    """A row's place in newest-first order (never-published ones last)."""
    published = row["published_at"]
    return (published is not None, published.timestamp() if published else 0)


def newest_first(pairs) -> list[Listed]:
    """The entries of (entry, row) pairs, the newest row first."""
    pairs = sorted(pairs, key=lambda pair: published_key(pair[1]), reverse=True)
    return [entry for entry, _ in pairs]


def records_by_slug(slugs) -> tuple[list[Listed], set[str]]:
    """The published records of any kind with these slugs, as the pages list them, and
    the slugs that name none."""
    found = []
    for model in RECORD_MODELS:
        found += [
            (model, row) for row in shapes.rows(model.objects.published().filter(slug__in=slugs))
        ]
    entries = listed_by_kind(found)
    return entries, set(slugs) - {entry.item["slug"] for entry in entries}


def search_facets(querysets, names, at: int | None = None) -> dict[str, list[dict]]:
    """The facets of the search page, which shows every kind: each facet's rows with the
    matching records of all kinds, summed. A query per kind (facet_counts(), which counts
    its records too and leaves the total for the kind's count) or practices.summary for a
    whole list, then the labels once; computed once per generation and filters."""
    names = list(names)

    def compute():
        summed: dict[str, dict[int, int]] = {name: {} for name in names}
        for queryset in querysets:
            model = queryset.model
            matching = matching_key(queryset)
            if matching == matching_key(model.objects.published()):
                kind = model._meta.model_name
                counted = {
                    name: summary.counts(SUMMARY_FACETS[name][0], kinds=[kind])[kind]
                    for name in names
                }
            else:
                total, counted = facet_counts(queryset, names)
                remember("count", matching, total, at=at)
            for name, per_row in counted.items():
                for pk, n in per_row.items():
                    summed[name][pk] = summed[name].get(pk, 0) + n
        return labelled_facets(summed)

    key = "|".join(matching_key(queryset) for queryset in querysets)
    facets = cached("facets", f"search|{','.join(names)}|{key}", compute, at=at)
    return facets_in_language(facets)
