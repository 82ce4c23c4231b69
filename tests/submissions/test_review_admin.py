"""The review desk in the admin: each button, for an editor, a reviewer and an anonymous
visitor, answers as submissions.review says (a refusal is a message on the page, never a
server error); a reviewer sees only their own reviews."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from practices.models import Practice, Status
from submissions import review
from submissions.models import Criterion, Review, Submission
from tests.submissions.reviewing import a_panel, a_reviewer, a_submission, an_editor, answer

pytestmark = pytest.mark.django_db

ADMIN = "/admin/submissions/submission/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.fixture
def editor():
    return an_editor()


@pytest.fixture
def in_review(editor):
    submission = a_submission()
    reviews = review.review_assign(submission=submission, reviewers=a_panel(), user=editor)
    submission.refresh_from_db()
    return submission, reviews


def test_the_editor_assigns_a_panel_from_the_desk(editor):
    """The form lists reviewers with their affiliation; a full panel is assigned."""
    submission = a_submission()
    una, nora, gabriel = a_panel()
    client = signed_in(editor)
    page = client.get(f"{ADMIN}{submission.pk}/assign/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "una (UN entity)" in html and "nora (Civil society)" in html
    response = client.post(
        f"{ADMIN}{submission.pk}/assign/", {"reviewers": [una.pk, nora.pk, gabriel.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "The reviewers were assigned" in messages_of(response)
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.IN_REVIEW


def test_a_short_panel_is_refused_on_the_page(editor):
    """Two non-UN reviewers: the page says what is missing and nothing is assigned."""
    submission = a_submission()
    _, nora, gabriel = a_panel()
    response = signed_in(editor).post(
        f"{ADMIN}{submission.pk}/assign/", {"reviewers": [nora.pk, gabriel.pk]}
    )
    assert response.status_code == 200
    assert "1 more UN reviewer" in messages_of(response)
    assert not Review.objects.filter(submission=submission).exists()


def test_the_desk_shows_the_panel_and_flags_disagreement(editor, in_review):
    """Two accept and one revise: the list flags it, the page offers one more reviewer,
    and the dashboard lists it under disagreement with how long it has waited."""
    submission, reviews = in_review
    answer(reviews[0])
    answer(reviews[1])
    answer(reviews[2], "revise", comments="Add the results.")
    client = signed_in(editor)
    listing = client.get(ADMIN).content.decode()
    assert "icon-yes.svg" in listing  # the disagreement column
    page = client.get(f"{ADMIN}{submission.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Ask one more reviewer" in html and "The reviewers disagree" in html
    assert "Civil society" in html and "Revise" in html
    dashboard = client.get(f"{ADMIN}dashboard/").content.decode()
    disagreement = dashboard.split("Reviewers disagree: ask one more reviewer")[1]
    assert submission.practice.title in disagreement.split("</table>")[0]
    assert "minute" in dashboard


def test_the_editors_publish_button_is_refused_and_the_reviewers_works(editor, in_review):
    """Editors are told only a reviewer may publish; a reviewer publishes."""
    submission, reviews = in_review
    for item in reviews:
        answer(item)
    client = signed_in(editor)
    for method in ("get", "post"):  # no Publish form shown to an editor, nor taken
        response = getattr(client, method)(f"{ADMIN}{submission.pk}/publish/")
        assert response.status_code == 302
        assert response["Location"].endswith(f"/submission/{submission.pk}/change/")
        page = client.get(response["Location"])
        assert "Only a reviewer may." in messages_of(page)
    assert Practice.objects.get(pk=submission.practice_id).status == Status.IN_REVIEW
    panelist = reviews[0].reviewer
    response = signed_in(panelist).post(f"{ADMIN}{submission.pk}/publish/", follow=True)
    assert "Published" in messages_of(response)
    assert Practice.objects.get(pk=submission.practice_id).status == Status.PUBLISHED


def test_reject_without_a_reason_is_refused_on_the_page(editor, in_review):
    """The reason field is named; with one, the submission is rejected."""
    submission, _ = in_review
    client = signed_in(editor)
    response = client.post(f"{ADMIN}{submission.pk}/reject/", {"reason": ""})
    assert response.status_code == 200 and "reason:" in messages_of(response)
    response = client.post(f"{ADMIN}{submission.pk}/reject/", {"reason": "Out of scope"})
    assert response.status_code == 302
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.REJECTED


def test_send_back_from_the_desk(editor, in_review):
    """The page shows the comments the submitter will get; sending back moves the state."""
    submission, reviews = in_review
    answer(reviews[0], "revise", comments="Say who funded it.")
    client = signed_in(editor)
    assert "Say who funded it." in client.get(f"{ADMIN}{submission.pk}/send-back/").content.decode()
    response = client.post(f"{ADMIN}{submission.pk}/send-back/", {"message": "Thanks"})
    assert response.status_code == 302
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.REVISION


@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("assign", {"reviewers": []}),
        ("send-back", {"message": "Please revise"}),
        ("reject", {"reason": "No"}),
        ("publish", {}),
    ],
)
def test_a_reviewers_desk_buttons_are_refused_with_a_message(in_review, step, data):
    """A reviewer on the panel may see the submission but not assign, send back or reject;
    publishing an unfinished panel is refused too: each a message, the state unchanged."""
    submission, reviews = in_review
    response = signed_in(reviews[0].reviewer).post(f"{ADMIN}{submission.pk}/{step}/", data)
    assert response.status_code == 200
    assert messages_of(response)
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.IN_REVIEW


@pytest.mark.parametrize(
    "page",
    [
        "submission/{s}/assign/",
        "submission/{s}/send-back/",
        "submission/{s}/reject/",
        "submission/{s}/publish/",
        "submission/{s}/change/",
        "submission/dashboard/",
        "review/{r}/answer/",
        "review/waiting/",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(in_review, page):
    """Every desk and reviewer page asks an anonymous visitor to sign in."""
    submission, reviews = in_review
    url = "/admin/submissions/" + page.format(s=submission.pk, r=reviews[0].pk)
    response = Client().post(url, {"conflict": "no", "reason": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.IN_REVIEW


def test_a_reviewer_sees_only_the_submissions_and_reviews_that_are_theirs(in_review):
    """Another submission's desk page, and another reviewer's review, are not found."""
    submission, reviews = in_review
    other = a_submission(title="Someone else's practice")
    outsider = a_reviewer("ada", "academia")
    client = signed_in(outsider)
    assert client.get(f"{ADMIN}{submission.pk}/change/").status_code in (302, 404)
    assert client.get(f"{ADMIN}{other.pk}/publish/").status_code == 404
    assert client.get(f"/admin/submissions/review/{reviews[0].pk}/answer/").status_code == 404
    mine = signed_in(reviews[0].reviewer)
    listing = mine.get("/admin/submissions/review/").content.decode()
    assert listing.count("Declare conflicts") == 1
    assert mine.get(f"/admin/submissions/review/{reviews[1].pk}/change/").status_code in (302, 404)
    assert mine.get(f"{ADMIN}{submission.pk}/change/").status_code == 200
    assert "Someone else" not in mine.get(ADMIN).content.decode()


def test_a_reviewers_list_of_reviews_leaves_out_their_own_name(editor, in_review):
    """A reviewer's list is all theirs: no reviewer or affiliation column (it fits a
    phone); the editor's list keeps both."""
    _, reviews = in_review
    mine = signed_in(reviews[0].reviewer).get("/admin/submissions/review/").content.decode()
    assert "column-progress" in mine
    assert "column-reviewer" not in mine and "column-affiliation" not in mine
    desk = signed_in(editor).get("/admin/submissions/review/").content.decode()
    assert "column-reviewer" in desk and "column-affiliation" in desk


