"""The catalogue's readings of the two reports (issue 15): pages, columns, kinds, areas."""

import csv
import html
import io
import re
import shutil
from collections import Counter
from itertools import pairwise

import pytest
import yaml
from django.core.management import CommandError, call_command

from practices.models import Challenge, Opportunity, Recommendation, Source
from practices.services import DATA_DIR

pytestmark = pytest.mark.django_db

REPORTS = DATA_DIR / "reports"
TABLE_REPORT = REPORTS / "003_c1b29d2026af2e76.txt"
WORKING_SESSION_REPORT = REPORTS / "000_79f0e10af5283463.txt"
TABLE_SOURCE = "gfmd-thematic-session-1-hrba-gcm-nip"
WORKING_SESSION_SOURCE = "gfmd-working-session-human-rights-of-all-migrants"
TABLE_HEADER = "Opportunities Challenges Practices"
# The lines a column of the table holds when it fills its page.
FULL_COLUMN = {27, 28}
CLOSING_THE_GAPS = "closing-gaps-migration-human-rights-policy"
SECTION = re.compile(
    r"^Table, (?P<column>\w+) column \(pages? (?P<first>\d+)(?:-(?P<last>\d+))?\)$"
)


def letters(text: str) -> str:
    """Only letters and digits: wrapped lines and hyphenation artefacts compare equal."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def table_entries_by_page() -> list[tuple[str, Counter]]:
    """Each entry of the Thematic Session table, and how many of its lines stand on each
    page, the pages found from the page breaks of the text.

    Within a page every line is followed by a blank line; the last line of a page runs
    straight into the next page: into its header line, or (before Egypt's entry, where
    the header is missing) into its first line. An entry's first line starts with a space
    (the bullet); a line that opens a page, or follows a line holding a single space (a
    column's end), carries on the entry that closed the previous page, in its own column.
    """
    lines = TABLE_REPORT.read_text(encoding="utf-8").splitlines()
    first_header = next(n for n, line in enumerate(lines) if line.strip() == TABLE_HEADER)
    entries: list[list] = []
    page, current, page_tail, previous = 1, None, None, TABLE_HEADER
    for line in lines[first_header + 1 :]:
        text = line.strip()
        if text and previous and previous != TABLE_HEADER:
            page += 1
            page_tail = current
        previous = text
        if text == TABLE_HEADER:
            continue
        if not text:
            if line:
                current = page_tail
        elif line.startswith(" "):
            entries.append([text, Counter({page: 1})])
            current = len(entries) - 1
        else:
            entries[current][0] += " " + text
            entries[current][1][page] += 1
    return [(text, pages) for text, pages in entries]


def table_records() -> list:
    """The published records of Thematic Session 1, of every kind."""
    source = Source.objects.get(slug=TABLE_SOURCE)
    return [
        record
        for relation in ("practice_set", "challenge_set", "opportunity_set", "recommendation_set")
        for record in getattr(source, relation).published()
    ]


def record_of(entry: str, records: list):
    """The one record whose text holds the entry."""
    [record] = [record for record in records if letters(entry) in letters(record.text)]
    return record


def pages_named(section: str) -> list[int]:
    """The pages a section names: "Table, Practices column (pages 5-6)" -> [5, 6]."""
    match = SECTION.match(section)
    assert match, section
    first = int(match["first"])
    return list(range(first, int(match["last"] or first) + 1))


# Thematic Session 1: page numbers.


def test_a_page_break_without_a_header_stands_before_egypts_entry():
    """Honduras's last line runs straight into Egypt's first: the only such break that no
    header line follows, and the table then has seven pages."""
    lines = TABLE_REPORT.read_text(encoding="utf-8").splitlines()
    runs = [
        (before.strip(), after.strip())
        for before, after in pairwise(lines)
        if before.strip() and after.strip() and TABLE_HEADER not in (before.strip(), after.strip())
    ]
    assert runs == [("as a cross-cutting issue", "Egypt – has passed a law to")]
    entries = table_entries_by_page()
    assert max(page for _, pages in entries for page in pages) == 7
    egypt = next(pages for text, pages in entries if text.startswith("Egypt"))
    assert list(egypt) == [5]


def test_every_table_record_cites_the_pages_its_entry_stands_on():
    """Each record's section names the page (or pages) the report's page breaks put its
    entry on: Egypt's to Viet Nam's entries are on pages 5 to 7, not 4 to 6."""
    records = table_records()
    wrong = []
    for entry, pages in table_entries_by_page():
        record = record_of(entry, records)
        if pages_named(record.section) != sorted(pages):
            wrong.append((record.slug, record.section, sorted(pages)))
    assert wrong == []
    assert len(records) == 65


def test_no_column_of_the_table_holds_more_lines_than_a_page():
    """Counted in the columns the records name, a column that goes on to the next page
    fills its page with 27 or 28 lines, and none holds more."""
    records = table_records()
    lines: Counter = Counter()
    for entry, pages in table_entries_by_page():
        column = SECTION.match(record_of(entry, records).section)["column"]
        for page, count in pages.items():
            lines[column, page] += count
    last_page = {column: max(p for c, p in lines if c == column) for column, _ in lines}
    assert {
        (column, page): count
        for (column, page), count in lines.items()
        if count > max(FULL_COLUMN) or (page < last_page[column] and count not in FULL_COLUMN)
    } == {}
    assert (lines["Opportunities", 3], lines["Challenges", 3]) == (27, 26)
    assert (lines["Practices", 4], lines["Practices", 5]) == (27, 28)


# Thematic Session 1: "Closing the gaps..." is a challenge.


def test_closing_the_gaps_is_a_challenge_of_page_3_under_its_old_slug():
    """Re-read from the line counts of page 3: a challenge, its slug unchanged."""
    challenge = Challenge.objects.published().get(slug=CLOSING_THE_GAPS)
    assert challenge.section == "Table, Challenges column (page 3)"
    assert challenge.text.startswith("Closing the gaps between migration and human rights")
    assert not Opportunity.objects.filter(slug=CLOSING_THE_GAPS).exists()


def test_the_reading_decision_is_in_the_data_files_comment():
    """The catalogue file says why the entry is a challenge, with the line counts."""
    text = (DATA_DIR / "catalogue" / "thematic-session-1.yaml").read_text(encoding="utf-8")
    note = text[: text.index(f"slug: {CLOSING_THE_GAPS}")].rsplit("# ---", 1)[1]
    assert "31 lines" in note and "27 and 26" in note and "Decision: a challenge" in note


def load(**options) -> str:
    out = io.StringIO()
    call_command("load_catalogue", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def earlier_catalogue(tmp_path):
    """The data files as they were before the re-reading: the entry an opportunity."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    path = target / "catalogue" / "thematic-session-1.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(e for e in data["entries"] if e["slug"] == CLOSING_THE_GAPS)
    entry.pop("addressed_by")
    entry.update(kind="opportunity", section="Table, Opportunities column (page 3)")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def test_loading_onto_an_earlier_catalogue_moves_the_record_to_its_new_kind(earlier_catalogue):
    """The opportunity an earlier load made is deleted when its entry is loaded as a
    challenge; the result is what a fresh load makes, and a further load changes nothing."""
    load(data_dir=earlier_catalogue)
    assert Opportunity.objects.filter(slug=CLOSING_THE_GAPS).exists()
    assert not Challenge.objects.filter(slug=CLOSING_THE_GAPS).exists()
    opportunities = Opportunity.objects.count()

    output = load()

    assert f"Opportunities: {opportunities - 1} ({opportunities - 1} unchanged, 1 deleted)" in (
        output
    )
    assert not Opportunity.objects.filter(slug=CLOSING_THE_GAPS).exists()
    assert Challenge.objects.published().filter(slug=CLOSING_THE_GAPS).exists()
    assert "Nothing changed." in load()


def test_the_old_opportunity_url_redirects_permanently_to_the_challenge(client):
    """A citation of the record's first link still reaches it."""
    response = client.get(f"/opportunities/{CLOSING_THE_GAPS}/")
    assert response.status_code == 301
    assert response["Location"].endswith(f"/challenges/{CLOSING_THE_GAPS}/")


# Working Session: the two statements that had no record.


def working_session_report() -> str:
    """The Working Session's report, as letters and digits only."""
    return letters(WORKING_SESSION_REPORT.read_text(encoding="utf-8"))


def test_the_chairs_call_for_closer_international_cooperation_is_a_record():
    """Paragraph 2: bridge gaps, closer cooperation on the protection of migrants' rights."""
    record = Recommendation.objects.published().get(
        text__contains="stressed the need to bridge gaps and closer cooperation at the "
        "international level in the area of protection and promotion of rights of migrants"
    )
    assert record.section == "Paragraph 2 (opening by the Chair)"
    assert record.source.slug == WORKING_SESSION_SOURCE
    assert not record.kind_stated
    assert 23 in record.objectives.values_list("number", flat=True)


def test_area_a_opens_with_attention_to_the_vulnerability_of_migrants():
    """Paragraph 5 a)'s opening sentence is a general recommendation of area a)."""
    record = Recommendation.objects.published().get(
        text__contains="demands paying particular attention to the vulnerability of migrants"
    )
    assert record.section == "Paragraph 5 a), general recommendations"
    assert record.area == (
        "Guaranteeing migrants' human rights regardless of their immigration status"
    )
    assert (record.kind, record.kind_stated) == (Recommendation.Kind.GENERAL, True)
    assert 7 in record.objectives.values_list("number", flat=True)


def test_the_source_says_what_the_session_was_about():
    """The GCM rapporteur's overview of GFMD's draft inputs to GCM thematic cluster 1."""
    source = Source.objects.get(slug=WORKING_SESSION_SOURCE)
    about = letters("overview of GFMD’s draft inputs to the GCM thematic cluster 1 on human")
    assert about in working_session_report()
    assert about in letters(source.citation)


# Working Session: kinds and areas as the report gives them.


def test_kinds_under_paragraph_5_b_and_c_are_the_catalogues_reading():
    """The report lists them without saying which are general and which practical: their
    section names no kind, and each record says its kind is the catalogue's reading."""
    records = Recommendation.objects.filter(source__slug=WORKING_SESSION_SOURCE)
    listed = records.filter(section__in=["Paragraph 5 b)", "Paragraph 5 c)"])
    assert listed.count() == 9
    assert not listed.filter(kind_stated=True).exists()
    assert not records.filter(section__contains="5 b), ").exists()
    assert not records.filter(section__contains="5 c), ").exists()


def test_kinds_the_report_names_are_stated():
    """The closing table's columns and paragraph 5 a) name their kinds; the discussions
    under the guiding questions do not."""
    records = Recommendation.objects.filter(source__slug=WORKING_SESSION_SOURCE)
    named = records.filter(section__startswith="Paragraph 7") | records.filter(
        section__startswith="Paragraph 5 a)"
    )
    assert named.count() == 15 and not named.filter(kind_stated=False).exists()
    discussed = records.filter(section__startswith="Paragraph 6")
    assert discussed.count() == 8 and not discussed.filter(kind_stated=True).exists()


def test_whether_a_kind_is_stated_reaches_the_api_and_its_csv(client):
    """An API client sees the catalogue's reading as the page does: kind_stated beside
    kind, in JSON and in the CSV."""
    read = Recommendation.objects.published().filter(kind_stated=False).first()
    stated = Recommendation.objects.published().filter(kind_stated=True).first()
    for record, expected in ((read, False), (stated, True)):
        item = client.get(f"/api/recommendations/{record.slug}/").json()
        assert (item["kind"], item["kind_stated"]) == (record.kind, expected)
    exported = b"".join(client.get("/api/recommendations.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug[read.slug]["kind_stated"] == "False"
    assert by_slug[stated.slug]["kind_stated"] == "True"


def test_area_labels_keep_the_reports_words():
    """ "Empowering of migrants", the questions in full: every area is in the report."""
    areas = set(
        Recommendation.objects.filter(source__slug=WORKING_SESSION_SOURCE)
        .exclude(area="")
        .values_list("area", flat=True)
    )
    assert "Empowering of migrants" in areas
    assert [area for area in areas if letters(area) not in working_session_report()] == []


def text_of(response) -> str:
    """A page's text, without its tags."""
    assert response.status_code == 200
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def test_a_record_page_says_when_the_kind_is_the_catalogues_reading(client):
    """ "Practical recommendation (the catalogue's reading: the report does not say)"."""
    read = Recommendation.objects.get(slug="support-of-civil-society-actors")
    stated = Recommendation.objects.get(slug="capacity-building-for-border-officials")

    read_page, stated_page = (text_of(client.get(r.get_absolute_url())) for r in (read, stated))

    assert "Practical recommendation (the catalogue's reading" in read_page
    assert "Practical recommendation" in stated_page
    assert "the catalogue's reading" not in stated_page


def test_only_a_recommendation_may_leave_its_kind_unstated(tmp_path):
    """kind_stated on another kind of entry is a mistake the loader names."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    path = target / "catalogue" / "working-session-human-rights.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["entries"][0]["kind_stated"] = False
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    with pytest.raises(CommandError, match="only a recommendation's kind can be unstated"):
        load(data_dir=target)


def test_the_old_opportunity_api_url_redirects_permanently_to_the_challenge(client):
    response = client.get(f"/api/opportunities/{CLOSING_THE_GAPS}/", {"select": "slug"})
    assert response.status_code == 301
    assert response["Location"] == f"/api/challenges/{CLOSING_THE_GAPS}/?select=slug"
    assert client.get(response["Location"]).json() == {"slug": CLOSING_THE_GAPS}


def test_a_slug_no_kind_has_is_still_a_404(client):
    assert client.get("/opportunities/no-such-record/").status_code == 404
    assert client.get("/api/opportunities/no-such-record/").status_code == 404
