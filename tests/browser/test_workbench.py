"""The planner's workbench in a real browser: from the home page to what peers did on one
of Mexico's gaps in three clicks, on a laptop and on a phone; the objectives' titles in
the page, not in a tooltip; the new and changed pages accessible (axe-core), free of
console errors (the CSP allows no inline script or style) and without sideways scrolling
on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, PHONE, serious_violations

PEERS_LINK = re.compile(r"^Practices in Latin America and the Caribbean on objective \d+$")
WORKBENCH_PAGES = [
    "/",
    "/countries/",
    "/countries/mexico/",
    "/regions/americas/",
    "/regions/latin-america-and-the-caribbean/",
    "/coverage/",
    "/coverage/?region=419",
    "/search/?country=MX&objective=6",
    "/practices/?country=MX&objective=6",
]


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_from_home_to_peers_practices_on_a_gap_of_mexico_in_three_clicks(sized, viewport):
    """Home → the Americas → Mexico → "Practices in Latin America and the Caribbean on
    objective N", an objective on which Mexico has no record."""
    page = sized(viewport)
    clicks = 0

    def click(locator):
        nonlocal clicks
        locator.click()
        clicks += 1

    page.goto("/")
    click(page.get_by_role("link", name="Americas", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Americas")
    click(page.get_by_role("link", name="Mexico", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mexico")
    peers = page.get_by_role("link", name=PEERS_LINK).first
    number = re.search(r"objective=(\d+)", peers.get_attribute("href")).group(1)
    gap = page.locator(".objective-strip li").nth(int(number) - 1)
    expect(gap).to_have_class("uncovered")
    click(peers)
    assert clicks <= 3
    expect(page).to_have_url(re.compile(rf"/practices/\?region=419&objective={number}$"))
    expect(
        page.get_by_role("heading", level=2, name=re.compile(r"^[1-9]\d* results?$"))
    ).to_be_visible()
    expect(page.locator(".records .record").first).to_be_visible()
    assert page.console_errors == []


def test_the_objective_titles_are_visible_on_a_country_page_on_a_phone(sized):
    page = sized(PHONE)
    page.goto("/countries/mexico/")
    for title in (
        "Facilitate fair and ethical recruitment and safeguard conditions that ensure decent work",
        "Use migration detention only as a measure of last resort and work towards alternatives",
    ):
        shown = page.locator(".objective-strip .title a", has_text=title)
        expect(shown).to_be_visible()
        box = shown.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], title
    items = page.locator(".objective-strip > li")
    expect(items).to_have_count(23)
    assert page.locator(".objective-strip [title]").count() == 0  # no tooltip-only text


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize(
    "path",
    [
        "/countries/mexico/",
        "/regions/latin-america-and-the-caribbean/",
        "/regions/americas/",
        "/coverage/?region=419",
        "/search/?country=MX&objective=6",
        "/practices/?country=MX&objective=6",
    ],
)
def test_workbench_pages_have_no_serious_accessibility_violation(sized, path, viewport):
    page = sized(viewport)
    page.goto(path)
    serious = serious_violations(page)
    assert serious == []
    assert page.console_errors == []


def test_workbench_pages_read_on_a_phone_without_sideways_scrolling(sized):
    page = sized(PHONE)
    for path in WORKBENCH_PAGES:
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    assert page.console_errors == []
