"""A reviewer's conflict-of-interest declaration: changed until the recommendation is
given, then fixed (submissions.review.review_declare), each change in the history; a new
round's starts from the last one's answer but waits for the reviewer to confirm it; the
answer page only calls the service."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from practices import editing
from submissions import review
from submissions.models import Criterion, Recommendation, Review
from tests.submissions.reviewing import a_panel, a_submission, an_editor, answer, assessments

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review():
    submission = a_submission()
    reviews = review.review_assign(submission=submission, reviewers=a_panel(), user=an_editor())
    submission.refresh_from_db()
    return submission, reviews


@pytest.fixture
def round_two(in_review):
    """Round 1: una declares no conflict (with a note), the others none; all ask for a
    revision; the submitter revises, and round 2 starts with the same panel."""
    submission, reviews = in_review
    una = reviews[0]
    review.review_declare(review=una, user=una.reviewer, conflict=False, note="Met them once")
    review.review_submit(
        review=una,
        user=una.reviewer,
        recommendation=Recommendation.REVISE,
        comments="Name the partners.",
        assessments=assessments(),
    )
    for item in reviews[1:]:
        answer(item, Recommendation.REVISE, comments="Name the partners.")
    review.submission_send_back(
        submission=submission, user=User.objects.get(username="edith"), message="Please"
    )
    submission.refresh_from_db()
    again = review.round_restart(submission=submission)
    submission.refresh_from_db()
    return submission, again


def declare(item, conflict, note=""):
    return review.review_declare(review=item, user=item.reviewer, conflict=conflict, note=note)


def reasons(item) -> list[str]:
    rows = Review.objects.get(pk=item.pk).history.order_by("history_id")
    return [h.history_change_reason for h in rows]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def chosen(page: str) -> list[str]:
    """The declaration's choice the page has checked (none, or one)."""
    return re.findall(r'<input type="radio" name="conflict" value="(\w+)"[^>]* checked>', page)


def answer_url(item) -> str:
    return f"/admin/submissions/review/{item.pk}/answer/"


# The service's rule.


def test_a_declaration_changed_before_scoring_is_recorded_each_time(in_review):
    """No conflict, then a conflict, then withdrawn with a note: each step in the review's
    and the submission's history, named for the reviewer."""
    submission, reviews = in_review
    item = reviews[1]
    declare(item, False)
    declare(item, True, "They are my partners")
    declare(item, False, "Another team of my employer, not mine")
    item.refresh_from_db()
    assert item.conflict is False and item.conflict_note == "Another team of my employer, not mine"
    assert reasons(item)[-3:] == [
        "Declared no conflict of interest",
        "Changed the declaration: a conflict of interest",
        "Withdrew the conflict of interest declared",
    ]
    notes = list(
        submission.history.order_by("history_id").values_list(
            "history_user__username", "history_change_reason"
        )
    )[-3:]
    assert notes == [
        ("nora", "Declared no conflict of interest: nora"),
        ("nora", "Changed the declaration: a conflict of interest: nora"),
        ("nora", "Withdrew the conflict of interest declared: nora"),
    ]


def test_the_same_declaration_again_records_nothing(in_review):
    """Declaring again what is declared adds no history row; a changed note is recorded."""
    _, reviews = in_review
    item = reviews[1]
    declare(item, True, "My partners")
    count = len(reasons(item))
    declare(item, True, "  My partners ")
    assert len(reasons(item)) == count
    declare(item, True, "My partners since 2020")
    assert reasons(item)[-1] == "Changed the conflict-of-interest details"


def test_withdrawing_a_conflict_says_why(in_review):
    """A conflict withdrawn without a note is refused, and stays declared."""
    _, reviews = in_review
    item = reviews[1]
    declare(item, True, "My partners")
    with pytest.raises(review.Refused, match="say why you withdraw"):
        declare(item, False, "  ")
    assert Review.objects.get(pk=item.pk).conflict is True


