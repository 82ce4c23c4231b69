"""A reviewer's path on a phone (390x844), in chromium against the site served as in
production: sign in, open what waits, declare no conflict, correct it to a conflict,
withdraw that with a note, then score. Every page fits the screen's width and has no
serious axe violation; the reviewer's clicks and typed fields are counted and printed
(run with -s to see them)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, serious_violations, served_env
from tests.browser.test_submission_journey import PASSWORD, Person
from tests.servers import gunicorn, manage

TITLE = "Phone-reviewed practice 5c1d"
REVIEWER = "rev-phone-un"
# One UN and two non-UN reviewers: the default panel.
REVIEWERS = [(REVIEWER, "un"), ("rev-phone-gov", "government"), ("rev-phone-civil", "academia")]
PANEL = f"""
from django.contrib.auth.models import User
from submissions import review
from tests.submissions.reviewing import a_submission
submission = a_submission(title="{TITLE}")
review.review_assign(
    submission=submission,
    reviewers=list(User.objects.filter(username__in={[name for name, _ in REVIEWERS]!r})),
    user=User.objects.get(username="editor-phone"),
)
"""
CRITERIA = (
    "Relates to one or more of the 23 GCM objectives",
    "Adheres to the ten guiding principles",
    "Implemented after December 2018",
    "Fully or mostly completed",
    "Innovative",
    "Replicable",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn on a database of its own (the other browser tests' site is not changed),
    with a submission in review whose panel has the phone's reviewer."""
    folder = tmp_path_factory.mktemp("review-phone")
    env = served_env(folder, ACCOUNT_PASSWORD=PASSWORD, REVIEWER_PASSWORD=PASSWORD)
    for command in (["migrate", "--noinput"], ["load_catalogue"], ["collectstatic", "--noinput"]):
        manage(env, *command)
    manage(env, "create_account", "editor-phone", "--role", "editor", "--email", "e@example.org")
    for username, affiliation in REVIEWERS:
        manage(
            env,
            "create_reviewer",
            username,
            "--email",
            f"{username}@example.org",
            "--affiliation",
            affiliation,
            "--password-from-env",
            "REVIEWER_PASSWORD",
        )
    manage(env, "shell", "-c", PANEL)
    log = Path(folder) / "server.log"
    with gunicorn(env, workers=2, log=log) as url:
        yield url, log


def fits_and_is_accessible(person: Person, where: str) -> None:
    """The page scrolls only up and down on the phone, and axe finds nothing serious."""
    page = person.page
    page.wait_for_load_state("load")
    width, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen, f"{where}: {width}px wide on a {screen}px screen"
    serious = serious_violations(page)
    assert serious == [], f"{where}: {serious}"


def test_a_reviewer_declares_corrects_and_scores_on_a_phone(browser, server):
    """The whole reviewer's path at 390x844, the declaration corrected twice on the way."""
    url, log = server
    context = browser.new_context(base_url=url, viewport=PHONE, locale="en-GB")
    try:
        person = Person(REVIEWER, context)
        page = person.page

        person.open("/admin/")
        fits_and_is_accessible(person, "the sign-in page")
        person.sign_in(REVIEWER)
        fits_and_is_accessible(person, "the admin's home")
        person.click(page.get_by_role("link", name="Reviews waiting for me"))
        expect(page.get_by_role("heading", name="Reviews waiting for me")).to_be_visible()
        fits_and_is_accessible(person, "the waiting list")
        person.stage("sign in, open what waits")

        # Declare no conflict.
        row = page.get_by_role("row").filter(has_text=TITLE)
        person.click(row.get_by_role("link", name="Declare conflicts"))
        fits_and_is_accessible(person, "the declaration")
        person.check(page.get_by_label("No conflict of interest"))
        person.click(page.get_by_role("button", name="Declare"))
        expect(page.locator(".messagelist")).to_contain_text("Now give your recommendation")
        fits_and_is_accessible(person, "the score page")
        person.stage("declare")

        # Correct it: a conflict after all; the review leaves what waits.
        expect(page.locator(".declaration-made")).to_contain_text(
            "You declared no conflict of interest."
        )
        person.click(page.get_by_role("link", name="Change your declaration"))
        expect(page.get_by_label("No conflict of interest")).to_be_checked()
        fits_and_is_accessible(person, "changing the declaration")
        person.check(page.get_by_label("Yes, I have a conflict"))
        person.fill(page.get_by_label("Details (for the editors)"), "I advised its lead partner.")
        person.click(page.get_by_role("button", name="Change my declaration"))
        expect(page.locator(".messagelist")).to_contain_text("Your declaration is changed")
        expect(page.get_by_role("row").filter(has_text=TITLE)).to_have_count(0)
        conflicts = page.locator(".declared-conflicts")
        expect(conflicts).to_contain_text(TITLE)
        fits_and_is_accessible(person, "the waiting list with a conflict")
        person.stage("correct to a conflict")

        # Withdraw it, saying why: the score page again.
        person.click(conflicts.get_by_role("link", name="Change your declaration"))
        expect(page.get_by_label("Yes, I have a conflict")).to_be_checked()
        expect(page.locator(".declaration-notice")).to_contain_text("I advised its lead partner.")
        person.check(page.get_by_label("No conflict of interest"))
        person.fill(
            page.get_by_label("Details (for the editors)"),
            "I misread: I advised another organisation of the same name.",
        )
        person.click(page.get_by_role("button", name="Change my declaration"))
        expect(page.locator(".messagelist")).to_contain_text("Now give your recommendation")
        person.stage("withdraw it")

        # Score every criterion.
        person.check(
            page.get_by_role("group", name="Overall recommendation").get_by_label("Accept")
        )
        for criterion in CRITERIA:
            group = page.get_by_role("group", name=criterion, exact=True)
            person.check(group.get_by_label("Accept"))
        person.fill(page.get_by_label("Comments for the submitter"), "Clear and replicable.")
        person.click(page.get_by_role("button", name="Give my recommendation"))
        expect(page.locator(".messagelist")).to_contain_text("your answer is recorded")
        expect(page.locator("#content-main")).to_contain_text("No review waits for you.")
        fits_and_is_accessible(person, "the waiting list, answered")
        person.stage("score")

        # The reviewer's own list of reviews, on the phone too.
        person.click(page.get_by_role("link", name="All my reviews"))
        expect(page.locator("#result_list")).to_contain_text(TITLE)
        fits_and_is_accessible(person, "all my reviews")
        hidden = page.evaluate(
            "(() => { const r = document.querySelector('#changelist .results');"
            " return r.scrollWidth - r.clientWidth })()"
        )
        assert hidden <= 1, f"the list of reviews hides {hidden}px of its columns"
        person.stage("see all my reviews")

        print(person.report())
        assert person.console_errors == [], person.console_errors
        assert "Traceback" not in log.read_text(errors="replace"), "the server logged an error"
    finally:
        context.close()
