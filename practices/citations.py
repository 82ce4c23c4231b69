"""How the catalogue is cited: the one producer of a citation, for every door.

A `Citation` is a small value naming what is cited (a catalogue entry, or a report
itself) and the report it comes from (`Report`: title, session, meeting, year, its own
link, a "see also" link), with the catalogue's stable link and the date it was accessed.
Every format is rendered from it: the plain text (the record's and the source's pages,
the plan sheet and its .docx, the CSV's `citation` column), RIS, BibTeX and CSL-JSON
(the API's `?format=ris|bibtex|csljson`, linked from the pages).

The plain text's style: sentences separated by ". ", no bracket inside another, the
catalogue's own short title never in quotation marks (it is not the report's words), the
kind of record in square brackets, "n.d." where the report states no year, and every URL
followed by a space or a full stop, never by more words:

    GFMD Practice Catalogue. <entry title> [practice]. From: <report title>, <session>,
    <meeting> (<year or n.d.>), <section>, p. 3. Document: <URL>. Catalogue entry:
    <permalink> (accessed 2 December 2026).

The accessed date is the server's date (settings.TIME_ZONE) when the citation is made;
no citation is cached (practices.cache), so it is never a past day's. Bulk data (the CSV's
column, the snapshots) carries none: see item_citation.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from practices.models import Source

GFMD = "Global Forum on Migration and Development"
CATALOGUE = "GFMD Practice Catalogue"


@dataclass(frozen=True)
class Report:
    """The GFMD document a record comes from, as its Source describes it."""

    slug: str
    title: str
    session: str = ""
    meeting: str = ""
    year: int | None = None
    link: str = ""
    see_also_title: str = ""
    see_also_link: str = ""

    @property
    def where(self) -> list[str]:
        """The session and meeting, each unless the title already says it."""
        return [part for part in (self.session, self.meeting) if part and part not in self.title]


@dataclass(frozen=True)
class Citation:
    """A catalogue entry (title, kind, section, pages) in its report, or the report
    itself (no title), with the catalogue's stable link and the date of access."""

    report: Report
    permalink: str
    accessed: date | None  # None in bulk data (CSV, snapshots): see item_citation
    key: str
    title: str = ""
    kind: str = ""
    section: str = ""
    pages: str = ""

    @property
    def is_entry(self) -> bool:
        return bool(self.title)


REPORT_FIELDS = (
    "slug", "title", "session", "meeting", "year", "link", "see_also_title", "see_also_link"
)  # fmt: skip


def report_of(source: Source | dict) -> Report:
    """A Source (or its values() row) as the report a citation names."""
    get = source.get if isinstance(source, dict) else lambda name: getattr(source, name)
    return Report(**{name: get(name) or ("" if name != "year" else None) for name in REPORT_FIELDS})


def source_reports(slugs: Iterable[str] | None = None) -> dict[str, Report]:
    """The sources' reports by slug (all, or those of `slugs`), in one query."""
    sources = Source.objects.all() if slugs is None else Source.objects.filter(slug__in=slugs)
    return {row["slug"]: report_of(row) for row in sources.values(*REPORT_FIELDS)}


def untitled_report(source: dict | None) -> Report:
    """The report of a record whose source is gone, or that has none, as far as its
    public shape's brief source says."""
    source = source or {}
    return Report(
        slug=source.get("slug") or "", title=source.get("title") or "", year=source.get("year")
    )


def today() -> date:
    """The date of access: today in the server's time zone."""
    return timezone.localdate()


# "Table, Practices column (page 1)", "(pages 3-4)": the page leaves the section, so that
# no bracket is left in a bracket and the page is a field of its own.
PAGES = re.compile(r"\s*\(pages?\s+(\d+(?:\s*[-–]\s*\d+)?)\)\s*$")


def split_pages(section: str) -> tuple[str, str]:
    """The section without its trailing "(page N)", and the page or pages ("3-4")."""
    found = PAGES.search(section or "")
    if not found:
        return (section or "").strip(), ""
    pages = re.sub(r"\s*[-–]\s*", "-", found.group(1))
    return section[: found.start()].strip(), pages


def record_citation(
    *,
    title: str,
    slug: str,
    kind: str,
    section: str,
    report: Report,
    permalink: str,
    accessed: date | None,
) -> Citation:
    """A catalogue entry's citation: `kind` is its kind's name (practice, challenge...)."""
    section, pages = split_pages(section)
    return Citation(
        report=report,
        permalink=permalink,
        accessed=accessed,
        key=f"gfmd-{slug}",
        title=title,
        kind=str(kind),
        section=section,
        pages=pages,
    )


def item_citation(
    item: dict,
    *,
    kind: str,
    reports: dict[str, Report],
    accessed: date | None,
    permalink: str | None = None,
) -> Citation:
    """A record's citation from its public shape (practices.shapes): its source's report
    from `reports` (source_reports()), its stable link its `web_url` unless given.

    The CSV's column and the snapshots pass accessed=None: a row of bulk data is not
    read on a day (the reader adds the day of download), and a snapshot's content hash
    must move with the catalogue only, not with the calendar."""
    source = item.get("source") or {}
    return record_citation(
        title=item["title"],
        slug=item["slug"],
        kind=kind,
        section=item.get("section") or "",
        report=reports.get(source.get("slug")) or untitled_report(source),
        permalink=permalink or item["web_url"],
        accessed=accessed,
    )


