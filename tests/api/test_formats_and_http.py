"""CSV, conditional requests, CORS and throttling."""

import csv
import io
import json

import pytest
from rest_framework.renderers import JSONRenderer

from api.renderers import compact_json
from practices.models import Practice

pytestmark = pytest.mark.django_db


def read_csv(response):
    content = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(content)))


def test_csv_by_format_parameter_with_the_same_filters(api):
    response = api.get("/api/practices/", {"format": "csv", "country": "PH"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    rows = read_csv(response)
    assert len(rows) == Practice.objects.published().filter(countries__alpha2="PH").count()
    assert all("PH" in row["countries"].split("; ") for row in rows)


def test_csv_by_accept_header_is_the_whole_list(api):
    """CSV is not paginated: the whole catalogue downloads in one response."""
    response = api.get("/api/practices/", HTTP_ACCEPT="text/csv")
    rows = read_csv(response)
    assert len(rows) == Practice.objects.published().count() > 20
    assert set(rows[0]) >= {"slug", "title", "text", "countries", "objectives", "source"}


@pytest.mark.parametrize(
    "path, media_type",
    [
        ("/api/practices.csv", "text/csv"),
        ("/api/practices/?format=csv", "text/csv"),
        ("/api/countries.jsonl", "application/x-ndjson"),
        ("/api/practices/?format=json", "application/json"),
    ],
)
@pytest.mark.parametrize("accept", ["text/html", "image/png", "text/csv;q=0"])
def test_a_format_named_is_served_whatever_the_accept_header(api, path, media_type, accept):
    """A link to /api/practices.csv followed in a browser (Accept: text/html) downloads
    the CSV: it was a 406."""
    response = api.get(path, HTTP_ACCEPT=accept)
    assert response.status_code == 200, (path, accept, response.status_code)
    assert response["Content-Type"].startswith(media_type)


def test_without_a_format_an_accept_no_format_meets_is_a_406(api):
    assert api.get("/api/practices/", HTTP_ACCEPT="image/png").status_code == 406


def test_csv_of_every_list(api):
    for path in ("/api/countries/", "/api/regions/", "/api/objectives/", "/api/sources/"):
        response = api.get(path, {"format": "csv"})
        assert response.status_code == 200, path
        assert len(read_csv(response)) >= 1


def test_csv_of_one_record(api):
    slug = Practice.objects.published().first().slug
    response = api.get(f"/api/practices/{slug}/", {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["slug"] == slug


def test_conditional_get_answers_304(api):
    first = api.get("/api/practices/")
    etag = first["ETag"]
    assert etag
    again = api.get("/api/practices/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_cors_is_open_for_reads(api):
    response = api.get("/api/practices/", HTTP_ORIGIN="https://dashboard.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = api.options(
        "/api/practices/",
        HTTP_ORIGIN="https://dashboard.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE",
    )
    assert "DELETE" not in preflight.get("Access-Control-Allow-Methods", "")


def test_anonymous_clients_are_throttled_with_retry_after(api, settings):
    settings.API_ANONYMOUS_RATE = "3/minute"
    statuses = [api.get("/api/objectives/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = api.get("/api/objectives/")
    assert int(throttled["Retry-After"]) > 0


@pytest.mark.parametrize("kind", ["practices", "challenges", "opportunities", "recommendations"])
def test_csv_holds_what_the_json_holds(api, kind):
    """The CSV fast path writes every record as the JSON shows it, flattened."""
    from api.renderers import flat

    json_rows = api.get(f"/api/{kind}/", {"page_size": 100}).json()["results"]
    csv_rows = read_csv(api.get(f"/api/{kind}/", {"format": "csv"}))
    assert len(csv_rows) == len(json_rows) > 0
    derived = {"citation", "source_title", "source_year"} | {
        f"{key}_names" for key in json_rows[0] if isinstance(json_rows[0][key], list)
    }
    derived -= {"challenges_addressed_names", "addressed_by_names"}
    for json_row, csv_row in zip(json_rows, csv_rows, strict=True):
        assert set(csv_row) == set(json_row) | derived
        for column, value in json_row.items():
            assert csv_row[column] == flat(value), (kind, json_row["slug"], column)


def test_csv_export_takes_a_fixed_number_of_queries(api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        read_csv(api.get("/api/practices/", {"format": "csv"}))
    assert len(captured.captured_queries) <= 14


TRICKY = {
    "text": 'é “quoted” \u2028 line \u2029 para \x01 \x7f </script> \\ "',
    "numbers": [0, -1, 2**53, 1.5, None, True, False],
    "nested": [{"a": []}, {}, "", "☃"],
}


@pytest.mark.parametrize(
    "path",
    ["/api/practices/", "/api/practices/?facets=country,year", "/api/countries/", "/api/themes/"],
)
def test_the_api_writes_the_json_drfs_renderer_would_byte_for_byte(api, path):
    """api.renderers.compact_json (orjson) writes what DRF's JSONRenderer writes."""
    content = api.get(path).content
    assert JSONRenderer().render(json.loads(content)) == content
    assert compact_json(TRICKY) == JSONRenderer().render(TRICKY)
