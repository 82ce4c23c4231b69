"""The researcher's journey, counted in clicks: from the home page to labour-migration
practices, their CSV downloaded and one practice's citation copied."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, PHONE


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_labour_migration_practices_a_csv_and_a_copied_citation_in_four_clicks(
    browser, base_url, viewport
):
    context = browser.new_context(
        base_url=base_url, viewport=viewport, locale="en-GB", accept_downloads=True
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    clicks = 0

    def click(locator):
        nonlocal clicks
        locator.click()
        clicks += 1

    page.goto("/")
    page.fill("#home-q", "labour migration")
    click(page.locator("form.search button[type=submit]").first)
    practices = page.locator("section[aria-labelledby=kind-practice]")
    first = practices.locator("li.record h3 a").first
    expect(first).to_be_visible()
    title = first.inner_text()

    with page.expect_download() as download:
        click(practices.get_by_role("link", name="CSV", exact=True))
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    assert rows and title in {row["title"] for row in rows}
    assert all(row["citation"] for row in rows)

    click(first)
    expect(page.locator("h1")).to_contain_text(title)
    click(page.get_by_role("button", name="Copy citation"))
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#citation").inner_text()
    assert title in copied and "GFMD" in copied

    assert clicks == 4
    context.close()
