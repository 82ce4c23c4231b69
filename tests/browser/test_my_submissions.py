"""My submissions on a phone, in chromium against the site served as in production (its
e-mails printed on the server's console): a visitor submits, asks for the link to their
list, opens it from the e-mail, sees where the submission stands and confirms it there."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, serious_violations, served_env
from tests.browser.test_submission_journey import link_path, mail_to
from tests.servers import gunicorn, manage

EMAIL = "mine.submitter@example.org"
TITLE = "Community sponsorship of refugee families 41c9"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn (one worker: the rate limit's cache is the process's) on a database of its
    own; its output, the console e-mails, in a log file."""
    folder = tmp_path_factory.mktemp("mine")
    env = served_env(folder, GFMD_MIN_SECONDS_TO_SUBMIT="1", GFMD_SUBMISSION_RATE_SECONDS="1")
    for command in (["migrate", "--noinput"], ["load_catalogue"], ["collectstatic", "--noinput"]):
        manage(env, *command)
    log = folder / "server.log"
    with gunicorn(env, workers=1, log=log) as url:
        yield url, log


def no_serious_violations(page, where: str) -> None:
    assert serious_violations(page) == [], where


def fits_the_phone(page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{where} is {width}px wide on a phone"


def test_on_a_phone_a_submitter_finds_and_confirms_their_submission_from_the_list(server, browser):
    """Submit, ask for the list's link, open it from the e-mail, confirm from the list."""
    url, log = server
    context = browser.new_context(base_url=url, viewport=PHONE, locale="en-GB")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    started = time.monotonic()
    try:
        page.goto("/submit/")
        shown_at = time.monotonic()
        page.get_by_label(re.compile(r"^\s*Title")).fill(TITLE)
        page.get_by_label(re.compile(r"^\s*Summary")).fill("Local groups host refugee families.")
        page.get_by_role("listbox", name=re.compile(r"^\s*Implementing countries")).select_option(
            label="Canada"
        )
        page.get_by_label(re.compile(r"^\s*Implementation status")).select_option(label="Ongoing")
        page.get_by_label(re.compile(r"^\s*16\. ")).check()
        page.get_by_label(re.compile(r"^\s*Your name")).fill("Mina Submitter")
        page.get_by_label(re.compile(r"^\s*Your e-mail")).fill(EMAIL)
        time.sleep(max(0, 1.2 - (time.monotonic() - shown_at)))
        page.get_by_role("button", name="Preview").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Preview")
        page.get_by_role("button", name="Send", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

        page.get_by_role("main").get_by_role("link", name="My submissions").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("My submissions")
        fits_the_phone(page, "the page asking for the link")
        no_serious_violations(page, "the page asking for the link")
        page.get_by_label(re.compile(r"^\s*Your e-mail address")).fill(EMAIL)
        page.get_by_role("button", name="E-mail me the link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

        mail = mail_to(log, EMAIL, "Your submissions")
        page.goto(link_path(mail["body"], "mine"))
        item = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=TITLE))
        expect(item).to_contain_text("Awaiting e-mail confirmation")
        fits_the_phone(page, "the list")
        no_serious_violations(page, "the list")
        item.get_by_role("button", name="Confirm it now").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Thank you: your submission is received"
        )
        page.get_by_role("main").get_by_role("link", name="My submissions").click()
        expect(item).to_contain_text("Received, awaiting reviewers")
        expect(item.get_by_role("button")).to_have_count(0)
    finally:
        context.close()
    assert errors == []
    assert "Traceback" not in Path(log).read_text(errors="replace")
    print(f"my submissions walk: {time.monotonic() - started:.1f} s")
