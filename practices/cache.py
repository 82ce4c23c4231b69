"""Caching that never serves a stale record.

Every write to the catalogue bumps one generation number (a single database row, so all
app servers agree on it); cached values are keyed by it, so an editor's save makes every
older entry unreachable at once. A second number in that row, the reference generation,
moves only with writes to the reference tables (countries, objectives, themes...). The
cache is Django's: local memory by default, Redis when REDIS_URL is set (shared by all
app servers).

The caches, each keyed by the generation and by everything else its value depends on
(tests/practices/test_cache.py fails when a key loses a part):

- "api": anonymous API reads, kept as rendered JSON bytes (api.views.cached_content);
  key: host, full path with its query, accepted media type, language.
- "count": a list's total, for its pages (CachedCountPaginator) and the search page's
  kinds; key: the matching records' query (`matching_key`: whatever the order or the
  columns read), so that the facets' query, which counts the same records, fills it too
  (practices.selectors.cached_facets). Counting a filtered list is the one COUNT a page
  would otherwise repeat.
- "facets": a list's facet counts (practices.selectors.cached_facets), shared by the API
  and the pages; key: the facets asked and the matching records' query (or the kind, for
  a whole list, whose facets come from practices.summary). A row's label is kept in every
  language at once, and each reader is given its own (selectors.facets_in_language).
  The search page's facets,
  summed over the kinds (practices.selectors.search_facets); key: the facets asked and
  every kind's matching records' query.
- "pages": what the home, the countries and the objectives show, the coverage
  matrix's choice of regions (model rows, named in the page's language when rendered), a
  country's plan sheet (its records and its peers' practices, objective by objective) and
  a comparison of countries (practices.planning); key: the language (their links carry
  its prefix, /fr/..., and they hold objectives' titles) and the page's part (the
  country; the countries compared, in their order). Also the names and codes by which a
  search word names a country (practices.search.country_names), and the French and
  Spanish names and words by which it names objectives, themes, principles and regions
  (practices.search.reference_terms, every language at once), and the two together
  (practices.search.names_of_rows, which a search reads); key: that name alone.
- the "facet_block" template fragment of a list page (templates/practices/
  record_list.html): the filter panel's HTML; key: language, kind and the filters the list
  knows (other parameters are left out of its links).
- the "objective_countries" and "objective_records" fragments of an objective's page:
  its country grid and its records; key: language and objective. The "country_profile"
  fragment: a country's page below its heading (its gaps and its peers' counts too);
  key: language and country. The "coverage_table" fragment: the coverage matrix; key:
  language, kind, whether all countries are shown, and the region it is narrowed to.
  The "world_map" fragment: the world map of records by country with its table (and, on
  the home, the charts per region and per objective; on an objective's page, its chart
  per region), practices.charts; key: language and objective ("all" on the home). The
  "region_place_chart" and "region_objective_chart" fragments of a region's page: key:
  language and region.
  These keep HTML, not the data it is made from: reading back thousands of objects on
  every request made enough garbage to set off Python's full collection every few
  dozen requests (60 ms).
- in the process, not the cache: the reference rows' brief forms, one set per language
  (their names are the active language's), and the countries' names (practices.shapes),
  remade when the reference generation moves (a write to a reference table, or a bulk
  write that names none), not at each save of a record.

Counts are not cached here but kept on write (practices.summary), so that recomputing a
page after a write costs no count of the whole catalogue.

No citation is cached (practices.citations): each carries today's date of access, so it is
made at every request from what the caches above keep (the "api" cache keeps a record's
JSON, from which its RIS, BibTeX or CSL-JSON is then made), and no generation, however
long it lives, freezes yesterday's date (tests/practices/test_citations.py).
"""

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F
from django.utils.functional import cached_property
from django.utils.translation import get_language

from practices.models import CatalogueState

TIMEOUT = 60 * 60
# Namespaces whose values hold links to pages, whose addresses carry the language.
BY_LANGUAGE = {"pages"}


def generation() -> int:
    """The catalogue's current generation (every request asks: plain SQL, no ORM)."""
    return _state_column("generation")


def reference_generation() -> int:
    """The generation of the reference tables alone (countries, regions, objectives and
    their actions, principles, themes, organisations, sources): what is made from them
    (practices.shapes' brief forms) is remade only when it moves."""
    return _state_column("reference_generation")


def _state_column(name: str) -> int:
    meta = CatalogueState._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(meta.get_field(name).column)} FROM {quote(meta.db_table)} "
            f"WHERE {quote(meta.pk.column)} = 1"
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def catalogue_changed(action: str = "", sender=None, **kwargs) -> None:
    """Make every cached value unreachable; runs in the writer's transaction. A write to
    a reference table, or one whose tables are not named (sender None: imports, restores,
    bulk commands), moves the reference generation too."""
    if action.startswith("pre_") or kwargs.get("raw"):
        # m2m_changed: wait for the change itself; fixtures and restores (raw saves)
        # call catalogue_changed() once when they are done.
        return
    moves = {"generation": F("generation") + 1}
    if sender is None or sender._meta.label in REFERENCE_TABLES:
        moves["reference_generation"] = F("reference_generation") + 1
    if not CatalogueState.objects.filter(pk=1).update(**moves):
        CatalogueState.objects.get_or_create(
            pk=1, defaults={"generation": 1, "reference_generation": 1}
        )


REFERENCE_TABLES = {
    f"practices.{name}"
    for name in (
        "Country",
        "Region",
        "Objective",
        "ObjectiveAction",
        "GuidingPrinciple",
        "Theme",
        "Organisation",
        "Source",
    )
}


def cached(namespace: str, key: str, compute, *, at: int | None = None):
    """`compute()`'s value for `key`, computed once per catalogue generation."""
    cache_key = entry_key(namespace, key, at)
    value = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, TIMEOUT)
    return value


def remember(namespace: str, key: str, value, *, at: int | None = None) -> None:
    """Keep a value that `cached(namespace, key, ...)` would compute, found on the way."""
    cache.set(entry_key(namespace, key, at), value, TIMEOUT)


def entry_key(namespace: str, key: str, at: int | None) -> str:
    at = generation() if at is None else at
    if namespace in BY_LANGUAGE:
        key = f"{get_language() or ''}|{key}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{namespace}:{at}:{digest}"


def query_key(queryset) -> str:
    """A cache key naming a queryset's SQL and parameters."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a queryset that can match nothing, such as none()
        return f"empty|{queryset.model._meta.label}"
    return f"{sql}|{params!r}"


def matching_key(queryset) -> str:
    """A cache key naming the records a queryset matches, whatever its order and the
    columns it reads: a list's rows and its facets' query share it."""
    return query_key(queryset.order_by().values("pk"))


def cached_count(queryset, *, at: int | None = None) -> int:
    """How many records the queryset matches, counted once per generation."""
    return cached("count", matching_key(queryset), queryset.order_by().count, at=at)


class CachedCountPaginator(Paginator):
    """A paginator whose COUNT is computed once per query and catalogue generation; `at`
    is the generation when the caller has it already. `counting`, when given, is called
    instead of a COUNT when none is cached: it counts the records along with more (a list
    page's facets) and gives the total."""

    def __init__(self, *args, at: int | None = None, counting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.at = at
        self.counting = counting

    @cached_property
    def count(self):
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return super().count
        compute = self.counting or queryset.order_by().count
        return cached("count", matching_key(queryset), compute, at=self.at)
