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
