"""Cached reads are never stale: every write moves the catalogue to a new generation."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from practices.cache import generation
from practices.editing import record_transition
from practices.models import Country, Practice, Status
from tests.records import change

pytestmark = pytest.mark.django_db

SLUG = "thailand-alternatives-to-detention-children-mou"


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_a_repeated_read_is_served_from_the_cache():
    client = Client()
    cold = count_queries(client, "/api/practices/?country=PH")
    warm = count_queries(client, "/api/practices/?country=PH")
    assert warm < cold and warm <= 3


def test_an_edit_is_visible_at_once_in_the_api_and_pages():
    client = Client()
    assert "Renamed" not in client.get(f"/api/practices/{SLUG}/").content.decode()
    client.get("/coverage/")
    practice = change(Practice.objects.get(slug=SLUG), title="Renamed practice")
    assert client.get(f"/api/practices/{SLUG}/").json()["title"] == "Renamed practice"
    countries = [*practice.countries.all(), Country.objects.get(alpha2="NO")]
    change(practice, relations={"countries": countries})
    assert "NO" in [c["code"] for c in client.get(f"/api/practices/{SLUG}/").json()["countries"]]
    assert ">Norway</a>" in client.get("/coverage/").content.decode()


def test_publishing_shows_the_record_to_cached_readers():
    client = Client()
    practice = change(Practice.objects.get(slug=SLUG), status=Status.IN_REVIEW)
    assert client.get(f"/api/practices/{SLUG}/").status_code == 404
    before = client.get("/api/practices/?q=detention").json()["count"]
    reviewer = User.objects.create_superuser("rev", password="x-Long-Pass-1")
    record_transition(record=practice, transition="publish", user=reviewer)
    assert client.get(f"/api/practices/{SLUG}/").status_code == 200
    assert client.get("/api/practices/?q=detention").json()["count"] == before + 1


def test_every_write_moves_the_generation():
    start = generation()
    practice = change(Practice.objects.get(slug=SLUG), title="Retitled")
    assert generation() > start
    after_save = generation()
    change(practice, relations={"themes": []})
    assert generation() > after_save


# Each cache's key holds every part the cached value depends on: without one part, one of
# these tests is served another request's value.


def facet_block(html: str) -> str:
    start = html.index('id="filters-heading"')
    return html[start : html.index("</aside>", start)]


def test_the_facet_block_of_one_filter_is_not_served_for_another():
    """The fragment key holds the filters (facet_key)."""
    client = Client()
    philippines = facet_block(client.get("/practices/?country=PH").content.decode())
    thailand = facet_block(client.get("/practices/?country=TH").content.decode())
    assert 'class="chosen"><span class="tick" aria-hidden="true">✓</span> Thailand' in thailand
    assert "✓</span> Philippines" not in thailand and "✓</span> Philippines" in philippines


def test_the_facet_block_of_one_kind_or_language_is_not_served_for_another():
    """The fragment key holds the kind and the language."""
    client = Client()
    practices = facet_block(client.get("/practices/").content.decode())
    challenges = facet_block(client.get("/challenges/").content.decode())
    assert practices != challenges
    french = facet_block(client.get("/fr/practices/").content.decode())
    assert "Pays" in french and "Pays" not in practices


def test_an_api_read_is_cached_per_path_media_type_and_host():
    """The API's cache key holds the full path, the media type and the host."""
    client = Client()
    philippines = client.get("/api/practices/?country=PH").json()
    thailand = client.get("/api/practices/?country=TH").json()
    assert philippines["results"] != thailand["results"]
    as_csv = client.get("/api/practices/?country=PH", HTTP_ACCEPT="text/csv")
    assert as_csv["Content-Type"].startswith("text/csv")
    other_host = client.get("/api/practices/?country=PH", HTTP_HOST="localhost").json()
    assert other_host["results"][0]["url"].startswith("http://localhost/")


