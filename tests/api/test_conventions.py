"""The API's conventions, held: the requests that once ended in a 500 are each a 400 or
404 naming what is wrong, on every door they reached (API lists, list pages, search,
lookups, the admin); unknown parameters, formats and methods are refused, saying what is
accepted; every multi-valued parameter takes several values both ways."""

import base64
import csv
import datetime
import io
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from practices.models import Practice
from tests.records import change

pytestmark = pytest.mark.django_db

RECORD_LISTS = ["practices", "challenges", "opportunities", "recommendations"]
LISTS = [*RECORD_LISTS, "countries", "regions", "objectives", "principles", "themes"]
LISTS += ["organisations", "sources"]
SUPERSCRIPT_13 = "\u00b9\u00b3"  # "¹³": str.isdigit() passes it, int() refuses it


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("how", ["accept", "format"])
def test_the_browsable_api_renders_every_list(api, name, how):
    if how == "accept":
        response = api.get(f"/api/{name}/", HTTP_ACCEPT="text/html")
    else:
        response = api.get(f"/api/{name}/", {"format": "api"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"<form" in response.content


@pytest.mark.parametrize("name", RECORD_LISTS)
def test_the_browsable_api_shows_chosen_filters_in_its_form(api, name):
    response = api.get(f"/api/{name}/", {"country": ["PH", "TH"], "format": "api"})
    assert response.status_code == 200
    assert b'value="PH,TH"' in response.content


@pytest.mark.parametrize("name", RECORD_LISTS)
@pytest.mark.parametrize("value", [SUPERSCRIPT_13, "1\u00b3", "\u2463"])
def test_digits_int_refuses_are_a_400_naming_the_objective_in_the_api(api, name, value):
    response = api.get(f"/api/{name}/", {"objective": value})
    assert response.status_code == 400
    assert "not a GCM objective" in " ".join(response.json()["objective"])


@pytest.mark.parametrize("path", [f"/{name}/" for name in RECORD_LISTS] + ["/search/"])
def test_digits_int_refuses_are_a_400_naming_the_objective_on_the_pages(client, path):
    response = client.get(path, {"objective": SUPERSCRIPT_13})
    assert response.status_code == 400
    assert "not a GCM objective" in response.content.decode()


@pytest.mark.parametrize("parameter", ["page", "page_size"])
def test_superscript_page_numbers_are_a_400_naming_the_parameter(api, parameter):
    response = api.get("/api/practices/", {parameter: "\u00b2"})
    assert response.status_code == 400
    assert "whole number" in " ".join(response.json()[parameter])


def test_a_region_in_superscript_digits_is_unknown(api):
    response = api.get("/api/practices/", {"region": SUPERSCRIPT_13})
    assert response.status_code == 400
    assert "Unknown region" in " ".join(response.json()["region"])


@pytest.mark.parametrize("position", ["abc", "1.5", "", SUPERSCRIPT_13, "-1"])
def test_a_hand_made_cursor_with_a_position_that_is_no_id_is_a_400(api, position):
    cursor = base64.b64encode(f"p={position}".encode()).decode()
    response = api.get("/api/practices/", {"cursor": cursor})
    assert response.status_code == 400
    assert "Invalid cursor" in " ".join(response.json()["cursor"])


def test_a_hand_made_cursor_with_an_id_walks_on(api):
    first = Practice.objects.published().order_by("id").first()
    cursor = base64.b64encode(f"p={first.pk}".encode()).decode()
    response = api.get("/api/practices/", {"cursor": cursor})
    assert response.status_code == 200
    assert first.slug not in {row["slug"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    "path",
    [
        "/api/countries/%00/",
        "/api/practices/%00/",
        "/api/practices/a%00b/",
        "/api/themes/%00/",
        "/api/regions/%00/",
        "/countries/%00/",
    ],
)
def test_a_nul_in_a_path_is_no_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/practices/?q=detention%00", "q"),
        ("/api/practices/?country=P%00H", "country"),
        ("/api/countries/?region=%00", "region"),
        ("/api/sources/?q=%00", "q"),
        ("/api/practices/?%00=1", "\\x00"),
    ],
)
def test_a_nul_in_an_api_parameter_is_a_400_naming_it(client, path, parameter):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in " ".join(response.json()[parameter])


@pytest.mark.parametrize("path", ["/practices/?q=%00", "/search/?q=a%00", "/countries/?q=%00"])
def test_a_nul_in_a_page_parameter_is_a_400_naming_it(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert "q" in response.content.decode()


@pytest.fixture
def staff():
    user = User.objects.create_superuser("sam", password="x-Unguessable-9")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/practices/practice/?status__exact=%00",
        "/admin/practices/practice/?region=%00",
        "/admin/practices/practice/?q=%00",
        "/admin/autocomplete/?app_label=practices&model_name=practice&field_name=countries"
        "&term=%00",
    ],
)
def test_a_nul_in_an_admin_parameter_is_a_400(staff, path):
    response = staff.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize("ids", ["abc/1", "1/abc", "abc/def", f"1/{SUPERSCRIPT_13}"])
