"""The number of queries per list request does not grow with the page or the data."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices import shapes

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/practices/",
    "/api/challenges/",
    "/api/opportunities/",
    "/api/recommendations/",
    "/api/countries/",
    "/api/regions/",
    "/api/objectives/",
    "/api/principles/",
    "/api/themes/",
    "/api/organisations/",
    "/api/sources/",
]


def queries(api, path, **params) -> int:
    """Queries of one uncached request (the first of a generation: briefs included)."""
    cache.clear()
    shapes.forget()
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, params)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


@pytest.mark.parametrize("path", LISTS)
def test_query_count_is_the_same_for_any_page_size(api, path):
    counts = {size: queries(api, path, page_size=size) for size in (1, 5, 50)}
    assert len(set(counts.values())) == 1, counts


def test_a_page_of_50_records_takes_under_15_queries(api):
    assert queries(api, "/api/practices/", page_size=50) < 15
    assert queries(api, "/api/challenges/", page_size=50) < 15


def test_a_list_page_after_the_first_of_a_generation_reads_no_reference_table(api):
    """The briefs of countries, objectives... are read once per generation; then a page
    is the generation, the rows, their links and the challenges they address (the
    count is cached per query)."""
    queries(api, "/api/practices/", page_size=5)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        api.get("/api/practices/", {"page_size": 7})
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    for table in ('practices_country"', 'practices_objective"', 'practices_theme"'):
        assert f'FROM "{table}' not in tables
    assert len(captured.captured_queries) <= 6


def test_filters_search_and_facets_add_a_fixed_number_of_queries(api):
    filtered = {
        size: queries(
            api,
            "/api/practices/",
            page_size=size,
            country="PH,MX",
            objective=13,
            q="migrants",
            facets="country,objective,theme,year",
        )
        for size in (1, 50)
    }
    assert filtered[1] == filtered[50] < 20


def test_query_count_does_not_grow_with_how_many_countries_a_record_names(api):
    from practices.models import Country, Practice

    practice = Practice.objects.published().first()
    before = queries(api, "/api/practices/", page_size=50)
    practice.countries.add(*Country.objects.all()[:40])
    assert queries(api, "/api/practices/", page_size=50) == before


def test_detail_pages_take_few_queries(api):
    assert queries(api, "/api/countries/PH/") < 12
    assert queries(api, "/api/objectives/13/") < 12
    assert queries(api, "/api/regions/142/") < 8


def test_facets_are_counted_once_per_filter_and_generation(api):
    """Another page or ordering of the same filters reuses the facets' counts; a write
    makes them count again."""
    params = {"country": "PH", "facets": "country,objective,theme,year"}
    first = api.get("/api/practices/", params).json()["facets"]
    with CaptureQueriesContext(connection) as captured:
        second = api.get("/api/practices/", {**params, "ordering": "-updated"}).json()
    assert second["facets"] == first
    assert not any("GROUP BY" in q["sql"] for q in captured.captured_queries)
    from practices.models import Practice
    from tests.records import change

    change(Practice.objects.filter(countries__alpha2="PH").first(), title="Retitled")
    with CaptureQueriesContext(connection) as captured:
        api.get("/api/practices/", {**params, "ordering": "title"})
    assert any("GROUP BY" in q["sql"] for q in captured.captured_queries)