def test_the_declaration_is_fixed_once_the_recommendation_is_given(in_review):
    """After scoring, changing the declaration is refused with why and what to do."""
    _, reviews = in_review
    item = reviews[1]
    answer(item)
    with pytest.raises(review.Refused, match="declaration of conflicts of interest is now fixed"):
        declare(item, True, "I remembered something")
    stored = Review.objects.get(pk=item.pk)
    assert stored.conflict is False and stored.recommendation == Recommendation.ACCEPT


def test_another_reviewer_or_an_editor_cannot_change_a_declaration(in_review):
    """Only the review's own reviewer changes its declaration."""
    _, reviews = in_review
    item = reviews[1]
    declare(item, False)
    for other in (reviews[0].reviewer, User.objects.get(username="edith")):
        with pytest.raises(editing.NotAllowed, match="Only the reviewer"):
            review.review_declare(review=item, user=other, conflict=True, note="Not mine to say")
    assert Review.objects.get(pk=item.pk).conflict is False


def test_a_reviewer_who_declares_a_conflict_late_cannot_score(in_review):
    """No conflict, then a conflict: scoring is refused as for a first declaration."""
    _, reviews = in_review
    item = reviews[1]
    declare(item, False)
    declare(item, True, "They are my partners")
    with pytest.raises(review.Refused, match="You declared a conflict of interest"):
        review.review_submit(
            review=item,
            user=item.reviewer,
            recommendation=Recommendation.ACCEPT,
            comments="",
            assessments=assessments(),
        )
    assert Review.objects.get(pk=item.pk).recommendation == ""


def test_a_newly_conflicted_reviewer_leaves_the_panel_short(in_review):
    """The UN reviewer's late conflict: they no longer count, the desk asks for another
    UN reviewer; withdrawing it seats them again."""
    submission, reviews = in_review
    una = reviews[0]
    declare(una, False)
    assert review.panel_status(submission).un_missing == 0
    declare(una, True, "My agency funds it")
    panel = review.panel_status(submission)
    assert una not in panel.seated and panel.un_missing == 1
    assert "1 more UN reviewer" in panel.next_step()
    assert submission in review.desk_waiting()["short"]
    declare(una, False, "Another agency, I misread")
    assert review.panel_status(submission).un_missing == 0


def test_a_new_rounds_declaration_waits_to_be_confirmed(round_two):
    """Round 2's reviews start undeclared; declared_before gives round 1's answer."""
    _, again = round_two
    una = next(r for r in again if r.reviewer.username == "una")
    assert una.round == 2 and una.conflict is None
    before = review.declared_before(una)
    assert (before.round, before.conflict, before.conflict_note) == (1, False, "Met them once")
    with pytest.raises(review.Refused, match="Declare first"):
        review.review_submit(
            review=una,
            user=una.reviewer,
            recommendation=Recommendation.ACCEPT,
            comments="",
            assessments=assessments(),
        )


# The answer page.


