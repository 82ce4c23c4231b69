import pytest

from practices.models import Country, Organisation
from practices.resolvers import (
    NameIndex,
    UnknownName,
    country_index,
    normalise,
    organisation_index,
)

pytestmark = pytest.mark.django_db

# Every country name as the two seed reports write it, with the code it means.
SEED_REPORT_COUNTRY_NAMES = {
    "Uruguay": "UY",
    "CAR": "CF",
    "Uganda": "UG",
    "Togo": "TG",
    "Philippines": "PH",
    "PH": "PH",
    "Guatemala": "GT",
    "Mexico": "MX",
    "Honduras": "HN",
    "El Salvador": "SV",
    "Bahrain": "BH",
    "Costa Rica": "CR",
    "Chad": "TD",
    "Madagascar": "MG",
    "Saudi": "SA",
    "Turkey": "TR",
    "Thailand": "TH",
    "Ethiopia": "ET",
    "Colombia": "CO",
    "Mauritania": "MR",
    "Canada": "CA",
    "Egypt": "EG",
    "Ecuador": "EC",
    "Bangladesh": "BD",
    "Viet Nam": "VN",
}


@pytest.fixture
def countries():
    return country_index(Country.objects.all())


@pytest.mark.parametrize(("name", "code"), SEED_REPORT_COUNTRY_NAMES.items())
def test_every_country_name_in_the_seed_reports_resolves(countries, name, code):
    """Names as the reports write them resolve to the right ISO code."""
    assert countries.resolve(name) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("viet nam", "VN"),
        ("VIET NAM", "VN"),
        ("Vietnam", "VN"),
        ("Türkiye", "TR"),
        ("turkiye", "TR"),
        ("Côte d'Ivoire", "CI"),
        ("cote d’ivoire", "CI"),
        ("PHL", "PH"),
        ("the Philippines", "PH"),
        ("Republic of the Philippines", "PH"),
        ("Bolivia", "BO"),
        ("Central African Republic", "CF"),
    ],
)
def test_country_names_resolve_whatever_case_accents_and_form(countries, name, code):
    """Case, accents, apostrophes, a leading "the" and ISO alpha-3 make no difference."""
    assert countries.resolve(name) == code


def test_an_unknown_country_is_an_error_naming_the_name_and_entry(countries):
    """Nothing is guessed: the error says which name, and where it was found."""
    with pytest.raises(UnknownName, match=r'Unknown country "Atlantis" in practices.yaml, entry 7'):
        countries.resolve("Atlantis", where="practices.yaml, entry 7")


def test_a_name_two_countries_claim_is_refused():
    """An ambiguous name is an error listing the candidates, never a pick."""
    index = NameIndex("country", [("NE", ["Niger"]), ("NG", ["Niger"])])
    with pytest.raises(UnknownName, match=r'Ambiguous country "Niger".*NE, NG'):
        index.resolve("Niger")


def test_organisations_resolve_by_acronym_name_and_alias():
    """ILO, its full name and the reports' "Migrant Forum Asia" all resolve."""
    index = organisation_index(Organisation.objects.all())
    assert index.resolve("ILO") == index.resolve("International Labour Organization")
    assert index.resolve("Migrant Forum Asia") == index.resolve("Migrant Forum in Asia")
    with pytest.raises(UnknownName, match='Unknown organisation "ACME"'):
        index.resolve("ACME")


def test_normalise_folds_case_accents_and_punctuation():
    assert normalise("  Côte d'Ivoire ") == "cote divoire"
    assert normalise("The Gambia") == "gambia"