def test_a_reviewer_declares_then_scores_every_criterion(in_review):
    """The answer page asks for the declaration first, then a recommendation per criterion."""
    submission, reviews = in_review
    item = reviews[0]
    client = signed_in(item.reviewer)
    waiting = client.get("/admin/submissions/review/waiting/").content.decode()
    assert submission.practice.title in waiting and "minute" in waiting
    url = f"/admin/submissions/review/{item.pk}/answer/"
    assert "conflict of interest" in client.get(url).content.decode()
    response = client.post(url, {"conflict": "no", "note": ""})
    assert response.status_code == 302 and response["Location"] == url
    form = client.get(url).content.decode()
    for criterion in Criterion:
        assert f'name="{criterion.value}_recommendation"' in form
    data = {"recommendation": "accept", "comments": "Clear."}
    data.update({f"{c.value}_recommendation": "accept" for c in Criterion})
    del data["replicable_recommendation"]
    response = client.post(url, data)
    assert response.status_code == 200 and "replicable" not in Review.objects.get(
        pk=item.pk
    ).assessments.values_list("criterion", flat=True)
    data["replicable_recommendation"] = "accept"
    response = client.post(url, data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.recommendation == "accept" and item.assessments.count() == len(Criterion)
    again = client.post(url, data)
    assert again.status_code == 200 and "can no longer be changed" in messages_of(again)


def test_a_conflicted_reviewer_is_refused_scoring_on_the_page(in_review):
    """Declared a conflict: the page then refuses a score, with why."""
    _, reviews = in_review
    item = reviews[0]
    client = signed_in(item.reviewer)
    url = f"/admin/submissions/review/{item.pk}/answer/"
    client.post(url, {"conflict": "yes", "note": "I wrote it"})
    data = {"recommendation": "accept", "comments": ""}
    data.update({f"{c.value}_recommendation": "accept" for c in Criterion})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "conflict of interest" in messages_of(response)
    assert Review.objects.get(pk=item.pk).recommendation == ""


def test_an_editor_answering_a_review_is_refused(editor, in_review):
    """Editors see every review but answer none."""
    _, reviews = in_review
    url = f"/admin/submissions/review/{reviews[0].pk}/answer/"
    response = signed_in(editor).post(url, {"conflict": "no"})
    assert response.status_code == 200
    assert "Only the reviewer" in messages_of(response)


def test_the_admin_index_links_the_dashboards(editor, in_review):
    """Editors find their dashboard, reviewers what waits for them, on the admin's index."""
    _, reviews = in_review
    assert f"{ADMIN}dashboard/" in signed_in(editor).get("/admin/").content.decode()
    index = signed_in(reviews[0].reviewer).get("/admin/").content.decode()
    assert "/admin/submissions/review/waiting/" in index
    assert f"{ADMIN}dashboard/" not in index
    assert signed_in(reviews[0].reviewer).get(f"{ADMIN}dashboard/").status_code == 403


def test_odd_addresses_are_not_found(editor):
    """Ids that are not numbers are no page, not an error."""
    client = signed_in(editor)
    assert client.get(f"{ADMIN}abc/assign/").status_code == 404
    assert client.get("/admin/submissions/review/%C2%B9/answer/").status_code == 404


def test_reviewer_profiles_are_listed_for_editors(editor):
    """Editors read reviewers' affiliations; a superuser edits them."""
    a_reviewer("una", "un")
    page = signed_in(editor).get("/admin/submissions/reviewerprofile/")
    assert page.status_code == 200 and "UN entity" in page.content.decode()
    root = User.objects.create_superuser("root", password=None)
    assert signed_in(root).get("/admin/submissions/reviewerprofile/add/").status_code == 200


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_desk_lists_cost_the_same_queries_whatever_their_length(editor, in_review):
    """The submissions list, the reviews list and the dashboard read panels in a fixed
    number of queries: two more submissions with their panels add none."""
    client = signed_in(editor)
    urls = [ADMIN, "/admin/submissions/review/", f"{ADMIN}dashboard/"]
    before = [queries(client, url) for url in urls]
    for n in range(2):
        submission = a_submission(title=f"Another practice {n}")
        reviewers = [a_reviewer(f"u{n}", "un"), a_reviewer(f"c{n}"), a_reviewer(f"g{n}")]
        review.review_assign(submission=submission, reviewers=reviewers, user=editor)
    assert [queries(client, url) for url in urls] == before
