"""Public pages: browse by country, region, objective and theme; search; read and cite."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from practices import charts, shapes
from practices.cache import CachedCountPaginator, cached, cached_count, generation
from practices.filtersets import resolve_regions
from practices.models import (
    RECORD_MODELS,
    Challenge,
    Country,
    Objective,
    Practice,
    Region,
    Source,
    Status,
    Theme,
)
from practices.regions import filters_in_force
from practices.search import fell_back, snippets
from practices.selectors import (
    FACETS,
    cached_facets,
    catalogue_counts,
    countries_by_region,
    country_gaps,
    country_organisations,
    coverage_matrix,
    listed,
    objective_country_counts,
    objective_list,
    period_text,
    recent_records,
    record_filterset,
    record_of_another_kind,
    records_by_kind,
    region_totals,
    related_records,
    search_facets,
    source_list,
    with_record_counts,
)
from practices.snapshots import PACKAGE, latest_name, latest_snapshot, read_snapshot

PAGE_SIZE = 20
KINDS = {model._meta.verbose_name_plural: model for model in RECORD_MODELS}


def home(request):
    """Search, the catalogue's counts, ways to browse, and what was published last."""
    at = generation()
    regions = cached("pages", "region-totals", region_totals, at=at)
    objectives = cached("pages", "objectives", lambda: list(objective_list()), at=at)
    return render(
        request,
        "practices/home.html",
        {
            "counts": cached("pages", "counts", catalogue_counts, at=at),
            "regions": regions,
            "objectives": objectives,
            "generation": at,
            # Called by the template only when its cached map and charts are missing.
            "world_map": charts.world_map,
            "objective_chart": lambda: charts.bar_chart(charts.objective_rows(objectives)),
            "region_chart": lambda: charts.bar_chart(charts.region_rows(regions)),
            "themes": cached(
                "pages",
                "themes",
                lambda: list(with_record_counts(Theme.objects.all(), "themes")),
                at=at,
            ),
            "recent": cached("pages", "recent", recent_records, at=at),
        },
    )


def record_list(request, model):
    """One kind of record with faceted filters, full-text search and pages, all in the URL."""
    filterset = record_filterset(model=model, params=request.GET)
    if not filterset.is_valid():
        return render(
            request,
            "practices/record_list.html",
            {"kind": model._meta, "filterset": filterset, "errors": filterset.errors},
            status=400,
        )
    queryset = filterset.qs
    at = generation()
    rows = shapes.rows(queryset)

    def counting():
        """The first request of these filters in this generation counts the records with
        their facets, in one query, rather than a COUNT and then the facets."""
        cached_facets(queryset, FACETS, at=at)
        return cached_count(queryset, at=at)

    paginator = CachedCountPaginator(rows, PAGE_SIZE, at=at, counting=counting)
    page = paginator.get_page(request.GET.get("page"))
    text = request.GET.get("q", "").strip()
    page.object_list = listed_with_snippets(model, page.object_list, text, at)
    query = FacetQuery(request.GET, keep=filterset.base_filters)

    def facet_groups():
        """Called by the template only when its cached facet block is missing."""
        facets = cached_facets(queryset, FACETS, at=at)
        return facet_links(query, facets)

    return render(
        request,
        "practices/record_list.html",
        {
            "kind": model._meta,
            "filterset": filterset,
            "page": page,
            "selected": selected_values(query),
            "facet_groups": facet_groups,
            "facet_key": urlencode(query.pairs),
            "generation": at,
            "api_url": reverse(f"api:{model._meta.model_name}-list"),
            "fell_back": fell_back(queryset),
            "scope_chosen": request.GET.getlist("scope"),
            "status_chosen": request.GET.getlist("implementation_status"),
            "notes": None
            if page.paginator.count
            else filters_in_force(request.GET, filterset.base_filters, model=model),
        },
    )


def selected_values(query: "FacetQuery") -> dict[str, set[str]]:
    """The filter values in the query string, as strings, for the form's hidden fields."""
    return {name: set(query.chosen(name)) for name in FACETS}


