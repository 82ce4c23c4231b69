"""Signed links at the doors: confirmation and revision, reused, expired or broken."""

from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from practices.models import Practice, Status
from submissions import links
from submissions.models import Assessment, Review, Submission
from tests.submissions.test_submission_form import send, valid_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_waiting(settings):
    settings.SUBMISSIONS = {**settings.SUBMISSIONS, "MIN_SECONDS_TO_SUBMIT": 0}


@pytest.fixture
def submission(client) -> Submission:
    assert send(client, valid_data()).status_code == 302
    return Submission.objects.get()


def test_used_confirmation_link_is_refused(client, submission):
    """A confirmation link works once; the second time it answers 410 saying so."""
    token = links.issue(submission, links.Purpose.CONFIRM)
    assert client.post(f"/confirm/{token}/").status_code == 200
    for method in (client.get, client.post):
        response = method(f"/confirm/{token}/")
        assert response.status_code == 410
        assert "already been used" in response.content.decode()


def test_older_link_stops_working_when_a_new_one_is_issued(client, submission):
    """Issuing a link voids the one before it."""
    old = links.issue(submission, links.Purpose.CONFIRM)
    links.issue(submission, links.Purpose.CONFIRM)
    assert client.post(f"/confirm/{old}/").status_code == 410


def test_expired_confirmation_link_is_refused(client, submission, settings):
    """A link older than LINK_MAX_AGE_DAYS answers 410 and confirms nothing."""
    signed_at = timezone.now().timestamp() - (
        settings.SUBMISSIONS["LINK_MAX_AGE_DAYS"] * 86400 + 60
    )
    with mock.patch("django.core.signing.time.time", return_value=signed_at):
        token = links.issue(submission, links.Purpose.CONFIRM)
    response = client.post(f"/confirm/{token}/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == Submission.State.UNCONFIRMED


def test_broken_link_is_refused_with_400(client, submission):
    """A link cut short or made up answers 400 saying it is not valid."""
    token = links.issue(submission, links.Purpose.CONFIRM)
    for bad in (token[:-3], "made-up", links.issue(submission, links.Purpose.REVISE)):
        response = client.post(f"/confirm/{bad}/")
        assert response.status_code == 400, bad
        assert "not valid" in response.content.decode()


def sent_back(submission: Submission) -> str:
    """The submission sent back for revision with a reviewer's comments; the link."""
    reviewer = User.objects.create_user("reviewer-one", "r1@example.org", "x")
    review = Review.objects.create(
        submission=submission,
        reviewer=reviewer,
        conflict=False,
        recommendation="revise",
        comments="Say how many workers were reached.",
        submitted_at=timezone.now(),
    )
    Assessment.objects.create(
        review=review, criterion="period", recommendation="revise", comment="Give the end year."
    )
    Submission.objects.filter(pk=submission.pk).update(
        state=Submission.State.REVISION, decision_reason="Please add the figures."
    )
    submission.refresh_from_db()
    return links.issue(submission, links.Purpose.REVISE)


def test_revision_form_is_prefilled_with_the_reviewers_comments(client, submission):
    """The revision link opens the same form, filled, the comments above it."""
    token = sent_back(submission)
    response = client.get(f"/revise/{token}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Say how many workers were reached." in page and "Give the end year." in page
    assert "Please add the figures." in page
    assert "Implemented after December 2018: Revise" in page
    assert 'value="Regularisation of migrant domestic workers"' in page
    assert 'name="submitter_email"' not in page
    assert "no-store" in response["Cache-Control"]


def test_revision_updates_the_practice_and_restarts_the_review(
    client, submission, django_capture_on_commit_callbacks
):
    """Sending the revision updates the draft, spends the link and starts round two."""
    token = sent_back(submission)
    data = valid_data(title="Regularisation, revised", results="12,000 workers registered.")
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, data, url=f"/revise/{token}/")
    assert response.status_code == 200
    practice = Practice.objects.get(pk=submission.practice_id)
    assert practice.title == "Regularisation, revised"
    assert practice.status in (Status.DRAFT, Status.IN_REVIEW)  # never public
    assert practice.results == "12,000 workers registered."
    assert practice.history.filter(history_change_reason="Revised by the submitter").exists()
    submission.refresh_from_db()
    assert (submission.state, submission.round) == (Submission.State.IN_REVIEW, 2)
    assert Review.objects.filter(submission=submission, round=2).count() == 1
    assert mail.outbox[-1].to == ["r1@example.org"]
    assert send(client, data, url=f"/revise/{token}/").status_code == 410


def test_revision_link_refused_outside_revision(client, submission):
    """A revision link for a submission not (or no longer) sent back is refused."""
    token = links.issue(submission, links.Purpose.REVISE)
    assert client.get(f"/revise/{token}/").status_code == 410