def test_the_page_changes_a_declaration_before_scoring(in_review):
    """Declared none; the score page offers to change it; a conflict declared there is
    recorded and the reviewer goes back to what waits, where they may withdraw it."""
    _, reviews = in_review
    item = reviews[1]
    client = signed_in(item.reviewer)
    url = answer_url(item)
    client.post(url, {"conflict": "no", "note": ""})
    score_page = client.get(url).content.decode()
    assert "You declared no conflict of interest." in score_page
    assert 'href="?change"' in score_page
    change_page = client.get(url + "?change").content.decode()
    assert "Change my declaration" in change_page and chosen(change_page) == ["no"]
    response = client.post(
        url + "?change", {"step": "declare", "conflict": "yes", "note": "My partners"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/submissions/review/waiting/"
    item.refresh_from_db()
    assert item.conflict is True and item.conflict_note == "My partners"
    waiting = client.get(response["Location"]).content.decode()
    assert "Conflicts of interest you declared" in waiting and url in waiting
    # A conflict standing: the page offers to withdraw it, which needs a note.
    page = client.get(url).content.decode()
    assert "You declared a conflict of interest." in page and chosen(page) == ["yes"]
    refused = client.post(url, {"step": "declare", "conflict": "no", "note": ""})
    assert refused.status_code == 200 and "say why you withdraw" in messages_of(refused)
    response = client.post(url, {"step": "declare", "conflict": "no", "note": "I misread"})
    assert response.status_code == 302 and response["Location"] == url
    assert Review.objects.get(pk=item.pk).conflict is False


def test_the_page_refuses_a_change_after_scoring(in_review):
    """Scored: no change link, and a change sent anyway is refused with why."""
    _, reviews = in_review
    item = reviews[1]
    answer(item)
    client = signed_in(item.reviewer)
    url = answer_url(item)
    assert 'href="?change"' not in client.get(url).content.decode()
    response = client.post(url + "?change", {"step": "declare", "conflict": "yes", "note": "x"})
    assert response.status_code == 200
    assert "is now fixed" in messages_of(response)
    assert Review.objects.get(pk=item.pk).conflict is False


def test_the_page_refuses_another_reviewers_change(in_review):
    """Another reviewer cannot see someone's answer page, nor change it."""
    _, reviews = in_review
    item = reviews[1]
    declare(item, False)
    client = signed_in(reviews[0].reviewer)
    response = client.post(answer_url(item), {"step": "declare", "conflict": "yes", "note": "x"})
    assert response.status_code == 404
    assert Review.objects.get(pk=item.pk).conflict is False


def test_a_conflicted_reviewer_still_cannot_score_on_the_page(in_review):
    """After a late conflict, a score sent to the page is refused by the service."""
    _, reviews = in_review
    item = reviews[1]
    declare(item, False)
    declare(item, True, "My partners")
    data = {"recommendation": "accept", "comments": ""}
    data.update({f"{c.value}_recommendation": "accept" for c in Criterion})
    response = signed_in(item.reviewer).post(answer_url(item), data)
    assert response.status_code == 200
    assert "You declared a conflict of interest" in messages_of(response)
    assert Review.objects.get(pk=item.pk).recommendation == ""


def test_a_new_rounds_page_is_prefilled_with_the_last_answer_to_confirm(round_two):
    """Round 2's page says what was declared in round 1, pre-fills it, and records
    nothing until the reviewer confirms."""
    _, again = round_two
    una = next(r for r in again if r.reviewer.username == "una")
    client = signed_in(una.reviewer)
    page = client.get(answer_url(una)).content.decode()
    assert "In round 1 you declared no conflict of interest." in page
    assert "Met them once" in page and "check and confirm it" in page
    assert chosen(page) == ["no"]
    assert Review.objects.get(pk=una.pk).conflict is None
    response = client.post(answer_url(una), {"conflict": "no", "note": "Met them once"})
    assert response.status_code == 302 and response["Location"] == answer_url(una)
    assert Review.objects.get(pk=una.pk).conflict is False
    assert reasons(una)[-1] == "Declared no conflict of interest"


def test_a_first_rounds_page_is_not_prefilled(in_review):
    """Without an earlier round, nothing is chosen for the reviewer."""
    _, reviews = in_review
    page = signed_in(reviews[1].reviewer).get(answer_url(reviews[1])).content.decode()
    assert chosen(page) == [] and "In round" not in page


def test_the_desk_shows_a_changed_declaration_and_asks_for_another_reviewer(in_review):
    """The UN reviewer's late conflict: the submission's desk page shows it with its note
    and asks for one more UN reviewer; the dashboard lists it as short."""
    submission, reviews = in_review
    una = reviews[0]
    declare(una, False)
    declare(una, True, "My agency funds it")
    editor = signed_in(User.objects.get(username="edith"))
    desk = editor.get(f"/admin/submissions/submission/{submission.pk}/change/").content.decode()
    assert "yes: My agency funds it" in desk
    assert "The panel needs 1 more UN reviewer" in desk
    dashboard = editor.get("/admin/submissions/submission/dashboard/").content.decode()
    short = dashboard.split("Panel short of reviewers")[1].split("<h2>")[0]
    assert submission.practice.title in short