class FacetQuery:
    """A query string, read once, from which each facet value's link is made: the query
    with that value added to or removed from its parameter, back on page 1. (A filtered
    page shows a few hundred such links; copying the QueryDict for each one was a third of
    the page's time.)"""

    def __init__(self, query, keep=None):
        """`keep`: the parameters the list knows; others (a tracker's utm_source...) are
        left out of the links, and so of the facet block's cache key."""
        self.pairs = [
            (k, v)
            for k, values in query.lists()
            if k != "page" and (keep is None or k in keep)
            for v in values
        ]
        self.keys = list(dict.fromkeys(k for k, _ in self.pairs))

    def chosen(self, name: str) -> list[str]:
        return [v for k, item in self.pairs if k == name for v in item.split(",") if v]

    def toggle(self, name: str, value, chosen: list[str] | None = None) -> str:
        values = self.chosen(name) if chosen is None else chosen
        value = str(value)
        values = [v for v in values if v != value] if value in values else [*values, value]
        pairs = []
        for key in self.keys if name in self.keys else [*self.keys, name]:
            if key == name:
                pairs += [(name, v) for v in values]
            else:
                pairs += [(k, v) for k, v in self.pairs if k == key]
        encoded = urlencode(pairs)
        return f"?{encoded}" if encoded else "?"


FACET_TITLES = {
    "country": _("Country"),
    "region": _("Region"),
    "objective": _("GCM objective"),
    "theme": _("Theme"),
    "organisation": _("Organisation"),
    "source": _("Source"),
    "year": _("Year"),
}


def facet_links(query: FacetQuery, facets: dict[str, list[dict]]) -> list[dict]:
    """Each facet's title and its values as list items: the link that adds or removes
    the value, whether it is chosen, its count. The items are made here as HTML (a list
    of 250 countries through the template's loop took most of a cold page's Python)."""
    groups = []
    for name, values in facets.items():
        chosen = query.chosen(name)
        items = []
        for item in values:
            value = str(item["value"])
            label = f"{value}. {item['label']}" if name == "objective" else item["label"]
            href = escape(query.toggle(name, value, chosen))
            if value in chosen:
                link = (
                    f'<a href="{href}" aria-current="true" class="chosen">'
                    f'<span class="tick" aria-hidden="true">✓</span> {escape(label)}</a>'
                )
            else:
                link = f'<a href="{href}">{escape(label)}</a>'
            items.append(f'<li>{link} <span class="count">{item["count"]}</span></li>')
        if items:
            groups.append(
                {"name": name, "title": FACET_TITLES[name], "items": mark_safe("".join(items))}
            )
    return groups


def search(request):
    """Every kind of record matching the same filters and search, kind by kind: the
    facets of them all, each kind's first records (the passages holding the words) with
    its JSON and CSV, and whether the search fell back to any of its words."""
    at = generation()
    filtersets = [record_filterset(model=model, params=request.GET) for model in RECORD_MODELS]
    known = {name for filterset in filtersets for name in filterset.base_filters}
    errors = next((f.errors for f in filtersets if not f.is_valid()), None)
    theme = searched_theme(request.GET)
    if errors:
        context = {"errors": errors, "query": request.GET.get("q", ""), "theme": theme}
        return render(request, "practices/search.html", context, status=400)
    querysets = [filterset.qs for filterset in filtersets]
    query = FacetQuery(request.GET, keep=known)
    facets = search_facets(querysets, FACETS, at=at)  # counts each kind's records too
    text = request.GET.get("q", "").strip()
    filtered = urlencode(query.pairs)
    results = []
    for model, queryset in zip(RECORD_MODELS, querysets, strict=True):
        name = model._meta.model_name
        api_url = f"{reverse(f'api:{name}-list')}?{filtered}"
        results.append(
            {
                "kind": model._meta,
                "count": cached_count(queryset, at=at),
                "records": listed_with_snippets(model, shapes.rows(queryset)[:5], text, at),
                "fell_back": fell_back(queryset),
                "url": f"{reverse(f'practices:{name}-list')}?{filtered}",
                "json_url": api_url,
                "csv_url": f"{api_url}&format=csv" if filtered else f"{api_url}format=csv",
            }
        )
    counted = [result for result in results if result["count"]]
    return render(
        request,
        "practices/search.html",
        {
            "results": results,
            "query": request.GET.get("q", ""),
            "theme": theme,
            "found": bool(counted),
            "fell_back": bool(counted) and all(result["fell_back"] for result in counted),
            "selected": selected_values(query),
            "facet_groups": facet_links(query, facets),
            "notes": filters_in_force(request.GET, known),
        },
    )


