"""The public pages in a real browser: search, facets, records, citation, language,
accessibility (axe-core), phones, and life without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serious_violations

MAIN_PAGES = [
    "/",
    "/countries/",
    "/countries/philippines/",
    "/practices/",
    "/practices/?country=PH",
    "/search/?q=detention",
    "/practices/thailand-alternatives-to-detention-children-mou/",
    "/challenges/",
    "/objectives/",
    "/objectives/13/",
    "/coverage/",
    "/sources/",
    "/sources/gfmd-working-session-human-rights-of-all-migrants/",
    "/about/",
    "/api-guide/",
    "/data/",
    "/no-such-page/",
]


def test_search_from_home_then_open_the_record(page):
    page.goto("/")
    page.get_by_label("Search the catalogue").fill("detention")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=detention"))
    page.get_by_role("link", name=re.compile("MOU on alternatives to detention")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("alternatives to detention")
    expect(page.locator(".facts")).to_contain_text("Thailand")
    assert page.console_errors == []


def test_narrow_a_list_by_a_facet_and_share_the_url(page):
    page.goto("/practices/")
    page.locator(".facet").filter(has_text="Country").get_by_role(
        "link", name=re.compile("^Philippines")
    ).click()
    expect(page).to_have_url(re.compile(r"country=PH"))
    expect(page.get_by_role("heading", level=2, name=re.compile("4 results"))).to_be_visible()
    shared = page.url
    page.goto(shared)
    expect(page.get_by_role("heading", level=2, name=re.compile("4 results"))).to_be_visible()


def test_copy_a_records_citation(context, page):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/practices/mexico-national-working-group-gcm-objective-13h/")
    box = page.locator("#citation")
    citation = box.inner_text()
    assert "GFMD Practice Catalogue" in citation and "/practices/mexico-" in citation
    assert "(accessed " in citation
    # The whole text shows, wrapped: no URL cut off or scrolled out of sight.
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight")
    page.get_by_role("button", name="Copy citation").click()
    expect(page.get_by_role("status")).to_have_text("Citation copied.")
    assert page.evaluate("navigator.clipboard.readText()") == citation


def test_switch_language_to_french_and_spanish(page):
    page.goto("/objectives/")
    page.get_by_label("Language").select_option("fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_url(re.compile(r"/fr/objectives/$"))
    expect(page.get_by_role("navigation", name=re.compile("."))).to_contain_text("Pays")
    page.get_by_label("Langue").select_option("es")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("navigation", name=re.compile("."))).to_contain_text("Países")


def test_accept_language_is_honoured(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="fr-FR")
    page = context.new_page()
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_url(re.compile(r"/fr/$"))
    context.close()


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_main_pages_have_no_serious_accessibility_violation(page, path):
    page.goto(path)
    serious = serious_violations(page)
    assert serious == []
    if path != "/no-such-page/":  # there the browser logs the page's own 404
        assert page.console_errors == []


def test_pages_read_on_a_phone_without_sideways_scrolling(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    for path in (
        "/",
        "/practices/",
        "/countries/philippines/",
        "/practices/flexi-visa-ph-bahrain/",
    ):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    context.close()


def test_everything_works_without_javascript(browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/practices/")
    page.get_by_label("Search", exact=True).fill("detention")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("1 result"))).to_be_visible()
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    context.close()


def test_no_asset_comes_from_another_host(page, base_url):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ("/", "/coverage/", "/api/docs/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert requested and all(url.startswith(base_url) for url in requested), [
        url for url in requested if not url.startswith(base_url)
    ]


def test_content_security_policy_allows_only_own_assets(page):
    response = page.goto("/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    docs = page.goto("/api/docs/")
    assert "script-src 'self'" in docs.headers["content-security-policy"]
    expect(page.locator(".swagger-ui")).to_be_visible()
    expect(page.get_by_text("GFMD Practice Catalogue API")).to_be_visible()
    assert page.console_errors == []
