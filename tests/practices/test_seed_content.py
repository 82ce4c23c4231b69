"""The seeded catalogue against the two report texts it comes from."""

import contextlib
import re

import pytest

from practices.models import (
    RECORD_MODELS,
    Challenge,
    Country,
    Organisation,
    Practice,
    Recommendation,
    Source,
)
from practices.resolvers import UnknownName, country_index, organisation_index
from practices.services import DATA_DIR

pytestmark = pytest.mark.django_db

REPORTS = DATA_DIR / "reports"
TABLE_REPORT = REPORTS / "003_c1b29d2026af2e76.txt"
WORKING_SESSION_REPORT = REPORTS / "000_79f0e10af5283463.txt"
TABLE_HEADER = "Opportunities Challenges Practices"
DASHES = re.compile(r"\s+[-–]\s+")


def letters(text: str) -> str:
    """Only letters and digits: wrapped lines and hyphenation artefacts compare equal."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def table_entries() -> list[str]:
    """Each entry of the Thematic Session table, its wrapped lines rejoined.

    In the text extracted from the PDF an entry's first line starts with a space (where
    the bullet was) and its continuation lines do not. Columns are separated by lines
    holding a single space; a continuation line that opens a page or a column carries on
    the entry that closed the previous page, in its own column.
    """
    lines = TABLE_REPORT.read_text(encoding="utf-8").splitlines()
    first_header = next(n for n, line in enumerate(lines) if line.strip() == TABLE_HEADER)
    entries: list[str] = []
    current = page_tail = None
    for line in lines[first_header:]:
        text = line.strip()
        if text == TABLE_HEADER:
            page_tail = current = len(entries) - 1 if entries else None
        elif not text:
            if line:
                current = page_tail
        elif line.startswith(" "):
            entries.append(text)
            current = len(entries) - 1
        else:
            entries[current] += " " + text
    return entries


def attribution(entry: str, countries, organisations):
    """The countries and organisations an entry opens with ("Saudi – Philippines - ...")."""
    codes, slugs = set(), set()
    head = DASHES.split(entry)
    candidates = head[:-1] if len(head) > 1 else [re.split(r"[\s’']", entry)[0]]
    for candidate in candidates:
        for index, found in ((countries, codes), (organisations, slugs)):
            with contextlib.suppress(UnknownName):
                found.add(index.resolve(candidate.strip()))
    return codes, slugs


@pytest.fixture(scope="module")
def record_texts(django_db_blocker):
    with django_db_blocker.unblock():
        return [
            (record, letters(record.text))
            for model in RECORD_MODELS
            for record in model.objects.published().prefetch_related("countries", "organisations")
        ]


def test_the_table_has_the_entries_the_report_shows():
    """The test's own reading of the table finds its 65 bullets."""
    assert len(table_entries()) == 65


def test_every_entry_of_the_table_is_a_published_record(record_texts):
    """Nothing of Thematic Session 1's table is dropped."""
    missing = [
        entry
        for entry in table_entries()
        if not any(letters(entry) in text for _, text in record_texts)
    ]
    assert missing == []


def test_every_attributed_entry_names_its_country_or_organisation(record_texts):
    """ "Uruguay - ...", "ILO - ...", "Saudi – Philippines - ...": the record names them."""
    countries = country_index(Country.objects.all())
    organisations = organisation_index(Organisation.objects.all())
    checked = 0
    for entry in table_entries():
        codes, slugs = attribution(entry, countries, organisations)
        if not codes and not slugs:
            continue
        record = next(record for record, text in record_texts if letters(entry) in text)
        assert codes <= {c.alpha2 for c in record.countries.all()}, entry
        assert slugs <= {o.slug for o in record.organisations.all()}, entry
        checked += 1
    assert checked >= 35


def test_every_passage_of_the_working_session_is_in_the_catalogue(record_texts):
    """Each recommendation, discussion paragraph and closing-table cell is a record."""
    text = WORKING_SESSION_REPORT.read_text(encoding="utf-8")
    footnote = ("For a complete list", "please click this link")
    report = letters(
        "\n".join(line for line in text.splitlines() if not any(mark in line for mark in footnote))
    )
    source = Source.objects.get(slug="gfmd-working-session-human-rights-of-all-migrants")
    records = [r for r, _ in record_texts if r.source_id == source.pk]
    assert len(records) == 36
    for record in records:
        for passage in re.split(r"…", record.text):
            assert letters(passage) in report, passage


def test_saudi_philippines_practice_names_both_countries():
    """A bilateral practice names both countries."""
    practice = Practice.objects.get(text__contains="household workers")
    assert set(practice.countries.values_list("alpha2", flat=True)) == {"SA", "PH"}


def test_flexi_visa_practice_names_the_philippines_and_bahrain():
    practice = Practice.objects.get(text__contains="Flexi Visa")
    assert set(practice.countries.values_list("alpha2", flat=True)) == {"PH", "BH"}


def test_mexico_working_group_is_on_objective_13_action_h():
    """Mexico's national working group cites GCM Objective 13h."""
    practice = Practice.objects.get(countries__alpha2="MX", text__contains="working group")
    assert 13 in practice.objectives.values_list("number", flat=True)
    assert [str(action) for action in practice.actions.all()] == ["13(h)"]


def test_thailand_practice_is_about_alternatives_to_detention():
    practice = Practice.objects.get(countries__alpha2="TH")
    assert "detention" in practice.text
    assert practice.objectives.filter(number=13).exists()
    assert practice.themes.filter(slug="alternatives-to-detention").exists()


def test_a_search_for_residence_finds_uruguay():
    """Uruguay's entry on granting residence to irregular migrants is in the catalogue."""
    found = [
        record
        for model in RECORD_MODELS
        for record in model.objects.published().filter(
            text__icontains="residence", countries__alpha2="UY"
        )
    ]
    assert len(found) == 1


def test_working_session_source_carries_chair_and_rapporteurs():
    source = Source.objects.get(slug="gfmd-working-session-human-rights-of-all-migrants")
    assert "Arturo Cabrera" in source.chair
    assert any("Esteban Conejos" in r for r in source.rapporteurs)
    assert any("John Bingham" in r for r in source.rapporteurs)


def test_closing_table_kinds_are_kept():
    """The closing table's three columns become three kinds of recommendation."""
    by_kind = {
        kind: set(Recommendation.objects.filter(kind=kind).values_list("text", flat=True))
        for kind in ("convergence", "practical", "further-discussion")
    }
    assert any("regardless of immigration status" in t for t in by_kind["convergence"])
    assert any("Firewalls to access public services" in t for t in by_kind["practical"])
    assert "Resources" in by_kind["further-discussion"]


def test_every_record_has_an_objective_a_theme_and_a_section():
    for model in RECORD_MODELS:
        assert not model.objects.filter(objectives=None).exists()
        assert not model.objects.filter(themes=None).exists()
        assert not model.objects.filter(section="").exists()


def test_challenges_link_to_the_practices_that_address_them():
    challenge = Challenge.objects.get(text__contains="unaccompanied minors")
    addressed = {p.slug for p in challenge.addressed_by.all()}
    assert any("thailand" in slug for slug in addressed)


def test_seeded_records_are_published():
    for model in RECORD_MODELS:
        assert model.objects.exclude(status="published").count() == 0