def test_a_history_version_that_is_no_number_is_no_page(staff, ids):
    record = Practice.objects.first()
    object_id, version_id = ids.split("/")
    object_id = str(record.pk) if object_id == "1" else object_id
    response = staff.get(f"/admin/practices/practice/{object_id}/history/{version_id}/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "params", "unknown", "accepted"),
    [
        ("/api/practices/", {"contry": "MX"}, "contry", "country"),
        ("/api/practices/", {"year__gte": "2020"}, "year__gte", "year"),
        ("/api/recommendations/", {"colour": "red"}, "colour", "kind"),
        ("/api/countries/", {"name": "Mexico"}, "name", "region"),
        ("/api/objectives/", {"q": "detention"}, "q", "page_size"),
        ("/api/practices/some-slug/", {"country": "MX"}, "country", "format"),
    ],
)
def test_an_unknown_parameter_is_a_400_naming_it_and_what_is_accepted(
    api, path, params, unknown, accepted
):
    response = api.get(path, params)
    assert response.status_code == 400
    message = " ".join(response.json()[unknown])
    assert "Unknown parameter" in message and accepted in message


@pytest.mark.parametrize("name", ["_", "_bench", "_ts"])
def test_a_parameter_starting_with_an_underscore_is_left_alone(api, name):
    """Cache-busters (jQuery's `_=`) do not change the answer."""
    plain = api.get("/api/practices/", {"country": "PH"}).json()
    assert api.get("/api/practices/", {"country": "PH", name: "123"}).json() == plain


@pytest.mark.parametrize(
    "params",
    [
        {"page": "1", "page_size": "5", "format": "json", "facets": "country"},
        {"cursor": "", "page_size": "5"},
        {"q": "detention", "ordering": "-updated", "country": "PH", "objective": "13"},
    ],
)
def test_every_documented_parameter_is_accepted(api, params):
    assert api.get("/api/practices/", params).status_code == 200


@pytest.mark.parametrize("path", ["/api/practices/", "/api/countries/"])
def test_per_page_is_another_name_for_page_size(api, path):
    """OpenAlex spells it per_page: scripts written for it page the same way here."""
    by_size = api.get(path, {"page_size": 3}).json()
    by_per_page = api.get(path, {"per_page": 3}).json()
    assert len(by_per_page["results"]) == 3
    assert by_per_page["results"] == by_size["results"]
    assert "per_page=3" in by_per_page["next"]
    assert api.get(path, {"per_page": 3, "page_size": 3}).status_code == 200


def test_per_page_keeps_the_cap_and_refuses_a_disagreeing_page_size(api):
    over = api.get("/api/practices/", {"per_page": 201})
    assert over.status_code == 400
    assert "At most 200" in " ".join(over.json()["per_page"])
    both = api.get("/api/practices/", {"per_page": 3, "page_size": 4})
    assert both.status_code == 400
    assert "page_size" in " ".join(both.json()["per_page"])
    walk = api.get("/api/practices/", {"cursor": "", "per_page": 2}).json()
    assert len(walk["results"]) == 2


def test_page_last_is_the_last_page(api):
    first = api.get("/api/practices/", {"page_size": 5}).json()
    last = api.get("/api/practices/", {"page_size": 5, "page": "last"})
    assert last.status_code == 200
    pages = -(-first["count"] // 5)
    assert (
        last.json()["results"]
        == api.get("/api/practices/", {"page_size": 5, "page": pages}).json()["results"]
    )


@pytest.mark.parametrize("value", ["xml", "yaml", "%00"])
def test_an_unknown_format_is_a_400_naming_the_formats(api, value):
    response = api.get(f"/api/practices/?format={value}")
    assert response.status_code == 400
    body = response.json()
    assert "format" in body
    if value != "%00":
        assert "json" in body["format"][0] and "csv" in body["format"][0]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/countries/"),
        ("delete", "/api/themes/"),
        ("put", "/api/objectives/1/"),
        ("post", "/api/practices/some-slug/"),
        ("patch", "/api/practices/"),
    ],
)
def test_a_method_an_endpoint_lacks_is_a_405_even_for_anonymous_clients(api, method, path):
    response = getattr(api, method)(path, {}, format="json")
    assert response.status_code == 405
    assert method.upper() not in response["Allow"]


