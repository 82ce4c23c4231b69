"""Every reference row has its names in French and Spanish, and each model gives the name
of the active language (the pages, charts, plan sheet, summaries and API all ask it)."""

import pytest
from django.utils import translation

from practices.models import (
    Country,
    GuidingPrinciple,
    Objective,
    Organisation,
    Region,
    Theme,
)

pytestmark = pytest.mark.django_db

# Model: the columns each of its rows must fill in French and in Spanish.
TRANSLATED = {
    Objective: ["title_fr", "title_es", "short_title", "short_title_fr", "short_title_es"],
    GuidingPrinciple: ["name_fr", "name_es"],
    Region: ["name_fr", "name_es"],
    Theme: ["name_fr", "name_es"],
    Organisation: ["name_fr", "name_es"],
    Country: ["name_fr", "name_es"],
}


@pytest.mark.parametrize("model", TRANSLATED, ids=lambda model: model.__name__)
def test_every_reference_row_has_its_french_and_spanish_names(model):
    """No row of a reference table lacks a name in French or Spanish."""
    columns = TRANSLATED[model]
    missing = [
        f"{row}: {column}"
        for row in model.objects.all()
        for column in columns
        if not getattr(row, column).strip()
    ]
    assert model.objects.exists()
    assert missing == []


def test_the_compact_has_its_23_objectives_and_ten_principles_translated():
    """All 23 objectives and all ten principles are there to be translated."""
    assert Objective.objects.count() == 23
    assert GuidingPrinciple.objects.count() == 10


def test_objective_13_in_the_compacts_official_french_and_spanish():
    """Objective 13's title and short title are the Compact's and the hub's wording."""
    objective = Objective.objects.get(number=13)
    assert objective.localized_name("fr").startswith(
        "Ne recourir au placement en rétention administrative des migrants"
    )
    assert objective.localized_name("es").startswith("Utilizar la detención de migrantes")
    assert objective.localized_short_title("fr") == "Alternatives à la rétention"
    assert objective.localized_short_title("es") == "Alternativas a la detención"
    assert objective.localized_short_title("en") == "Alternatives to detention"


def test_localized_names_follow_the_active_language():
    """Without a language, each model's name is the active language's."""
    rows = [
        Objective.objects.get(number=13),
        GuidingPrinciple.objects.get(number=1),
        Region.objects.get(code="002"),
        Theme.objects.get(slug="alternatives-to-detention"),
        Organisation.objects.get(slug="iom"),
        Country.objects.get(alpha2="MX"),
    ]
    with translation.override("fr"):
        french = [row.localized_name() for row in rows]
    with translation.override("es"):
        spanish = [row.localized_name() for row in rows]
    assert french[1:] == [
        "Priorité à la dimension humaine",
        "Afrique",
        "Alternatives à la rétention",
        "Organisation internationale pour les migrations",
        "Mexique",
    ]
    assert spanish[1:] == [
        "Centrada en las personas",
        "África",
        "Alternativas a la detención",
        "Organización Internacional para las Migraciones",
        "México",
    ]
    assert [row.localized_name("en") for row in rows[1:]] == [
        "People-centred",
        "Africa",
        "Alternatives to detention",
        "International Organization for Migration",
        "Mexico",
    ]


def test_a_missing_translation_falls_back_to_english():
    """A row an editor has not translated yet shows its English name, never a blank."""
    theme = Theme(name="New theme", name_fr="", name_es="")
    assert theme.localized_name("fr") == "New theme"
