"""The language in the URL, in a real browser: the menu switches a filtered list to
French and back, keeping its filters, with JavaScript and without."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP

FILTERED = "/practices/?country=MX&objective=6"


@pytest.mark.parametrize("javascript", [True, False])
def test_switching_language_keeps_the_filters_in_at_most_one_click(sized, javascript):
    """With JavaScript the menu applies itself; without, its button is the one click."""
    page = sized(LAPTOP, javascript=javascript)
    page.goto(FILTERED)
    page.get_by_label("Language").select_option("fr")
    if not javascript:
        page.get_by_role("button", name="Change").click()
    expect(page).to_have_url(re.compile(r"/fr/practices/\?country=MX&objective=6$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_text("Filtres appliqués")).to_be_visible()
    hreflang = page.locator('link[rel="alternate"][hreflang="es"]')
    expect(hreflang).to_have_attribute(
        "href", re.compile(r"/es/practices/\?country=MX&objective=6$")
    )

    page.get_by_label("Langue").select_option("en")
    if not javascript:
        page.get_by_role("button", name="Changer").click()
    expect(page).to_have_url(re.compile(r"[^/]/practices/\?country=MX&objective=6$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.set_extra_http_headers({"Accept-Language": "fr"})
    page.goto("/")  # the choice of English is kept: no redirect to /fr/
    expect(page).to_have_url(re.compile(r"[^/]/$"))
    assert page.console_errors == []


# Every text of the page written in the page's language: text nodes (hidden ones too, such
# as a folded table or an SVG title), outside scripts and styles, whose nearest lang
# attribute is the page's. A record's own text (lang="en") is the report's, kept as it is.
TEXT_IN_PAGE_LANGUAGE = """() => {
  const language = document.documentElement.lang.slice(0, 2);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (!parent || parent.closest("script, style, template")) continue;
    const marked = parent.closest("[lang]");
    if (marked && marked.getAttribute("lang").slice(0, 2) !== language) continue;
    parts.push(walker.currentNode.textContent);
  }
  return parts.join(" ").replace(/\\s+/g, " ");
}"""
REFERENCE_NAMES = {  # list: the keys naming a row, and its names
    "objectives": ("number", ("title", "short_title")),
    "principles": ("slug", ("name",)),
    "regions": ("code", ("name",)),
    "themes": ("slug", ("name",)),
}
RECORD = "/practices/thailand-alternatives-to-detention-children-mou/"
LANGUAGE_PAGES = ["/", "/countries/mexico/", "/objectives/13/", RECORD, "/regions/americas/"]


def english_only_names(page, language: str) -> list[str]:
    """The English names of objectives, principles, regions and themes that `language`
    writes otherwise, as the site's own API gives them in both."""
    names = []
    for table, (key, fields) in REFERENCE_NAMES.items():
        rows = {}
        for lang in ("en", language):
            answer = page.request.get(f"/api/{table}/?page_size=200&lang={lang}")
            assert answer.ok, table
            rows[lang] = {row[key]: row for row in answer.json()["results"]}
        for code, english in rows["en"].items():
            names += [
                english[field]
                for field in fields
                if english[field] and english[field] != rows[language][code][field]
            ]
    return names


@pytest.mark.parametrize("language", ["fr", "es"])
def test_french_and_spanish_pages_name_no_reference_row_in_english(sized, language):
    """Home, a country profile, an objective, a record and a region, in French or in
    Spanish, as chromium renders them: no objective, principle, region or theme named in
    English, other than inside a record's own text."""
    page = sized(LAPTOP)
    names = english_only_names(page, language)
    assert len(names) > 50
    for path in LANGUAGE_PAGES:
        assert page.goto(f"/{language}{path}").ok, path
        expect(page.locator("html")).to_have_attribute("lang", language)
        text = page.evaluate(TEXT_IN_PAGE_LANGUAGE)
        found = [name for name in names if re.search(rf"\b{re.escape(name)}\b", text)]
        assert found == [], (path, found)
    assert page.console_errors == []