def test_a_country_page_is_not_served_for_another():
    """The profile's key holds the country."""
    client = Client()
    assert "Thailand" in client.get("/countries/thailand/").content.decode()
    philippines = client.get("/countries/philippines/").content.decode()
    assert "<h1>Philippines" in philippines or "Philippines</h1>" in philippines
    assert "MOU on alternatives to detention" not in philippines


def test_a_parameter_the_list_does_not_know_makes_no_facet_block_of_its_own():
    """utm_source and the like are left out of the facet links, so of the block's key:
    they neither fill the cache nor leak into the links."""
    client = Client()
    plain = facet_block(client.get("/practices/?country=PH").content.decode())
    tracked = facet_block(client.get("/practices/?country=PH&utm_source=x").content.decode())
    assert tracked == plain and "utm_source" not in tracked


def test_an_objective_page_is_not_served_for_another_or_another_language():
    """The objective page's cached parts are keyed by objective and language."""
    client = Client()
    seven = client.get("/objectives/7/").content.decode()
    thirteen = client.get("/objectives/13/").content.decode()
    assert "Thailand" in thirteen and "Thailand" not in seven.split('id="countries-heading"')[1]
    french = client.get("/fr/objectives/13/").content.decode()
    assert "Thaïlande" in french


@pytest.mark.parametrize("url", ["/coverage/", "/countries/thailand/"])
def test_a_page_fragment_of_one_language_is_not_served_for_another(url):
    """The coverage table's and the country profile's fragments are keyed by language."""
    client = Client()
    english = client.get(url).content.decode().split("</h1>")[1]
    french = client.get(f"/fr{url}").content.decode().split("</h1>")[1]
    assert "Thaïlande" not in english and "Thaïlande" in french


def test_the_coverage_table_of_one_kind_is_not_served_for_another():
    client = Client()
    every_kind = client.get("/coverage/").content.decode()
    recommendations = client.get("/coverage/?kind=recommendations").content.decode()
    assert every_kind != recommendations


def reference_reads(client, url) -> list[str]:
    """The queries of a request that read the reference tables whole (the brief forms)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [
        q["sql"] for q in captured.captured_queries if 'FROM "practices_theme" ORDER' in q["sql"]
    ]


def test_a_record_saved_keeps_the_brief_forms_a_theme_renamed_remakes_them():
    """The reference rows' brief forms are remade when a reference table changes, not
    when an editor saves a record (practices.cache.reference_generation)."""
    client = Client()
    practice = Practice.objects.get(slug=SLUG)
    assert reference_reads(client, "/api/practices/?page_size=1") != []
    change(practice, title="Saved again")
    assert reference_reads(client, "/api/practices/?page_size=2") == []
    theme = practice.themes.first()
    theme.name = "A theme renamed"
    theme.save()
    assert reference_reads(client, "/api/practices/?page_size=3") != []
    assert "A theme renamed" in client.get(f"/api/practices/{SLUG}/").content.decode()


@pytest.mark.parametrize(
    "url", ["/countries/thailand/plan/", "/compare/?countries=TH&countries=PH"]
)
def test_the_plan_sheet_and_comparison_of_one_language_are_not_served_for_another(url):
    """The plan sheet's and the comparison's cached rows name objectives: keyed by language."""
    client = Client()
    english = client.get(url).content.decode()
    french = client.get(f"/fr{url}").content.decode()
    assert "Use migration detention only as a measure of last resort" in english
    assert "Ne recourir au placement en rétention administrative" in french
    assert "Use migration detention only as a measure of last resort" not in french


def test_the_facets_cached_for_one_language_are_labelled_in_another():
    """The facets are cached once for every language, each reader given its own labels."""
    client = Client()
    url = "/api/practices/?facets=objective,region&country=TH"
    english = client.get(url).json()["facets"]
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").json()["facets"]
    labels = {item["value"]: item["label"] for item in french["objective"]}
    assert labels[13].startswith("Ne recourir au placement en rétention")
    assert {item["value"]: item["label"] for item in english["objective"]}[13].startswith(
        "Use migration detention"
    )
    assert "Asie du Sud-Est" in [item["label"] for item in french["region"]]
