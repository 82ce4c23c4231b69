"""Search in French and Spanish: a word or name of an objective, theme, region or country
in those languages finds the (English) records linked to it."""

import pytest

from practices import search
from practices.models import Country, Objective, Practice, Region, Theme

pytestmark = pytest.mark.django_db


def found(text: str, model=Practice) -> set[str]:
    return set(search.search(model.objects.published(), text).values_list("slug", flat=True))


def linked_to_objective_13() -> set[str]:
    objective = Objective.objects.get(number=13)
    theme = Theme.objects.get(slug="alternatives-to-detention")
    records = Practice.objects.published()
    return set(records.filter(objectives=objective).values_list("slug", flat=True)) | set(
        records.filter(themes=theme).values_list("slug", flat=True)
    )


@pytest.mark.parametrize("word", ["rétention", "RÉTENTION", "detención", "detencion"])
def test_a_french_or_spanish_word_of_objective_13_finds_its_records(word):
    """ "rétention" and "detención" find every published practice on objective 13."""
    expected = linked_to_objective_13()
    assert expected
    assert expected <= found(word)


def test_the_objectives_short_title_in_french_finds_its_records():
    """The hub's short title, as a phrase, finds the objective's records."""
    assert linked_to_objective_13() <= found("Alternatives à la rétention")


def test_an_english_word_is_searched_in_the_text_as_before():
    """English words name no row: an English search reads the records' text alone."""
    assert all(not term.named for term in search.parse("detention", search.names_of_rows()))


def test_a_countrys_french_or_spanish_name_finds_its_records():
    """ "Mexique" and "México" find Mexico's records, as "Mexico" does."""
    mexico = set(
        Practice.objects.published()
        .filter(countries=Country.objects.get(alpha2="MX"))
        .values_list("slug", flat=True)
    )
    assert mexico
    assert mexico <= found("Mexique")
    assert mexico <= found("México")


def test_a_regions_french_name_finds_the_records_of_its_countries():
    """ "Asie du Sud-Est" finds the records naming a country of South-eastern Asia."""
    region = Region.objects.get(code="035")
    countries = Country.objects.filter(subregion=region)
    expected = set(
        Practice.objects.published().filter(countries__in=countries).values_list("slug", flat=True)
    )
    assert expected
    assert expected <= found("Asie du Sud-Est")


def test_the_search_page_in_french_finds_objective_13s_records(client):
    """The search page, in French, answers "rétention" with the objective's records."""
    html = client.get("/fr/search/", {"q": "rétention"}).content.decode()
    assert "thailand-alternatives-to-detention-children-mou" in html


def test_the_api_searches_in_spanish(client):
    """The API's q takes Spanish too."""
    response = client.get("/api/practices/", {"q": "detención"})
    slugs = {item["slug"] for item in response.json()["results"]}
    assert "thailand-alternatives-to-detention-children-mou" in slugs