def searched_theme(query):
    """The theme a search is narrowed to, when it names one alone (a theme's page)."""
    slugs = [v for value in query.getlist("theme") for v in value.split(",") if v.strip()]
    if len(slugs) != 1:
        return None
    return Theme.objects.filter(slug=slugs[0].strip().lower()).first()


def listed_with_snippets(model, rows, text: str, at: int) -> list:
    """The pages' list items of `rows`, each with the passage of its text holding the
    words of `text` (`snippet`, HTML) when there is one."""
    rows = list(rows)
    entries = listed(model, rows, at)
    if text:
        found = snippets(model, [row["id"] for row in rows], text)
        for entry, row in zip(entries, rows, strict=True):
            entry.snippet = found.get(row["id"], "")
    return entries


def record_detail(request, slug, model):
    """One published record, with its source, a citation and related records."""
    queryset = model.objects.published().with_related()
    if model is Challenge:
        queryset = queryset.prefetch_related("addressed_by")
    if model is Practice:
        queryset = queryset.prefetch_related(
            "challenges_addressed", "partners__organisation"
        ).select_related("scope_region")
    record = queryset.filter(slug=slug).first()
    if record is None:
        # A record re-read as another kind keeps its slug: its old address still answers.
        moved = record_of_another_kind(model, slug)
        if moved is None:
            raise Http404(_("No %(kind)s at this address.") % {"kind": model._meta.verbose_name})
        return redirect(moved.get_absolute_url(), permanent=True)
    return render(
        request,
        "practices/record_detail.html",
        {
            "record": record,
            "kind": model._meta,
            "related": related_records(record),
            "addressed_by": published(record.addressed_by.all()) if model is Challenge else [],
            "challenges": published(record.challenges_addressed.all()) if model is Practice else [],
            "partners": partners_in_order(record) if model is Practice else [],
            "period": period_text(record.start_year, record.end_year, record.implementation_status)
            if model is Practice
            else "",
            "permalink": request.build_absolute_uri(record.get_absolute_url()),
            "api_url": reverse(f"api:{model._meta.model_name}-detail", args=[record.slug]),
            # Records keep their source's language: the page says so when it is not the
            # interface's (no machine translation of a record's text).
            "other_language": record.language != (get_language() or "en")[:2],
        },
    )


def partners_in_order(practice) -> list:
    """A practice's partners as its public shape orders them (shapes.partner_order)."""
    return sorted(
        practice.partners.all(),
        key=lambda p: shapes.partner_order((p.organisation_id, p.name, p.role)),
    )


def published(records) -> list:
    """The published ones among prefetched records."""
    return [record for record in records if record.status == Status.PUBLISHED]


def country_list(request):
    """Countries by M49 region and sub-region, each with how many records it has."""
    regions = cached("pages", "countries-by-region", countries_by_region)
    return render(request, "practices/country_list.html", {"regions": regions})


def country_detail(request, slug):
    """A country's records of every kind, its partners, and its coverage of the 23 objectives."""
    country = get_object_or_404(
        Country.objects.select_related("subregion__parent", "intermediate_region"), slug=slug
    )

    def profile():
        return {
            "kinds": records_by_kind(f"country={country.alpha2}", "countries", country),
            "organisations": list(country_organisations(country)),
            "gaps": country_gaps(country),
        }

    # The profile is rendered once per generation and language (its fragment is cached):
    # `profile` runs only when the fragment is missing.
    return render(
        request,
        "practices/country_detail.html",
        {"country": country, "profile": profile, "generation": generation()},
    )


def objective_list_view(request):
    objectives = cached("pages", "objectives", lambda: list(objective_list()))
    return render(request, "practices/objective_list.html", {"objectives": objectives})


