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
