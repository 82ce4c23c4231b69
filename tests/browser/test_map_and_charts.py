"""The world map and the charts in a real browser, on a laptop and on a phone: drawn, fit
to the window without sideways scrolling, accessible (axe-core), and free of console
errors (the Content-Security-Policy allows no inline script or style)."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PAGES = ["/", "/objectives/6/", "/regions/asia/"]


@pytest.fixture
def sized(browser, base_url):
    """A page of a browser window of the size asked; its console errors collected."""
    contexts = []

    def open_page(viewport):
        context = browser.new_context(base_url=base_url, viewport=viewport, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda message: message.type == "error" and page.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()


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
    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
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
    page.set_viewport_size(LAPTOP)
    page.goto("/")
    page.evaluate("document.getElementById('map-heading').scrollIntoView()")
    screenshot(page, "world-map")
