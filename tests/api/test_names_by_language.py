"""The API names reference rows in the request's language, and gives each record's own
language, which a list can be filtered by."""

import csv
import io

import pytest

from practices.models import Practice
from tests.records import make

pytestmark = pytest.mark.django_db

RECORD = "/api/practices/thailand-alternatives-to-detention-children-mou/"


def get(api, url, language="en", params=None):
    response = api.get(url, params or {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content[:300]
    return response.json()


@pytest.mark.parametrize(
    ("language", "title", "country", "theme"),
    [
        ("en", "Use migration detention only", "Thailand", "Alternatives to detention"),
        ("fr", "Ne recourir au placement en rétention", "Thaïlande", "Alternatives à la rétention"),
        ("es", "Utilizar la detención de migrantes", "Tailandia", "Alternativas a la detención"),
    ],
)
def test_a_records_briefs_name_rows_in_the_requests_language(api, language, title, country, theme):
    """Objectives, countries and themes linked to a record are named in the language asked."""
    record = get(api, RECORD, language)
    assert next(o["title"] for o in record["objectives"] if o["number"] == 13).startswith(title)
    assert country in [c["name"] for c in record["countries"]]
    assert theme in [t["name"] for t in record["themes"]]


def test_a_list_in_french_after_one_in_english_is_not_served_from_its_cache(api):
    """The same list in two languages gives each its own names (caches keyed by language)."""
    english = get(api, "/api/practices/", "en")
    french = get(api, "/api/practices/", "fr")
    titles = {
        language: {o["title"] for item in data["results"] for o in item["objectives"]}
        for language, data in (("en", english), ("fr", french))
    }
    assert titles["en"].isdisjoint(titles["fr"])


def test_reference_endpoints_name_rows_in_the_requests_language(api):
    """Objectives, themes, regions, principles and organisations: name in the language
    asked, beside their explicit French and Spanish columns."""
    objective = get(api, "/api/objectives/13/", "es")
    assert objective["title"].startswith("Utilizar la detención de migrantes")
    assert objective["short_title"] == "Alternativas a la detención"
    assert objective["title_fr"].startswith("Ne recourir au placement")
    region = get(api, "/api/regions/002/", "fr")
    assert (region["name"], region["name_es"]) == ("Afrique", "África")
    organisation = get(api, "/api/organisations/iom/", "fr")
    assert organisation["name"] == "Organisation internationale pour les migrations"
    principles = get(api, "/api/principles/", "es")["results"]
    assert "Centrada en las personas" in [p["name"] for p in principles]
    assert get(api, "/api/objectives/13/")["title"].startswith("Use migration detention")


def test_a_record_gives_its_language(api):
    """Each record says which language its title and text are in; the seed is English."""
    assert get(api, RECORD)["language"] == "en"
    items = get(api, "/api/practices/")["results"]
    assert {item["language"] for item in items} == {"en"}


def test_records_filter_by_language(api):
    """?language=fr lists the French records alone; a bad code is a 400."""
    make(Practice, slug="une-pratique", language="fr", status="published")
    french = get(api, "/api/practices/", "en", {"language": "fr"})["results"]
    assert [item["slug"] for item in french] == ["une-pratique"]
    english = get(api, "/api/practices/", "en", {"language": "en"})["results"]
    assert "une-pratique" not in {item["slug"] for item in english}
    assert api.get("/api/practices/", {"language": "french"}).status_code == 400


def test_the_csv_gives_each_records_language(api):
    """The CSV has a language column."""
    response = api.get("/api/practices/", {"format": "csv"})
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {row["language"] for row in rows} == {"en"}


def test_an_api_write_with_no_language_code_is_a_400_naming_it(editor_client):
    created = editor_client.post(
        "/api/practices/",
        {
            "slug": "a-practice-in-french",
            "title": "Une pratique",
            "text": "Un texte.",
            "language": "fr",
            "source": Practice.objects.first().source.slug,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["language"] == "fr"
    refused = editor_client.patch(
        "/api/practices/a-practice-in-french/",
        {"language": "zz"},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert refused.status_code == 400
    assert "ISO 639-1" in refused.json()["language"][0]
    assert Practice.objects.get(slug="a-practice-in-french").language == "fr"