def objective_detail(request, number):
    objective = get_object_or_404(Objective.objects.prefetch_related("actions"), number=number)
    at = generation()
    query = f"objective={objective.number}"
    return render(
        request,
        "practices/objective_detail.html",
        {
            "objective": objective,
            "generation": at,
            # Called by the template only when its cached fragments are missing.
            "kinds": lambda: records_by_kind(query, "objectives", objective),
            "countries": lambda: objective_country_counts(objective),
            "world_map": lambda: charts.world_map(objective),
            "region_chart": lambda: charts.bar_chart(charts.objective_region_rows(objective)),
        },
    )


def coverage(request):
    """Countries by objectives: where practice is documented and where it is not yet."""
    kind = request.GET.get("kind", "")
    if kind and kind not in KINDS:
        raise Http404(_("Unknown kind of record."))
    models = [KINDS[kind]] if kind else RECORD_MODELS
    all_countries = request.GET.get("countries") == "all"
    region = coverage_region(request.GET.get("region", ""))
    return render(
        request,
        "practices/coverage.html",
        {
            "generation": generation(),
            # Called by the template only when its cached table is missing: a matrix of
            # some 6,000 cells read back from the cache on every request made enough
            # garbage to set off Python's full collection every thirty or so (60 ms).
            "matrix": lambda: coverage_matrix(models, all_countries=all_countries, region=region),
            "kind": kind,
            "kinds": KINDS,
            "all_countries": all_countries,
            "region": region,
            "regions": cached("pages", "region-choices", region_choices),
            "cell_url": reverse(f"practices:{KINDS[kind]._meta.model_name}-list")
            if kind
            else reverse("practices:search"),
        },
    )


def coverage_region(value: str):
    """The region the coverage matrix is narrowed to (code or slug), None for the world."""
    if not value.strip():
        return None
    try:
        return resolve_regions([value])[0]
    except ValidationError:
        raise Http404(_("Unknown region.")) from None


def region_choices() -> list:
    """The M49 regions, each followed by its sub-regions: the coverage matrix's choices."""
    regions = list(Region.objects.exclude(level=Region.Level.INTERMEDIATE).order_by("name"))
    return [
        choice
        for region in regions
        if region.level == Region.Level.REGION
        for choice in (region, *(r for r in regions if r.parent_id == region.pk))
    ]


def source_list_view(request):
    sources = with_record_counts(source_list(), "source")
    return render(request, "practices/source_list.html", {"sources": sources})


def source_detail(request, slug):
    source = get_object_or_404(Source, slug=slug)
    return render(
        request,
        "practices/source_detail.html",
        {
            "source": source,
            "kinds": records_by_kind(f"source={source.slug}", "source", source),
            "permalink": request.build_absolute_uri(source.get_absolute_url()),
            "api_url": reverse("api:source-detail", args=[source.slug]),
        },
    )


def about(request):
    return render(
        request,
        "practices/about.html",
        {
            "counts": catalogue_counts(),
            "licence": settings.DATA_LICENCE,
            "licence_url": settings.DATA_LICENCE_URL,
        },
    )


def api_guide(request):
    return render(request, "practices/api_guide.html")


def data(request):
    """The latest bulk snapshot's files to download, or the command that makes one."""
    return render(
        request,
        "practices/data.html",
        {
            "snapshot": latest_snapshot(),
            "licence": settings.DATA_LICENCE,
            "licence_url": settings.DATA_LICENCE_URL,
        },
    )


def data_file(request, snapshot, filename):
    """A file that a snapshot's datapackage.json names; under "latest", a redirect to the
    newest snapshot's."""
    if snapshot == "latest":
        snapshot = latest_name() or ""
        found = read_snapshot(snapshot)
        if found is None or found.file(filename) is None:
            raise Http404(_("No such file in the latest snapshot."))
        return redirect("practices:data-file", snapshot=snapshot, filename=filename)
    found = read_snapshot(snapshot)
    path = found.file(filename) if found else None
    if path is None:
        raise Http404(_("No such file in the snapshots."))
    response = FileResponse(
        path.open("rb"),
        content_type=found.media_type(filename),
        as_attachment=filename != PACKAGE,
        filename=filename,
    )
    if digest := found.sha256(filename):
        response["ETag"] = f'"{digest}"'
    return response


@require_GET
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /api/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
