"""A reviewer at the editors' desk, in a real browser against the served site."""

import subprocess
import sys

from playwright.sync_api import expect

from .conftest import ROOT

SLUG = "egypt-anti-smuggling-law-trafficking-strategy"
PASSWORD = "Reviewer-passphrase-2026"


def manage(site_env, *args, **env):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**site_env, **env},
        check=True,
        capture_output=True,
    )


def test_reviewer_publishes_a_record_in_review_and_it_goes_public(site_env, page):
    manage(
        site_env, "create_account", "reviewer-rosa", "--role", "reviewer", ACCOUNT_PASSWORD=PASSWORD
    )
    manage(
        site_env,
        "shell",
        "-c",
        f"from practices.models import Practice; "
        f"Practice.objects.filter(slug='{SLUG}').update(status='review')",
    )
    assert page.goto(f"/practices/{SLUG}/").status == 404

    page.goto("/admin/")
    page.get_by_label("Username").fill("reviewer-rosa")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Catalogue")).to_be_visible()

    page.goto("/admin/practices/practice/?status__exact=review")
    row = page.get_by_role("row").filter(has_text="Law to combat the smuggling")
    if row.count() == 0:  # the title as the data file writes it
        row = page.get_by_role("row").filter(has=page.locator("a[href*='/change/']"))
    row.first.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Publish")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("1 practice published.")

    public = page.goto(f"/practices/{SLUG}/")
    assert public.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Egypt")


EDITOR_PASSWORD = "Editor-passphrase-2026"
DRAFT = "ghana-labour-migration-policy"


def sign_in(page, username, password):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Catalogue")).to_be_visible()


def open_record(page, title_part):
    """From the practices list, by searching, as an editor would: two clicks."""
    page.goto("/admin/practices/practice/")
    page.locator("#searchbar").fill(title_part)
    page.locator("#searchbar").press("Enter")
    page.locator("#result_list tbody tr").first.get_by_role("link").first.click()


def test_an_editor_sees_a_published_record_read_only_and_a_stale_save_is_refused(
    site_env, browser, base_url
):
    """An editor can read but not save a published record; of two tabs saving one draft,
    the second is told who saved first, and keeps what it typed."""
    manage(
        site_env,
        "create_account",
        "editor-edith",
        "--role",
        "editor",
        ACCOUNT_PASSWORD=EDITOR_PASSWORD,
    )
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
    first, second = context.new_page(), context.new_page()
    sign_in(first, "editor-edith", EDITOR_PASSWORD)

    open_record(first, "Philippines")
    expect(first.get_by_role("button", name="Save", exact=True)).to_have_count(0)

    manage(
        site_env,
        "shell",
        "-c",
        "from practices.models import Practice; from tests.records import make; "
        "t = Practice.objects.get(slug='thailand-alternatives-to-detention-children-mou'); "
        f"make(slug='{DRAFT}', title='Ghana labour migration policy draft', "
        "text='Ghana - a draft.', source=t.source)",
    )
    for page in (first, second):
        open_record(page, "Ghana labour migration policy draft")
    first.get_by_label("Text:").fill("Ghana - the first tab's text.")
    first.get_by_role("button", name="Save", exact=True).click()
    expect(first.locator(".messagelist")).to_contain_text("was changed successfully")

    second.get_by_label("Text:").fill("Ghana - the second tab's text.")
    second.get_by_role("button", name="Save", exact=True).click()
    expect(second.locator(".errornote, .errorlist").first).to_be_visible()
    expect(second.locator("body")).to_contain_text("editor-edith changed this record")
    expect(second.get_by_label("Text:")).to_have_value("Ghana - the second tab's text.")
    context.close()
