"""Invariants of scale: the same queries per request at two data sizes, and a CSV export
whose memory does not grow with the number of records."""

import tracemalloc

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from practices.models import Country, Practice
from synthetic.generate import synthetic_generate

pytestmark = pytest.mark.django_db


def paths():
    """Requests of the benchmark, for the data at hand: the country most records name."""
    practice = Practice.objects.published().filter(slug__startswith="synthetic-").first()
    country = Country.objects.annotate(n=Count("practice_set")).order_by("-n", "pk").first()
    code, slug = country.alpha2, country.slug
    return [
        "/api/practices/",
        f"/api/practices/?country={code}&objective=7",
        f"/api/practices/{practice.slug}/",
        "/api/practices/?q=detention",
        "/api/practices/?facets=country,objective,theme,year&page_size=1",
        f"/api/countries/{code}/",
        "/",
        f"/countries/{slug}/",
        f"/practices/?country={code}&objective=7",
        "/coverage/",
        "/objectives/7/",
    ]


def queries(url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert Client().get(url).status_code == 200, url
    return len(captured.captured_queries)


def test_queries_per_request_are_the_same_at_two_data_sizes():
    """The counts at 1,000 practices and at 4,000 are equal, request by request."""
    synthetic_generate(practices=1000, seed=5)
    small = [queries(url) for url in paths()]
    synthetic_generate(practices=4000, seed=5, replace=True)
    large = [queries(url) for url in paths()]
    assert large == small


def peak_of_export(count: int) -> tuple[int, int]:
    """Peak Python memory while streaming the CSV of every practice, and its rows."""
    synthetic_generate(practices=count, seed=7, replace=True)
    response = Client().get("/api/practices/?format=csv")
    tracemalloc.start()
    rows = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, rows


def test_csv_export_memory_does_not_grow_with_the_records():
    """Streaming 9,000 practices peaks no higher than streaming 3,000 (within noise): the
    export holds one chunk of rows at a time, whatever their number."""
    small_peak, small_rows = peak_of_export(3000)
    large_peak, large_rows = peak_of_export(9000)
    assert large_rows > 2.5 * small_rows
    assert large_peak < 1.5 * small_peak + 2_000_000
    assert large_peak < 40_000_000
