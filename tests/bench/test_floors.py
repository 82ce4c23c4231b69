"""The benchmark's floors answer what the API answers, in a fixed number of queries."""

import json

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from bench.floor import practice_detail_floor, practice_search_floor, practices_floor
from practices.models import Practice

pytestmark = pytest.mark.django_db

# Fields that differ only in how each formats them (DRF keeps microseconds in datetimes).
FORMATTED = {"created", "updated"}


def call(view, path, **kwargs):
    """The view's JSON and its query count, called directly (floors are routed only when
    DJANGO_BENCH_FLOOR=1)."""
    with CaptureQueriesContext(connection) as captured:
        response = view(RequestFactory().get(path), **kwargs)
    return response.status_code, json.loads(response.content), len(captured.captured_queries)


def brief(item: dict) -> dict:
    """An API list item as the list floor has it: country codes and objective numbers."""
    return {
        "slug": item["slug"],
        "countries": [c["code"] for c in item["countries"]],
        "objectives": [o["number"] for o in item["objectives"]],
    }


def test_list_floor_has_the_rows_of_the_api_first_page_in_three_queries(client):
    """The list floor lists the API's first page of 20, in order, with the same links."""
    status, floor, queries = call(practices_floor, "/bench/floor/practices/")
    served = client.get("/api/practices/", {"page_size": 20}).json()["results"]
    assert status == 200
    assert queries == 3
    assert [
        {key: row[key] for key in ("slug", "countries", "objectives")} for row in floor["results"]
    ] == [brief(row) for row in served]


def test_detail_floor_answers_what_the_api_detail_answers(client):
    """Every field of the API's detail, related rows included, has the same value in the
    detail floor's answer, for a practice that names GCM actions."""
    practice = Practice.objects.filter(status="published", actions__isnull=False).first()
    path = f"/api/practices/{practice.slug}/"
    served = client.get(path).json()
    status, floor, queries = call(practice_detail_floor, path, slug=practice.slug)
    assert status == 200
    assert queries == 9  # the practice, its seven relations, its partners
    assert floor["actions"], "the chosen practice should name GCM actions"
    assert {k: v for k, v in floor.items() if k not in FORMATTED} == {
        k: v for k, v in served.items() if k not in FORMATTED
    }


def test_detail_floor_answers_404_for_an_unknown_slug():
    status, _body, _queries = call(practice_detail_floor, "/x/", slug="no-such-practice")
    assert status == 404


def test_search_floor_ranks_the_matches_as_the_api_search_does(client):
    """The search floor's first page is the API's for the same query, best first."""
    status, floor, queries = call(practice_search_floor, "/bench/floor/search/?q=detention")
    served = client.get("/api/practices/", {"q": "detention", "page_size": 20}).json()["results"]
    assert status == 200
    assert queries == 3
    assert floor["results"], "the seeded catalogue has practices about detention"
    assert [row["slug"] for row in floor["results"]] == [row["slug"] for row in served]
    ranks = [row["rank"] for row in floor["results"]]
    assert ranks == sorted(ranks, reverse=True)


def test_search_floor_answers_nothing_for_a_query_without_words():
    """SQLite's floor knows there is nothing to match; PostgreSQL's asks its parser."""
    status, body, queries = call(practice_search_floor, "/bench/floor/search/?q=%22%29")
    assert (status, body) == (200, {"results": []})
    assert queries <= 1
