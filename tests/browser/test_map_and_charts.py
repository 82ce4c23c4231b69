"""The world map and the charts in a real browser, on a laptop and on a phone: drawn, fit
to the window without sideways scrolling, accessible (axe-core), and free of console
errors (the Content-Security-Policy allows no inline script or style)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, PHONE, serious_violations

PAGES = ["/", "/objectives/6/", "/regions/asia/"]


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize("path", PAGES)
def test_map_and_charts_show_fit_the_window_and_pass_axe(sized, path, viewport):
    page = sized(viewport)
    page.goto(path)
    if path != "/regions/asia/":
        world = page.locator(".world-map svg.map")
        expect(world).to_be_visible()
        box = world.bounding_box()
        assert box["width"] > 300 and box["x"] >= 0
        assert box["x"] + box["width"] <= viewport["width"]
        assert page.locator(".world-map svg.map a").count() >= 1
    expect(page.locator(".bar-chart svg").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    serious = serious_violations(page)
    assert serious == []
    assert page.console_errors == []


def test_a_country_on_the_map_leads_to_its_page(sized):
    page = sized(LAPTOP)
    page.goto("/")
    mexico = page.locator('.world-map svg.map a[href="/countries/mexico/"]')
    expect(mexico.locator("title")).to_have_text(re.compile(r"^Mexico: \d+ records?$"))
    mexico.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mexico")


def test_the_map_table_opens_with_the_same_numbers(sized):
    page = sized(PHONE)
    page.goto("/")
    title = page.locator('.world-map svg.map a[href="/countries/philippines/"] title')
    count = re.search(r": (\d+) ", title.text_content()).group(1)
    page.get_by_text("The map as a table").click()
    row = page.locator(".world-map table tr", has=page.get_by_role("link", name="Philippines"))
    expect(row.locator("td")).to_have_text(count)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
