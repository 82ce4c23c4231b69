"""The planner's workbench in a real browser: an official compares Mexico and the
Philippines from Mexico's page in a few clicks, and shortlists records on Mexico's plan
sheet to download as a Word document or print; on a laptop and on a phone, with and
without JavaScript; the pages accessible (axe-core), free of console errors (the CSP
allows no inline script or style) and without sideways scrolling on a phone."""

import re

import pytest
from docx import Document
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, PHONE, serious_violations

VIEWPORTS = pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
WORKING_GROUP = "mexico-national-working-group-gcm-objective-13h"
URUGUAY = "uruguay-information-campaigns-migrants-public-servants"
PLAN = "/countries/mexico/plan/"
PLANNING_PAGES = [
    "/compare/",
    "/compare/?countries=MX,PH",
    "/compare/?countries=MX,PH,TH,GT",
    "/compare/?countries=MX",
    PLAN,
    f"{PLAN}?pick={WORKING_GROUP}&pick={URUGUAY}&pick=no-such-record",
    "/countries/philippines/plan/",
]


@VIEWPORTS
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_official_compares_mexico_and_the_philippines_from_mexicos_page(
    sized, viewport, javascript
):
    """Mexico's page → "Compare Mexico with" the Philippines → Compare: two clicks (the
    choice in the menu counted as one)."""
    page = sized(viewport, javascript)
    clicks = 0
    page.goto("/countries/mexico/")
    form = page.locator("form", has=page.get_by_label("Compare Mexico with"))
    form.get_by_label("Compare Mexico with").select_option(label="Philippines")
    clicks += 1
    form.get_by_role("button", name="Compare").click()
    clicks += 1
    assert clicks <= 3
    expect(page).to_have_url(re.compile(r"/compare/\?countries=MX&countries=PH$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare countries")
    table = page.locator("table.compare-table")
    expect(table.get_by_role("columnheader", name=re.compile("^Mexico"))).to_be_visible()
    expect(table.get_by_role("columnheader", name=re.compile("^Philippines"))).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(23)
    expect(page.get_by_text("Only Mexico has records on")).to_be_visible()
    thirteen = table.locator("#objective-13")
    expect(
        thirteen.get_by_role("link", name=re.compile("^National working group"))
    ).to_be_attached()
    if viewport is PHONE:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        wrap = page.locator(".table-wrap")
        assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")  # scrolls in its box
    assert page.console_errors == []


@VIEWPORTS
def test_official_changes_the_comparison_with_the_form(sized, viewport):
    page = sized(viewport)
    page.goto("/compare/?countries=MX,PH")
    page.get_by_label("Country 3").select_option(label="Thailand")
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(r"countries=MX&countries=PH&countries=TH&countries=$"))
    expect(page.locator("table.compare-table thead th")).to_have_count(4)
    assert page.console_errors == []


@VIEWPORTS
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_official_shortlists_records_on_the_plan_sheet_and_downloads_them(
    sized, viewport, javascript
):
    """Mexico's page → plan sheet → tick its working group and a peer's practice →
    update → the shortlist in full → download a .docx holding both with citations."""
    page = sized(viewport, javascript)
    page.goto("/countries/mexico/")
    page.get_by_role("link", name=re.compile("^Plan sheet of Mexico")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mexico: plan sheet")
    page.locator("#objective-13").get_by_label(re.compile("^Add to the shortlist")).check()
    page.locator("#objective-3").get_by_label(
        re.compile("^Add to the shortlist: Campaigns to inform")
    ).check()
    page.get_by_role("button", name="Update the shortlist").first.click()
    shortlist = page.locator("section.shortlist")
    expect(shortlist.get_by_role("heading", level=2)).to_have_text("Shortlist 2")
    expect(shortlist.locator("article")).to_have_count(2)
    expect(shortlist.get_by_text(re.compile("^Citation:"))).to_have_count(2)
    assert f"pick={WORKING_GROUP}" in page.url and f"pick={URUGUAY}" in page.url
    if viewport is PHONE:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the shortlist (Word)").first.click()
    download = download_info.value
    assert download.suggested_filename == "mexico-plan-sheet.docx"
    document = Document(str(download.path()))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "National working group on an implementation plan" in text
    assert "Campaigns to inform migrant populations and public servants" in text
    assert text.count("Citation: GFMD Practice Catalogue. ") == 2
    assert page.console_errors == []


def test_the_printed_shortlist_is_a_clean_a4_document(sized):
    """No navigation, form or button in print; the objectives to pick from left out when
    there is a shortlist; an objective per page."""
    page = sized(LAPTOP)
    page.goto(f"{PLAN}?pick={WORKING_GROUP}&pick={URUGUAY}")
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".plan-actions", ".plan-objectives"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("input[type=checkbox]").first).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".shortlisted").first).to_be_visible()
    underlined = page.locator(".shortlisted h4 a").first.evaluate(
        "el => getComputedStyle(el).textDecorationLine"
    )
    assert underlined == "none"
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 2  # objective 3, then objective 13


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize("path", PLANNING_PAGES)
def test_planning_pages_have_no_serious_accessibility_violation(sized, path, viewport):
    page = sized(viewport)
    page.goto(path)
    serious = serious_violations(page)
    assert serious == []
    if path != "/compare/?countries=MX":  # there the browser logs the page's own 400
        assert page.console_errors == []


def test_planning_pages_read_on_a_phone_without_sideways_scrolling(sized):
    page = sized(PHONE)
    for path in [*PLANNING_PAGES, "/countries/mexico/"]:
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
