import pytest
from django.db import IntegrityError, transaction

from practices.models import Country, Objective, ObjectiveAction, Region, Source

pytestmark = pytest.mark.django_db


def refused(create) -> bool:
    """True when the database itself refuses the row."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_database_refuses_a_24th_objective():
    """Objective numbers run from 1 to 23; the database refuses 24 and 0."""
    assert refused(lambda: Objective.objects.create(number=24, title="Extra", slug="extra"))
    assert refused(lambda: Objective.objects.create(number=0, title="Zero", slug="zero"))


def test_database_refuses_a_duplicate_iso_code():
    """Two countries cannot share an alpha-2, alpha-3 or numeric code."""
    subregion = Region.objects.get(code="035")

    def duplicate(**codes):
        fields = {"alpha2": "QQ", "alpha3": "QQQ", "numeric": "999"} | codes
        Country.objects.create(name="Elsewhere", slug="elsewhere", subregion=subregion, **fields)

    assert refused(lambda: duplicate(alpha2="PH"))
    assert refused(lambda: duplicate(alpha3="PHL"))
    assert refused(lambda: duplicate(numeric="608"))
    assert not refused(duplicate)


def test_database_refuses_a_malformed_iso_code():
    """ISO codes are upper-case letters of the right length."""
    assert refused(
        lambda: Country.objects.create(
            alpha2="p1", alpha3="QQQ", numeric="998", name="Bad", slug="bad"
        )
    )


def test_database_refuses_a_second_action_with_the_same_letter():
    """One action letter per objective: 13(h) exists once."""
    objective = Objective.objects.get(number=13)
    assert refused(lambda: ObjectiveAction.objects.create(objective=objective, letter="h"))
    assert refused(lambda: ObjectiveAction.objects.create(objective=objective, letter="H"))


def test_database_refuses_a_source_year_before_the_first_gfmd():
    """The GFMD first met in 2007; an earlier year is a typo."""
    assert refused(lambda: Source.objects.create(title="Old", slug="old", year=1999))


def test_country_sits_in_its_m49_subregion_and_region():
    """Reference data places the Philippines in South-eastern Asia, in Asia."""
    philippines = Country.objects.select_related("subregion__parent").get(alpha2="PH")
    assert philippines.subregion.name == "South-eastern Asia"
    assert philippines.subregion.parent.name == "Asia"
    mexico = Country.objects.select_related("intermediate_region").get(alpha2="MX")
    assert mexico.intermediate_region.name == "Central America"
    assert mexico.subregion.code == "419"


def test_every_iso_country_is_loaded():
    """All 249 ISO 3166-1 entries, each but Antarctica in an M49 sub-region."""
    assert Country.objects.count() == 249
    assert list(Country.objects.filter(subregion=None).values_list("alpha2", flat=True)) == ["AQ"]


def test_objective_action_reads_as_in_the_compact():
    """An action prints as 13(h) and codes as 13h."""
    action = ObjectiveAction.objects.select_related("objective").get(
        objective__number=13, letter="h"
    )
    assert str(action) == "13(h)"
    assert action.code == "13h"


def test_objective_titles_are_the_official_ones_in_full():
    """Titles with commas are whole (a YAML flow mapping once cut them short)."""
    titles = dict(Objective.objects.values_list("number", "title"))
    assert len(titles) == 23
    assert titles[10] == (
        "Prevent, combat and eradicate trafficking in persons in the context of "
        "international migration"
    )
    assert titles[20] == (
        "Promote faster, safer and cheaper transfer of remittances and foster financial "
        "inclusion of migrants"
    )
    assert titles[23].endswith("for safe, orderly and regular migration")
