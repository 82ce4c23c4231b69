"""The French and Spanish pages name objectives, themes, regions and principles in their
own language, and a record keeps the language its source wrote it in, saying so."""

import re

import pytest

from practices.models import GuidingPrinciple, Objective, Practice, Region, Theme
from tests.records import make

pytestmark = pytest.mark.django_db

RECORD = "/practices/thailand-alternatives-to-detention-children-mou/"
PAGES = ["/", "/countries/thailand/", "/objectives/13/", RECORD, "/objectives/"]


def visible_text(html: str) -> str:
    """The page's text as a reader sees it: no tags, scripts or styles, entities kept."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def english_only_names(language: str) -> list[str]:
    """The English names of the reference rows whose name in `language` differs from it
    ("Micronesia" is Spanish too)."""
    names = []
    for objective in Objective.objects.all():
        names += [objective.title, objective.short_title]
    for model in (GuidingPrinciple, Region, Theme):
        names += [
            row.name for row in model.objects.all() if row.localized_name(language) != row.name
        ]
    return names


@pytest.mark.parametrize("language", ["fr", "es"])
@pytest.mark.parametrize("url", PAGES)
def test_pages_name_no_reference_row_in_english(client, url, language):
    """Home, a country profile, an objective's page and a record's page, in French or
    Spanish, name no objective, theme, region or principle in English."""
    response = client.get(f"/{language}{url}")
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    found = [name for name in english_only_names(language) if name in text]
    assert found == []


def test_objective_13_page_in_french_and_spanish(client):
    """The objective's page titles it in the Compact's French and Spanish wording."""
    html = client.get("/fr/objectives/13/").content.decode()
    assert "Ne recourir au placement en rétention administrative des migrants" in html
    html = client.get("/es/objectives/13/").content.decode()
    assert "Utilizar la detención de migrantes solo como último recurso" in html


def test_a_record_page_marks_its_text_with_its_language(client):
    """The title and text of a record carry lang="en", so screen readers read them right."""
    html = client.get(f"/fr{RECORD}").content.decode()
    assert re.search(r'<h1 lang="en">', html)
    assert re.search(r'<blockquote class="record-text" lang="en"', html)


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("fr", "Cette fiche est en anglais ; elle n’a pas été traduite."),
        ("es", "Este registro está en inglés; no ha sido traducido."),
    ],
)
def test_a_record_in_another_language_says_it_has_not_been_translated(client, language, note):
    """An English record on a French or Spanish page says it is in English, untranslated."""
    html = client.get(f"/{language}{RECORD}").content.decode()
    assert note in html


def test_a_record_in_the_interface_language_says_nothing_of_it(client):
    """No note where the record is in the page's language."""
    html = client.get(RECORD).content.decode()
    assert "has not been translated" not in html
    practice = make(
        Practice, slug="pratique-francaise", language="fr", title="Une pratique", status="published"
    )
    # Its English address, read before a request to /fr/ leaves French active here.
    url = practice.get_absolute_url()
    html = client.get(f"/fr{url}").content.decode()
    assert "n’a pas été traduite" not in html
    assert '<h1 lang="fr">Une pratique</h1>' in html
    html = client.get(url).content.decode()
    assert "This record is in French; it has not been translated." in html


def test_list_items_carry_their_records_language(client):
    """Each listed record's title and excerpt carry its language."""
    html = client.get("/es/practices/").content.decode()
    assert 'lang="en">' in html
    assert re.search(r'<p class="excerpt" lang="en">', html)
