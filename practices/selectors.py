"""Reads of the catalogue for the pages and the API."""

from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

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
        counts[str(model._meta.verbose_name_plural)] = published.count()
        country_ids.update(
            published.filter(countries__isnull=False).values_list("countries", flat=True)
        )
    counts["countries"] = len(country_ids)
    counts["sources"] = Source.objects.count()
    counts["GCM objectives"] = Objective.objects.count()
    return counts


def source_list():
    """Every source, newest first."""
    return Source.objects.all()


def published_count(model, relation: str):
    """A subquery: how many published `model` records link to the outer row by `relation`."""
    counts = (
        model.objects.published()
        .filter(**{relation: OuterRef("pk")})
        .order_by()
        .values(relation)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def with_record_counts(queryset, relation: str):
    """Annotate practices_count, challenges_count, ... for each row of a reference table."""
    return queryset.annotate(
        **{
            COUNT_NAMES[model._meta.model_name]: published_count(model, relation)
            for model in RECORD_MODELS
        }
    )


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
            .values_list("countries", flat=True)
        )
    return Country.objects.filter(pk__in=ids).order_by("name")


FACETS = ("country", "objective", "theme", "organisation", "year")


def record_facets(queryset, names) -> dict[str, list[dict]]:
    """Counts of the records in `queryset` by country, objective, theme, organisation, year."""
    model = queryset.model
    ids = queryset.order_by().values("pk")
    facets = {}
    for name in names:
        if name == "year":
            rows = (
                model.objects.filter(pk__in=ids, source__year__isnull=False)
                .values("source__year")
                .annotate(count=Count("pk"))
                .order_by("-source__year")
            )
            facets[name] = [{"value": r["source__year"], "count": r["count"]} for r in rows]
            continue
        field, key, label = {
            "country": ("countries", "alpha2", "name"),
            "objective": ("objectives", "number", "title"),
            "theme": ("themes", "slug", "name"),
            "organisation": ("organisations", "slug", "name"),
        }[name]
        through = model._meta.get_field(field).remote_field.through
        record, target = (
            model._meta.get_field(field).m2m_field_name(),
            model._meta.get_field(field).m2m_reverse_field_name(),
        )
        rows = (
            through.objects.filter(**{f"{record}__in": ids})
            .values(f"{target}__{key}", f"{target}__{label}")
            .annotate(count=Count("pk"))
            .order_by("-count", f"{target}__{key}")
        )
        facets[name] = [
            {"value": r[f"{target}__{key}"], "label": r[f"{target}__{label}"], "count": r["count"]}
            for r in rows
        ]
    return facets
