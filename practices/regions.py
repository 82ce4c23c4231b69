"""Region pages (an M49 region's countries, its coverage of the 23 objectives, its
practices), and what a list says of its filters: each one in force, the link that removes
it, and the same question asked of the country's sub-region, its region and the world."""

from urllib.parse import urlencode

from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import capfirst, format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from practices import charts, shapes, summary
from practices.cache import CachedCountPaginator, generation
from practices.models import (
    Country,
    Objective,
    Organisation,
    Practice,
    Recommendation,
    Region,
    Source,
    Theme,
)
from practices.selectors import (
    country_places,
    listed,
    practice_list_url,
    record_filterset,
    region_country_counts,
    region_coverage,
    region_kind_counts,
)

PAGE_SIZE = 20


def region_detail(request, slug):
    """An M49 region, sub-region or intermediate region: its countries with their records,
    its records per objective, and its practices page by page."""
    region = get_object_or_404(Region.objects.select_related("parent"), slug=slug)
    at = generation()
    practices = record_filterset(model=Practice, params={"region": region.code}).qs
    kinds = region_kind_counts(region)
    total = next(kind["count"] for kind in kinds if kind["model"] is Practice)
    paginator = CachedCountPaginator(
        shapes.rows(practices), PAGE_SIZE, at=at, counting=lambda: total
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = listed(Practice, page.object_list, at)
    children = sorted(region.children.all(), key=lambda child: child.localized_name())
    countries = region_country_counts(region)
    coverage = region_coverage(region)
    return render(
        request,
        "practices/region_detail.html",
        {
            "region": region,
            "children": children,
            "countries": countries,
            "coverage": coverage,
            "generation": at,
            # Called by the template only when its cached charts are missing.
            "objective_chart": lambda: charts.bar_chart(charts.coverage_rows(coverage)),
            "place_chart": lambda: charts.bar_chart(charts.place_rows(children, countries)),
            "kinds": kinds,
            "page": page,
            "practices_url": practice_list_url(region=region.code),
        },
    )


# An empty or filtered list says which filters are in force, how to remove each, and
# where the same question finds answers: the country's sub-region, its region, the world.

FILTER_TITLES = {
    "q": _("Search"),
    "country": _("Country"),
    "region": _("Region"),
    "objective": _("GCM objective"),
    "action": _("Objective action"),
    "principle": _("Guiding principle"),
    "theme": _("Theme"),
    "organisation": _("Organisation"),
    "source": _("Source"),
    "year": _("Year"),
    "year_from": _("From year"),
    "year_to": _("To year"),
    "kind": _("Kind"),
    "language": _("Language"),
    "scope": _("Where it is implemented"),
    "implementation_status": _("Implementation status"),
    "implemented_since": _("Implemented since (year)"),
}
NOT_FILTERS = {"ordering", "sample", "seed", "page"}
# Facet name: how its values name their rows (the filters take a code, a number or a slug).
LABELS = {
    "scope": lambda values: {str(v): str(label) for v, label in Practice.Scope.choices},
    "implementation_status": lambda values: {
        str(v): str(label) for v, label in Practice.Implementation.choices
    },
    "country": lambda values: {
        code: country.localized_name(get_language() or "en")
        for country in Country.objects.filter(Q(alpha2__in=values) | Q(alpha3__in=values)).only(
            "alpha2", "alpha3", "name", "name_fr", "name_es"
        )
        for code in (country.alpha2, country.alpha3)
    },
    "region": lambda values: {
        key: region.localized_name()
        for region in Region.objects.filter(
            Q(code__in=[v.zfill(3) for v in values if v.isdigit()]) | Q(slug__in=values)
        )
        for key in (region.code, region.code.lstrip("0"), region.slug)
    },
    "objective": lambda values: {
        str(objective.number): f"{objective.number}. {objective.localized_name()}"
        for objective in Objective.objects.filter(
            number__in=[int(v) for v in values if v.isdigit() and len(v) < 4]
        )
    },
    "theme": lambda values: {
        theme.slug: theme.localized_name() for theme in Theme.objects.filter(slug__in=values)
    },
    "organisation": lambda values: {
        row.slug: row.localized_name() for row in Organisation.objects.filter(slug__in=values)
    },
    "kind": lambda values: {value: str(label) for value, label in Recommendation.Kind.choices},
    "source": lambda values: dict(
        Source.objects.filter(slug__in=values).values_list("slug", "title")
    ),
}


def filter_pairs(query, known) -> list[tuple[str, str]]:
    """The query's filters that the list knows, as (name, value), blanks left out."""
    return [
        (name, value)
        for name, values in query.lists()
        if name in known and name not in NOT_FILTERS
        for value in values
        if value.strip()
    ]


def base_name(name: str) -> str:
    """The filter a negation negates: country for -country and country__n."""
    return name.removeprefix("-").removesuffix("__n")


def filters_in_force(query, known, *, model=Practice) -> dict:
    """The filters of a list's query, each titled, named and with the link that removes
    it; and the wider searches for `model`'s records (wider_searches)."""
    pairs = filter_pairs(query, known)
    other = [(k, v) for k, values in query.lists() if k in NOT_FILTERS - {"page"} for v in values]
    wanted: dict[str, list[str]] = {}
    for name, value in pairs:
        if base_name(name) in LABELS:
            wanted.setdefault(base_name(name), []).extend(v.strip() for v in value.split(","))
    names = {name: LABELS[name](values) for name, values in wanted.items()}
    filters = []
    for index, (name, value) in enumerate(pairs):
        labels = names.get(base_name(name), {})
        shown = ", ".join(labels.get(part.strip(), part.strip()) for part in value.split(","))
        title = FILTER_TITLES.get(base_name(name), name)
        if base_name(name) != name:
            title = format_lazy(_("Not {title}"), title=title)
        rest = [pair for i, pair in enumerate(pairs) if i != index] + other
        filters.append({"title": title, "value": shown, "remove": f"?{urlencode(rest)}"})
    return {"filters": filters, "wider": wider_searches(pairs, model)}


def wider_places(name: str, value: str) -> list[Region]:
    """The regions around one country (its sub-region, its region) or one region (the
    regions it lies in), narrowest first."""
    if name == "country":
        code = value.strip().upper()
        country = (
            Country.objects.select_related("subregion__parent")
            .filter(Q(alpha2=code) | Q(alpha3=code))
            .first()
        )
        return country_places(country) if country else []
    code = value.strip()
    region = (
        Region.objects.select_related("parent__parent")
        .filter(Q(code=code.zfill(3)) | Q(slug=code))
        .first()
    )
    places = []
    while region is not None and region.parent_id:
        region = region.parent
        places.append(region)
    return places


def wider_searches(pairs: list[tuple[str, str]], model) -> list[dict]:
    """Where a list filtered by one country (or one region) widens: the same filters over
    its sub-region, its region, then every country; each a link to `model`'s list, with
    its count when the filters are no more than the place and one objective (read from
    practices.summary)."""
    places_filters = [(k, v) for k, v in pairs if k in ("country", "region")]
    if len(places_filters) != 1 or "," in places_filters[0][1]:
        return []
    places = wider_places(*places_filters[0])
    rest = [pair for pair in pairs if pair != places_filters[0]]
    objectives = [v for k, v in rest if k == "objective"]
    number = objectives[0] if len(objectives) == 1 and objectives[0].isdigit() else None
    countable = not rest or (len(rest) == 1 and number is not None)
    counts = wider_counts(places, number, model) if countable else {}
    kind = capfirst(model._meta.verbose_name_plural)
    url = reverse(f"practices:{model._meta.model_name}-list")
    offers = []
    for place in [*places, None]:
        query = rest + ([("region", place.code)] if place else [])
        if place and number:
            label = format_lazy(
                _("{kind} in {region} on objective {number}"),
                kind=kind,
                region=place.localized_name(),
                number=number,
            )
        elif place:
            label = format_lazy(_("{kind} in {region}"), kind=kind, region=place.localized_name())
        elif number:
            label = format_lazy(
                _("{kind} on objective {number} in every country"), kind=kind, number=number
            )
        else:
            label = format_lazy(_("{kind} in every country"), kind=kind)
        offers.append(
            {
                "label": label,
                "url": f"{url}?{urlencode(query)}",
                "count": counts.get(place.pk if place else summary.WORLD),
            }
        )
    return offers


def wider_counts(places: list[Region], number: str | None, model) -> dict[int, int]:
    """Region id (WORLD for every country): `model`'s published records there, on the
    objective numbered `number` when given."""
    kinds = [model._meta.model_name]
    if number is None:
        found = {summary.WORLD: summary.totals()[kinds[0]]}
        for place in places:
            found[place.pk] = summary.counts(place.level, targets=[place.pk], kinds=kinds)[
                kinds[0]
            ].get(place.pk, 0)
        return found
    objective = Objective.objects.filter(number=int(number)).values_list("pk", flat=True).first()
    if objective is None:
        return {}
    cells = summary.region_coverage([place.pk for place in places], kinds=kinds)
    found = {place.pk: cells.get((place.pk, objective), 0) for place in places}
    world = summary.counts("objectives", targets=[objective], kinds=kinds)[kinds[0]]
    found[summary.WORLD] = world.get(objective, 0)
    return found