def source_citation(source: Source, *, permalink: str, accessed: date) -> Citation:
    """A report's own citation, with its catalogue page as the stable link."""
    return Citation(
        report=report_of(source), permalink=permalink, accessed=accessed, key=f"gfmd-{source.slug}"
    )


# Plain text -------------------------------------------------------------------------


def sentence(text: str) -> str:
    """Text ending with one full stop (a title's own "." or "?" is kept)."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else f"{text}."


def page_label(pages: str) -> str:
    if not pages:
        return ""
    return (_("pp. %(pages)s") if "-" in pages else _("p. %(pages)s")) % {
        "pages": pages.replace("-", "–")
    }


def year_label(report: Report) -> str:
    return str(report.year) if report.year else _("n.d.")


def links_text(citation: Citation) -> list[str]:
    """The document's link, then the see-also link, then the catalogue's with the date."""
    report = citation.report
    parts = []
    if report.link:
        parts.append(_("Document: %(url)s.") % {"url": report.link})
    if report.see_also_link:
        title = f"{report.see_also_title}, " if report.see_also_title else ""
        parts.append(
            _("See also: %(title)s%(url)s.") % {"title": title, "url": report.see_also_link}
        )
    label = _("Catalogue entry") if citation.is_entry else _("Catalogue page")
    if citation.accessed is None:
        parts.append(f"{label}: {citation.permalink}")
        return parts
    # Translators: the date of access as Django's date filter writes it: "2 December 2026".
    accessed = formats.date_format(citation.accessed, _("j F Y"))
    parts.append(
        _("%(label)s: %(url)s (accessed %(date)s).")
        % {"label": label, "url": citation.permalink, "date": accessed}
    )
    return parts


def citation_text(citation: Citation) -> str:
    """The citation as one line of plain text (see the module's docstring)."""
    report = citation.report
    if citation.is_entry:
        where = ", ".join([report.title, *report.where])
        located = ", ".join(part for part in (citation.section, page_label(citation.pages)) if part)
        origin = f"{where} ({year_label(report)})" + (f", {located}" if located else "")
        parts = [f"{CATALOGUE}.", f"{citation.title.strip().rstrip('.')} [{citation.kind}]."]
        if report.title:
            parts.append(_("From: %(report)s") % {"report": sentence(origin)})
    else:
        parts = [
            f"{GFMD}.",
            _("%(title)s [report].") % {"title": report.title.strip().rstrip(".")},
            sentence(", ".join([*report.where, year_label(report)])),
        ]
    return " ".join([*parts, *links_text(citation)])


# RIS ------------------------------------------------------------------------------------


def ris_note(citation: Citation) -> str:
    report = citation.report
    notes = []
    if citation.kind:
        notes.append(f"Kind: {citation.kind}")
    if citation.section:
        notes.append(f"Section: {citation.section}")
    if report.link and citation.is_entry:
        notes.append(f"Document: {report.link}")
    if report.see_also_link:
        notes.append(f"See also: {report.see_also_title} {report.see_also_link}".replace("  ", " "))
    return "; ".join(notes)


def ris_entry(citation: Citation) -> str:
    """One RIS record: an entry as an electronic source in its report (T2), a report as a
    report; UR the catalogue's stable link (and the document's, for a report), Y2 the
    date of access."""
    report = citation.report
    one_line = {"TI", "T2", "T3", "N1", "M3", "SP", "EP"}
    tags = [("TY", "ELEC" if citation.is_entry else "RPRT"), ("ID", citation.key)]
    tags.append(("AU", GFMD))
    if citation.is_entry:
        tags += [("TI", citation.title), ("T2", report.title), ("M3", citation.kind)]
        where = ", ".join(report.where)
        if where:
            tags.append(("T3", where))
        if citation.pages:
            start, _dash, end = citation.pages.partition("-")
            tags += [("SP", start)] + ([("EP", end)] if end else [])
    else:
        tags += [("TI", report.title), ("M3", "Session report")]
        if report.where:
            tags.append(("T2", ", ".join(report.where)))
    if report.year:
        tags.append(("PY", str(report.year)))
    tags += [("PB", GFMD), ("DB", CATALOGUE)]
    if not citation.is_entry and report.link:
        tags.append(("UR", report.link))
    tags.append(("UR", citation.permalink))
    if citation.accessed:
        tags.append(("Y2", citation.accessed.strftime("%Y/%m/%d")))
    note = ris_note(citation)
    if note:
        tags.append(("N1", note))
    lines = [
        f"{tag}  - {' '.join(value.split()) if tag in one_line else value}" for tag, value in tags
    ]
    return "\r\n".join([*lines, "ER  - ", ""]) + "\r\n"


# BibTeX ---------------------------------------------------------------------------------

BIBTEX_SPECIAL = re.compile(r"([\\{}%&#$_^~])")
BIBTEX_ESCAPES = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}


