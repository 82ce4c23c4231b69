"""The look in a real browser: a short header whose menu folds on a phone, a list's first
record within a phone's first screen, the filters folded on a phone and a sidebar on a
laptop, every public page kind without sideways scrolling and without a serious axe
violation at both widths, and the README's screenshots taken from the current rendering."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, PHONE, screenshot, serious_violations

VIEWPORTS = pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
WORKING_GROUP = "mexico-national-working-group-gcm-objective-13h"
URUGUAY = "uruguay-information-campaigns-migrants-public-servants"
EVERY_PAGE_KIND = [
    "/",
    "/practices/",
    "/challenges/",
    "/opportunities/",
    "/recommendations/",
    f"/practices/{WORKING_GROUP}/",
    "/countries/",
    "/countries/mexico/",
    "/countries/mexico/plan/",
    f"/countries/mexico/plan/?pick={WORKING_GROUP}&pick={URUGUAY}",
    "/compare/?countries=MX,PH",
    "/objectives/",
    "/objectives/13/",
    "/regions/asia/",
    "/coverage/",
    "/coverage/?countries=all",
    "/sources/",
    "/sources/gfmd-working-session-human-rights-of-all-migrants/",
    "/search/?q=detention",
    "/about/",
    "/api-guide/",
    "/data/",
    "/submit/",
    "/submit/mine/",
    "/calls/",
    "/no-such-page/",
]
HEADER_MAX_ON_PHONE = 80  # px; it was 218 with the navigation laid out in the open


def test_on_a_phone_the_header_is_short_and_the_first_record_is_on_the_first_screen(sized):
    page = sized(PHONE)
    page.goto("/practices/")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= HEADER_MAX_ON_PHONE, header
    title = page.locator(".records .record h3").first
    expect(title).to_be_visible()
    box = title.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] < PHONE["height"], box
    assert page.evaluate("window.scrollY") == 0


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_on_a_phone_the_menu_unfolds_without_script(sized, javascript):
    page = sized(PHONE, javascript)
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    page.locator(".site-menu > summary").click()
    expect(nav).to_be_visible()
    expect(page.get_by_label("Language")).to_be_visible()
    nav.get_by_role("link", name="Coverage").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Coverage")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_on_a_laptop_the_navigation_and_the_filters_are_shown_inline(sized):
    page = sized(LAPTOP)
    page.goto("/practices/?country=PH")
    expect(page.locator(".site-menu > summary")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_count(10)
    expect(page.get_by_label("Language")).to_be_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= 120
    expect(page.locator(".filters > summary")).to_be_hidden()
    facets = page.locator(".facets").bounding_box()
    results = page.locator(".results").bounding_box()
    assert facets["x"] + facets["width"] <= results["x"]  # a sidebar, left of the results
    expect(page.locator(".facet").filter(has_text="Country").first).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_on_a_phone_the_filters_fold_behind_a_summary_naming_the_active_ones(sized, javascript):
    page = sized(PHONE, javascript)
    page.goto("/practices/?country=MX&objective=13")
    summary = page.locator(".filters > summary")
    expect(summary).to_have_text(re.compile(r"^\s*Filter\s+2 active\s*$"))
    country = page.locator(".facet").filter(has_text="Country").first
    expect(country).to_be_hidden()
    results = page.locator(".results").bounding_box()
    assert summary.bounding_box()["y"] < results["y"]  # above the results
    summary.click()
    expect(country).to_be_visible()
    country.get_by_role("link", name=re.compile("Mexico")).click()  # removes it
    expect(page).to_have_url(re.compile(r"/practices/\?objective=13$"))
    expect(page.locator(".filters > summary")).to_have_text(re.compile(r"1 active"))


@VIEWPORTS
@pytest.mark.parametrize("path", EVERY_PAGE_KIND)
def test_every_page_kind_fits_the_width_and_passes_axe(sized, path, viewport):
    page = sized(viewport)
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{path}: {width}px wide"
    serious = serious_violations(page)
    assert serious == []
    if path != "/no-such-page/":  # there the browser logs the page's own 404
        assert page.console_errors == []


def test_wide_tables_scroll_in_a_focusable_named_region_on_a_phone(sized):
    page = sized(PHONE)
    for path in ("/coverage/", "/compare/?countries=MX,PH", "/objectives/"):
        page.goto(path)
        wrap = page.locator(".table-wrap").first
        assert wrap.evaluate("el => el.scrollWidth > el.clientWidth"), path
        expect(wrap).to_have_attribute("tabindex", "0")
        expect(wrap).to_have_accessible_name(re.compile(r"\w"))


SCREENSHOTS = [
    ("/", "#map-heading", "home-map"),
    ("/countries/mexico/", None, "country-mexico"),
    (f"/countries/mexico/plan/?pick={WORKING_GROUP}&pick={URUGUAY}", None, "plan-sheet"),
    ("/compare/?countries=MX,PH", None, "compare"),
]


@VIEWPORTS
@pytest.mark.parametrize(("path", "anchor", "name"), SCREENSHOTS)
def test_readme_screenshots(sized, path, anchor, name, viewport):
    """The README's screenshots: each page's first screen (from the anchor, if any), on a
    laptop and on a phone at device scale 1, rewritten on every run."""
    page = sized(viewport)
    page.goto(path)
    if anchor:
        page.locator(anchor).evaluate("el => el.scrollIntoView()")
    expect(page.get_by_role("heading", level=1)).to_be_attached()
    screenshot(page, f"{name}-{'phone' if viewport is PHONE else 'desktop'}")
    assert page.console_errors == []


def test_readme_screenshot_of_the_coverage_matrix(sized):
    page = sized(LAPTOP)
    page.goto("/coverage/")
    screenshot(page, "coverage-matrix")
