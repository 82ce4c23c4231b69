"""Search that finds, in a real browser: what the words found, marked; a facet added and
a filter removed; the fall-back said; a theme's page; on a phone; accessible (axe-core)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serious_violations


def test_search_marks_the_words_then_narrow_by_a_facet_and_remove_it(page):
    page.goto("/search/?q=detent")
    expect(page.locator(".excerpt mark").first).to_have_text(re.compile("detention", re.I))
    page.locator(".facet").filter(has_text="Country").get_by_role(
        "link", name=re.compile("^Thailand")
    ).click()
    expect(page).to_have_url(re.compile(r"q=detent&country=TH"))
    expect(page.locator(".active-filters")).to_contain_text("Thailand")
    page.locator(".active-filters").get_by_role("link", name=re.compile("remove.*Country")).click()
    expect(page).to_have_url(re.compile(r"/search/\?q=detent$"))
    assert page.console_errors == []


def test_a_search_with_no_record_holding_every_word_says_so(page):
    page.goto("/search/?q=detention+zanzibar")
    expect(page.get_by_role("status")).to_contain_text("No record has all of these words")
    expect(page.locator(".records").first).to_contain_text("detention")


def test_a_theme_page_names_the_theme(page):
    page.goto("/search/?theme=labour-rights")
    expect(page.get_by_role("heading", level=1)).to_have_text("Labour rights")


@pytest.mark.parametrize(
    "path", ["/search/?q=detent", "/search/?q=detention+zanzibar", "/search/?theme=labour-rights"]
)
def test_search_pages_have_no_serious_accessibility_violation(page, path):
    page.goto(path)
    serious = serious_violations(page)
    assert serious == []


def test_the_search_page_reads_on_a_phone_without_sideways_scrolling(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/search/?q=Philippines")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()