def test_a_cursor_walk_with_an_ordering_is_a_400(api):
    response = api.get("/api/practices/", {"cursor": "", "ordering": "title"})
    assert response.status_code == 400
    assert "id order" in response.json()["ordering"][0]


@pytest.mark.parametrize(
    ("parameter", "values"), [("year", ["2018", "2019"]), ("region", ["142", "019"])]
)
def test_year_and_region_take_several_values_both_ways(api, parameter, values):
    repeated = api.get("/api/practices/", {parameter: values, "page_size": 200}).json()
    joined = api.get("/api/practices/", {parameter: ",".join(values), "page_size": 200}).json()
    assert repeated == joined
    each = [
        api.get("/api/practices/", {parameter: value, "page_size": 200}).json()["count"]
        for value in values
    ]
    assert repeated["count"] >= max(each)
    assert repeated["count"] <= Practice.objects.published().count()


def test_ordering_takes_several_keys_both_ways(api):
    def slugs(ordering):
        response = api.get("/api/practices/", {"ordering": ordering, "page_size": 50})
        assert response.status_code == 200
        return [row["slug"] for row in response.json()["results"]]

    assert slugs(["-title", "year"]) == slugs("-title,year") == slugs("-title") != slugs("year")


@pytest.mark.parametrize(
    "name", ["countries", "objectives", "themes", "organisations", "sources", "principles"]
)
def test_a_reference_csv_has_the_counts_its_json_has(api, name):
    page = api.get(f"/api/{name}/", {"page_size": 200}).json()["results"]
    response = api.get(f"/api/{name}/", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    counts = [key for key in rows[0] if key.endswith("_count")]
    assert counts, rows[0].keys()
    by_url = {row["url"]: row for row in rows}
    for item in page:
        for key in counts:
            assert by_url[item["url"]][key] == str(item[key]), (item["url"], key)
    assert any(row[key] not in ("", "0") for row in rows for key in counts)


def test_a_record_csv_names_what_its_codes_stand_for_and_cites_the_record(api):
    """A reader of the CSV alone needs no join: names beside codes, the source's title
    and year, and the citation the record's page shows."""
    response = api.get("/api/practices/", {"format": "csv", "country": "TH", "objective": "13"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    row = next(r for r in rows if r["slug"] == "thailand-alternatives-to-detention-children-mou")
    assert row["countries"] == "TH" and row["countries_names"] == "Thailand"
    assert row["objectives"] == "13"
    assert row["objectives_names"].startswith("Use migration detention only as a measure")
    practice = Practice.objects.get(slug=row["slug"])
    assert row["source_title"] == practice.source.title
    assert row["source_year"] == str(practice.source.year or "")
    page = api.get(f"/practices/{practice.slug}/").content.decode()
    assert row["citation"].startswith(f"GFMD Practice Catalogue. {practice.title} [practice].")
    assert row["citation"].endswith(f"/practices/{practice.slug}/")
    assert f"From: {practice.source.title}" in row["citation"]
    assert practice.title in page


def test_select_keeps_only_the_fields_named(api):
    full = api.get("/api/practices/", {"country": "PH"}).json()["results"]
    response = api.get("/api/practices/", {"country": "PH", "select": "slug,title,countries"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [list(row) for row in rows] == [["slug", "title", "countries"]] * len(full)
    assert [row["slug"] for row in rows] == [row["slug"] for row in full]
    repeated = api.get("/api/practices/", {"country": "PH", "select": ["title", "slug"]})
    assert list(repeated.json()["results"][0]) == ["slug", "title"]
    detail = api.get(f"/api/practices/{full[0]['slug']}/", {"select": "url"})
    assert detail.json() == {"url": full[0]["url"]}


def test_select_of_an_unknown_field_is_a_400_listing_the_fields(api):
    response = api.get("/api/practices/", {"select": "slug,password"})
    assert response.status_code == 400
    assert "password" in response.json()["select"][0]
    assert "countries" in response.json()["select"][0]


def test_select_chooses_the_csv_columns_too(api):
    response = api.get("/api/practices/", {"format": "csv", "select": "slug,countries"})
    header = b"".join(response.streaming_content).decode().splitlines()[0]
    assert header == "slug,countries,countries_names"


@pytest.mark.parametrize("how", ["format", "accept"])
def test_json_lines_stream_the_whole_filtered_list(api, how):
    if how == "format":
        response = api.get("/api/practices/", {"format": "jsonl", "country": "PH"})
    else:
        response = api.get("/api/practices/", {"country": "PH"}, HTTP_ACCEPT="application/x-ndjson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    rows = [json.loads(line) for line in lines]
    listed = api.get("/api/practices/", {"country": "PH", "page_size": 200}).json()["results"]
    assert rows == listed


def test_json_lines_of_a_reference_list_carry_its_counts(api):
    response = api.get("/api/themes/", {"format": "jsonl"})
    rows = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    listed = api.get("/api/themes/", {"page_size": 200}).json()["results"]
    assert rows == listed


def test_updated_since_and_published_since_harvest_what_changed(api):
    practice = Practice.objects.published().first()
    change(practice, title="Changed for the harvest")
    stamp = Practice.objects.get(pk=practice.pk).updated_at
    since = (stamp - datetime.timedelta(seconds=1)).isoformat()
    changed = api.get("/api/practices/", {"updated_since": since}).json()
    assert practice.slug in {row["slug"] for row in changed["results"]}
    assert changed["count"] == Practice.objects.published().filter(updated_at__gte=since).count()
    future = api.get("/api/practices/", {"published_since": "2999-01-01T00:00:00Z"}).json()
    assert future["count"] == 0
    bad = api.get("/api/practices/", {"updated_since": "yesterday"})
    assert bad.status_code == 400 and "updated_since" in bad.json()


def test_year_from_and_year_to_bound_the_source_year(api):
    response = api.get("/api/practices/", {"year_from": "2007", "year_to": "2100"})
    assert response.status_code == 200
    dated = Practice.objects.published().filter(source__year__isnull=False).count()
    assert response.json()["count"] == dated
    assert api.get("/api/practices/", {"year_from": "1999"}).status_code == 400


@pytest.mark.parametrize(
    "path", ["/api/sources/a.b.c/", "/api/objectives/abc/", "/api/nothing-here/", "/api/x/y/z/"]
)
def test_an_api_address_that_matches_no_route_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
    assert "<html" in client.get("/no-such-page/").content.decode()


def test_a_sample_is_the_same_for_the_same_seed_and_another_for_another(api):
    def sample(**params):
        response = api.get("/api/practices/", {"sample": 10, "page_size": 50, **params})
        assert response.status_code == 200
        return [row["slug"] for row in response.json()["results"]]

    first = sample(seed=7)
    assert len(first) == 10 == len(set(first))
    assert sample(seed=7) == first
    assert sample(seed=8) != first
    assert sample() == sample(seed=0)
    published = set(Practice.objects.published().values_list("slug", flat=True))
    assert set(first) <= published
    in_title_order = sample(seed=7, ordering="title")
    assert set(in_title_order) == set(first) and in_title_order == sorted(
        in_title_order, key=lambda slug: Practice.objects.get(slug=slug).title
    )


def test_a_sample_is_drawn_from_the_filtered_list_and_counted(api):
    response = api.get("/api/practices/", {"sample": 3, "country": "PH", "facets": "country"})
    body = response.json()
    assert body["count"] == 3 == len(body["results"])
    assert all("PH" in [c["code"] for c in row["countries"]] for row in body["results"])
    assert {f["value"]: f["count"] for f in body["facets"]["country"]}["PH"] == 3


@pytest.mark.parametrize(("value", "parameter"), [("0", "sample"), ("x", "sample"), ("-1", "seed")])
def test_a_bad_sample_or_seed_is_a_400(api, value, parameter):
    params = {"sample": "5", parameter: value}
    assert parameter in api.get("/api/practices/", params).json()


@pytest.mark.parametrize(
    ("name", "value"), [("country", "PH"), ("objective", "13"), ("region", "142")]
)
def test_a_minus_filter_leaves_out_what_the_filter_keeps(api, name, value):
    everything = api.get("/api/practices/", {"page_size": 200}).json()
    kept = api.get("/api/practices/", {name: value, "page_size": 200}).json()
    left = api.get("/api/practices/", {f"-{name}": value, "page_size": 200}).json()
    assert kept["count"] > 0 and left["count"] > 0
    assert kept["count"] + left["count"] == everything["count"]
    kept_slugs = {row["slug"] for row in kept["results"]}
    assert not kept_slugs & {row["slug"] for row in left["results"]}


def test_a_minus_filter_checks_its_values(api):
    response = api.get("/api/practices/", {"-country": "XX"})
    assert response.status_code == 400
    assert "Unknown country code" in response.json()["-country"][0]
