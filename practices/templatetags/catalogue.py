"""Template helpers for the public pages."""

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, gettext

from practices.citations import (
    FORMATS,
    citation_text,
    record_citation,
    report_of,
    source_citation,
    today,
)
from practices.models import Source

register = template.Library()


@register.filter
def localized(row) -> str:
    """A reference row's name in the page's language: a country, region, objective (its
    title), principle, theme or organisation (each model's localized_name()), or a
    country's names by language."""
    language = (get_language() or "en")[:2]
    if isinstance(row, dict):
        return row.get(language) or row["en"]
    return row.localized_name(language)


@register.filter
def language_name(code: str) -> str:
    """A language's name in the page's language, as a sentence writes it: "English",
    "anglais", "inglés" (French and Spanish write language names in lower case)."""
    try:
        name = str(get_language_info(code)["name_translated"])
    except KeyError:  # a code Django does not name: the code itself
        return code
    return name if (get_language() or "en")[:2] == "en" else name.lower()


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """The current query on another page."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"


@register.simple_tag
def coverage_rows(groups, cell_url: str) -> str:
    """The coverage matrix's body: a group of rows per M49 sub-region, headed by its name
    (and its region's), a row per country, a cell per objective.

    Built here rather than with template tags: a matrix of 249 countries by 23
    objectives is some 6,000 cells, which took the template language half a second.
    Every text from the database is escaped."""
    objective = escape(gettext("objective"))
    language = get_language() or "en"
    base = escape(cell_url)
    lines = []
    for group in groups:
        lines.append(
            f'<tbody><tr class="group"><th colspan="25" scope="rowgroup">{place(group)}</th></tr>'
        )
        for row in group["rows"]:
            lines.append(coverage_row(row, base, objective, language))
        lines.append("</tbody>")
    return mark_safe("\n".join(lines))  # every part above is escaped or a number


def place(group) -> str:
    """A group's heading: its region and sub-region, each a link to its page."""
    region = group["region"]
    if region is None:
        return escape(gettext("No M49 region"))
    names = [region.parent, region] if region.parent else [region]
    links = [(reverse("practices:region-detail", args=[r.slug]), r.localized_name()) for r in names]
    return " › ".join(f'<a href="{escape(url)}">{escape(name)}</a>' for url, name in links)


def coverage_row(row, base: str, objective: str, language: str) -> str:
    country = row["country"]
    name = escape(country.localized_name(language))
    code = escape(country.alpha2)
    cells = []
    for number, count in row["cells"]:
        link = (
            f'<a href="{base}?country={code}&amp;objective={number}" '
            f'aria-label="{name}, {objective} {number}: {count}">{count}</a>'
            if count
            else ""
        )
        cells.append(f'<td class="num {heat(count)}">{link}</td>')
    return (
        f'<tr><th scope="row"><a href="{escape(country.get_absolute_url())}">{name}</a></th>'
        f'{"".join(cells)}<td class="num total">{row["total"]}</td></tr>'
    )


@register.filter
def heat(count: int) -> str:
    """A class for a coverage cell; the number itself is always shown too."""
    if not count:
        return "heat-0"
    return f"heat-{min(4, count)}"


@register.filter
def kind_name(record) -> str:
    """The kind of a record, in the page's language: practice, challenge..."""
    return str(record._meta.verbose_name)


@register.simple_tag
def citation(cited, permalink: str) -> str:
    """How to cite a record or a source, as plain text (practices.citations), accessed
    today."""
    if isinstance(cited, Source):
        return citation_text(source_citation(cited, permalink=permalink, accessed=today()))
    value = record_citation(
        title=cited.title,
        slug=cited.slug,
        kind=cited._meta.verbose_name,
        section=cited.section,
        report=report_of(cited.source),
        permalink=permalink,
        accessed=today(),
    )
    return citation_text(value)


@register.inclusion_tag("practices/_cite_links.html")
def cite_links(url: str, query: str = ""):
    """Links to download a citation, or a list's citations, in each format (the API's
    ?format=), `url` being its API address (with its query, or) and `query` the list's
    filters; the page and any other format left out."""
    url, _, given = url.partition("?")
    query = "&".join(
        part
        for part in f"{given}&{query}".split("&")
        if part and not part.startswith(("page=", "format="))
    )
    prefix = f"{url}?{query}&" if query else f"{url}?"
    return {"links": [(f.label, f"{prefix}format={f.name}") for f in FORMATS.values()]}


@register.filter
def get_item(mapping, key):
    return mapping.get(key, ())


@register.filter
def active_count(selected) -> int:
    """How many facet values are chosen: the number on a list's folded "Filter" summary."""
    return sum(len(values) for values in selected.values())