def bibtex_escape(text: str) -> str:
    """Text safe inside braces: LaTeX's special characters escaped, spaces collapsed."""
    text = " ".join(str(text).split())
    return BIBTEX_SPECIAL.sub(lambda m: BIBTEX_ESCAPES.get(m.group(1), "\\" + m.group(1)), text)


def bibtex_url(url: str) -> str:
    """A URL as the url package reads it: only braces and a backslash could break out."""
    return re.sub(r"[{}\\\s]", lambda m: f"%{ord(m.group(0)):02X}", url)


def bibtex_entry(citation: Citation) -> str:
    """One BibTeX (biblatex-friendly) @misc: title in double braces (kept as written), the
    GFMD as a corporate author, url the catalogue's stable link, urldate the access."""
    report = citation.report
    fields = [
        ("title", "{" + bibtex_escape(citation.title or report.title) + "}"),
        ("author", "{" + GFMD + "}"),
    ]
    if report.year:
        fields.append(("year", str(report.year)))
    note = []
    if citation.is_entry:
        fields.append(("booktitle", bibtex_escape(report.title)))
        fields.append(("type", bibtex_escape(citation.kind)))
        located = ", ".join(part for part in (citation.section, page_label(citation.pages)) if part)
        note.append(", ".join(part for part in (*report.where, located) if part))
        fields.append(("howpublished", CATALOGUE))
    else:
        fields.append(("type", "Session report"))
        fields.append(("organization", GFMD))
        note.append(", ".join(report.where))
    if report.link:
        note.append(f"Document: \\url{{{bibtex_url(report.link)}}}")
    if report.see_also_link:
        title = bibtex_escape(report.see_also_title)
        note.append(f"See also: {title} \\url{{{bibtex_url(report.see_also_link)}}}".strip())
    note = ". ".join(bibtex_escape(n) if "\\url" not in n else n for n in note if n)
    if note:
        fields.append(("note", note))
    fields.append(("url", bibtex_url(citation.permalink)))
    if citation.accessed:
        fields.append(("urldate", citation.accessed.isoformat()))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{citation.key},\n{body}\n}}\n"


# CSL-JSON -------------------------------------------------------------------------------


def csl_item(citation: Citation) -> dict:
    """One CSL-JSON item: an entry (type "entry") whose container is the report, or the
    report itself (type "report"); URL the catalogue's stable link, accessed the date."""
    report = citation.report
    item = {
        "id": citation.key,
        "type": "entry" if citation.is_entry else "report",
        "title": citation.title or report.title,
        "author": [{"literal": GFMD}],
        "publisher": GFMD,
    }
    if citation.is_entry:
        item["container-title"] = report.title
        item["genre"] = citation.kind
        item["archive"] = CATALOGUE
        if citation.section:
            item["section"] = citation.section
        if citation.pages:
            item["page"] = citation.pages
    else:
        item["genre"] = "Session report"
    if report.where:
        item["event-title"] = ", ".join(report.where)
    if report.year:
        item["issued"] = {"date-parts": [[report.year]]}
    notes = []
    if report.link:
        notes.append(f"Document: {report.link}")
    if report.see_also_link:
        notes.append(f"See also: {report.see_also_title} {report.see_also_link}".replace("  ", " "))
    if notes:
        item["note"] = ". ".join(notes)
    item["URL"] = citation.permalink
    if accessed := citation.accessed:
        item["accessed"] = {"date-parts": [[accessed.year, accessed.month, accessed.day]]}
    return item


# Formats --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    """A download format: its name in ?format=, media type and file extension."""

    name: str
    label: str
    media_type: str
    extension: str

    def render(self, citations: Iterable[Citation]) -> str:
        return "".join(self.stream([list(citations)]))

    def stream(self, chunks: Iterable[list[Citation]]):
        """The file's text, a piece per chunk of citations (a list is written whole)."""
        if self.name == "csljson":
            yield from csl_stream(chunks)
            return
        entry = ris_entry if self.name == "ris" else bibtex_entry
        separator = "" if self.name == "ris" else "\n"
        first = True
        for chunk in chunks:
            for citation in chunk:
                yield ("" if first else separator) + entry(citation)
                first = False


def csl_stream(chunks):
    yield "["
    first = True
    for chunk in chunks:
        for citation in chunk:
            text = json.dumps(csl_item(citation), ensure_ascii=False, indent=2)
            yield ("\n" if first else ",\n") + text
            first = False
    yield "\n]\n"


FORMATS = {
    f.name: f
    for f in (
        Format("ris", "RIS", "application/x-research-info-systems", "ris"),
        Format("bibtex", "BibTeX", "application/x-bibtex", "bib"),
        Format("csljson", "CSL-JSON", "application/vnd.citationstyles.csl+json", "json"),
    )
}
