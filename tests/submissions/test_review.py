"""Peer review's rules, each in submissions.review: the panel, conflicts, scores, the
editor's decisions, reminders, and the history that says who did what."""

import io
import os
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from practices import editing
from practices.models import Practice, Status
from submissions import emails, links, review
from submissions.models import Assessment, Recommendation, Review, ReviewerProfile, Submission
from tests.submissions.reviewing import (
    a_panel,
    a_reviewer,
    a_submission,
    an_editor,
    answer,
    assessments,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(mailoutbox, monkeypatch):
    """The outbox, each step's e-mail in it as soon as the step is done (a test runs in
    one transaction that never commits; submissions.emails sends after the commit)."""
    monkeypatch.setattr(emails, "transaction", SimpleNamespace(on_commit=lambda send: send()))
    return mailoutbox


def assigned(submission=None, reviewers=None, editor=None):
    submission = submission or a_submission()
    reviews = review.review_assign(
        submission=submission, reviewers=reviewers or a_panel(), user=editor or an_editor()
    )
    submission.refresh_from_db()
    return submission, reviews


# The panel.


def test_assigning_the_default_panel_puts_the_submission_in_review_and_tells_each(sent):
    """One UN and two non-UN reviewers: in review, the draft in review, three e-mails."""
    submission, reviews = assigned()
    assert submission.state == Submission.State.IN_REVIEW
    assert Practice.objects.get(pk=submission.practice_id).status == Status.IN_REVIEW
    assert len(reviews) == 3
    assert sorted(m.to[0] for m in sent) == [
        "gabriel@example.org",
        "nora@example.org",
        "una@example.org",
    ]
    assert "Please review: A submitted practice" in sent[0].subject
    assert f"{django_settings.SITE_URL}/admin/submissions/review/waiting/" in sent[0].body


def test_a_panel_without_a_un_reviewer_is_refused_naming_what_is_missing():
    """Two non-UN reviewers only: refused, saying one more UN reviewer is needed."""
    submission = a_submission()
    reviewers = [a_reviewer("nora", "civil-society"), a_reviewer("gabriel", "government")]
    with pytest.raises(review.Refused, match="1 more UN reviewer"):
        review.review_assign(submission=submission, reviewers=reviewers, user=an_editor())
    submission.refresh_from_db()
    assert submission.state == Submission.State.RECEIVED
    assert not Review.objects.filter(submission=submission).exists()


def test_a_panel_short_of_non_un_reviewers_is_refused():
    """One UN and one academic: one more non-UN reviewer is needed."""
    reviewers = [a_reviewer("una", "un"), a_reviewer("ada", "academia")]
    with pytest.raises(review.Refused, match="1 more non-UN reviewer"):
        review.review_assign(submission=a_submission(), reviewers=reviewers, user=an_editor())


def test_the_panels_composition_comes_from_the_settings(settings):
    """With no UN reviewer asked for, two non-UN reviewers make a panel."""
    settings.SUBMISSIONS = {**settings.SUBMISSIONS, "PANEL_UN": 0, "PANEL_NON_UN": 2}
    reviewers = [a_reviewer("nora", "civil-society"), a_reviewer("gabriel", "government")]
    submission, reviews = assigned(reviewers=reviewers)
    assert len(reviews) == 2 and submission.state == Submission.State.IN_REVIEW


def test_only_an_editor_assigns_reviewers():
    """A reviewer (no submissions.add_review) is refused, with editing.NotAllowed."""
    reviewers = a_panel()
    with pytest.raises(editing.NotAllowed, match="Only an editor may assign reviewers"):
        review.review_assign(submission=a_submission(), reviewers=reviewers, user=reviewers[0])


def test_a_panelist_must_be_a_reviewer_with_a_profile():
    """An account outside the Reviewers group, or without a profile, is refused by name."""
    una, nora, _ = a_panel()
    outsider = User.objects.create_user("olga", email="olga@example.org")
    with pytest.raises(review.Refused, match="olga is not a reviewer"):
        review.review_assign(
            submission=a_submission(), reviewers=[una, nora, outsider], user=an_editor()
        )
    ReviewerProfile.objects.filter(user=nora).delete()
    with pytest.raises(review.Refused, match="nora is not a reviewer"):
        review.review_assign(
            submission=a_submission(), reviewers=[una, nora, _], user=an_editor("ed2")
        )


def test_a_conflicted_un_reviewer_leaves_the_panel_needing_another_un_one():
    """The UN reviewer declares a conflict: the panel lacks a UN reviewer; a non-UN one
    does not make up for it, another UN one does."""
    submission, reviews = assigned()
    un_review = next(r for r in reviews if r.reviewer.username == "una")
    review.review_declare(review=un_review, user=un_review.reviewer, conflict=True, note="My team")
    panel = review.panel_status(submission)
    assert panel.un_missing == 1 and "1 more UN reviewer" in panel.shortfall
    editor = User.objects.get(username="edith")
    with pytest.raises(review.Refused, match="1 more UN reviewer"):
        review.review_assign(
            submission=submission, reviewers=[a_reviewer("ada", "academia")], user=editor
        )
    review.review_assign(submission=submission, reviewers=[a_reviewer("ulla", "un")], user=editor)
    assert review.panel_status(submission).shortfall == ""


# Declaring and scoring.


def test_a_conflicted_reviewer_cannot_score():
    """After declaring a conflict, scoring is refused, and the database refuses it too."""
    _, reviews = assigned()
    item = reviews[0]
    review.review_declare(review=item, user=item.reviewer, conflict=True, note="I advised them")
    with pytest.raises(review.Refused, match="conflict of interest"):
        review.review_submit(
            review=item,
            user=item.reviewer,
            recommendation=Recommendation.ACCEPT,
            comments="",
            assessments=assessments(),
        )
    assert not Assessment.objects.filter(review=item).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=item.pk).update(recommendation=Recommendation.ACCEPT)


def test_a_reviewer_declares_before_scoring():
    """Scoring before declaring is refused with what to do first."""
    _, reviews = assigned()
    item = reviews[0]
    with pytest.raises(review.Refused, match="Declare first"):
        review.review_submit(
            review=item,
            user=item.reviewer,
            recommendation=Recommendation.ACCEPT,
            comments="",
            assessments=assessments(),
        )


def test_only_its_reviewer_answers_a_review():
    """Another reviewer, or the editor, may neither declare nor score someone's review."""
    _, reviews = assigned()
    other = reviews[1].reviewer
    with pytest.raises(editing.NotAllowed, match="Only the reviewer"):
        review.review_declare(review=reviews[0], user=other, conflict=False)
    with pytest.raises(editing.NotAllowed):
        review.review_submit(
            review=reviews[0],
            user=User.objects.get(username="edith"),
            recommendation=Recommendation.ACCEPT,
            comments="",
            assessments=assessments(),
        )


def test_every_criterion_is_assessed_and_a_revise_says_why():
    """A missing criterion is named; revise without comments is refused."""
    _, reviews = assigned()
    item = reviews[0]
    review.review_declare(review=item, user=item.reviewer, conflict=False)
    partial = assessments()
    del partial["innovative"]
    with pytest.raises(review.Refused, match="missing: Innovative"):
        review.review_submit(
            review=item,
            user=item.reviewer,
            recommendation=Recommendation.ACCEPT,
            comments="",
            assessments=partial,
        )
    with pytest.raises(review.Refused, match="comments:"):
        review.review_submit(
            review=item,
            user=item.reviewer,
            recommendation=Recommendation.REVISE,
            comments=" ",
            assessments=assessments(),
        )
    answer(item)
    item.refresh_from_db()
    assert item.recommendation == "accept" and item.assessments.count() == 6


def test_a_given_review_is_not_changed():
    """Scoring twice is refused, saying the editor may ask one more reviewer."""
    _, reviews = assigned()
    answer(reviews[0])
    with pytest.raises(review.Refused, match="can no longer be changed"):
        review.review_submit(
            review=reviews[0],
            user=reviews[0].reviewer,
            recommendation=Recommendation.REJECT,
            comments="Changed my mind",
            assessments=assessments(Recommendation.REJECT),
        )
    assert Review.objects.get(pk=reviews[0].pk).recommendation == "accept"


def test_disagreement_is_detected_and_one_more_reviewer_joins_the_panel(sent):
    """Two accept and one revise: disagreement, the desk says to ask one more, and a
    fourth reviewer joins the full panel (its composition already met)."""
    submission, reviews = assigned()
    answer(reviews[0])
    answer(reviews[1])
    answer(reviews[2], Recommendation.REVISE, comments="Add the results.")
    panel = review.panel_status(submission)
    assert panel.complete and panel.disagreement and not panel.all_accept
    assert "ask one more reviewer" in panel.next_step()
    waiting = review.desk_waiting()
    assert [s.pk for s in waiting["disagreement"]] == [submission.pk]
    fourth = a_reviewer("ada", "academia")
    review.review_assign(
        submission=submission, reviewers=[fourth], user=User.objects.get(username="edith")
    )
    panel = review.panel_status(submission)
    assert len(panel.reviews) == 4 and not panel.complete
    assert sent[-1].to == ["ada@example.org"]


# The editor's decisions.


def test_an_editor_cannot_publish_and_a_reviewer_can(sent):
    """The panel accepts; the editor is refused with editing's words, a reviewer publishes
    and the submitter is e-mailed the practice's public address."""
    submission, reviews = assigned()
    for item in reviews:
        answer(item)
    editor = User.objects.get(username="edith")
    with pytest.raises(editing.NotAllowed, match="Only a reviewer may"):
        review.submission_publish(submission=submission, user=editor)
    assert Practice.objects.get(pk=submission.practice_id).status == Status.IN_REVIEW
    publisher = a_reviewer("paula", "other")
    review.submission_publish(submission=submission, user=publisher)
    submission.refresh_from_db()
    practice = Practice.objects.get(pk=submission.practice_id)
    assert submission.state == Submission.State.PUBLISHED
    assert practice.status == Status.PUBLISHED and practice.published_by == publisher
    mail = sent[-1]
    assert mail.to == ["ana@example.org"]
    assert f"/practices/{practice.slug}/" in mail.body


def test_publishing_needs_a_complete_panel_that_accepts():
    """Waiting reviewers, or a revise among the answers, refuse publishing with why."""
    submission, reviews = assigned()
    publisher = a_reviewer("paula", "other")
    answer(reviews[0])
    with pytest.raises(review.Refused, match="Waiting for 2 reviewers"):
        review.submission_publish(submission=submission, user=publisher)
    answer(reviews[1])
    answer(reviews[2], Recommendation.REVISE, comments="More evidence.")
    with pytest.raises(review.Refused, match="disagree"):
        review.submission_publish(submission=submission, user=publisher)
    assert Practice.objects.get(pk=submission.practice_id).status == Status.IN_REVIEW


def test_sending_back_emails_a_revise_link_with_the_comments_in_spanish(sent):
    """A Spanish submitter gets the reviewers' comments, in Spanish, with a working link."""
    submission, reviews = assigned(a_submission(language="es"))
    answer(reviews[0])
    answer(reviews[1])
    answer(
        reviews[2],
        Recommendation.REVISE,
        comments="Añada los resultados.",
        criterion_comment="Falta la fecha de inicio.",
    )
    token = review.submission_send_back(
        submission=submission, user=User.objects.get(username="edith"), message=""
    )
    submission.refresh_from_db()
    assert submission.state == Submission.State.REVISION
    assert links.read(token, links.Purpose.REVISE).pk == submission.pk
    mail = sent[-1]
    assert mail.to == ["ana@example.org"]
    assert "Añada los resultados." in mail.body
    assert "Falta la fecha de inicio." in mail.body
    assert "Revisar" in mail.body  # the criteria's label: "Revisar" for revise
    assert "/es/" in mail.body and token in mail.body
    assert mail.subject == "Por favor, revise su práctica: A submitted practice"
    assert mail.body.startswith("Estimado/a Ana Pérez:")
    assert Practice.objects.get(pk=submission.practice_id).status == Status.DRAFT


def test_sending_back_without_comments_needs_a_message():
    """Nothing for the submitter to read: refused, naming the message field."""
    submission = a_submission()
    with pytest.raises(review.Refused, match="message:"):
        review.submission_send_back(submission=submission, user=an_editor(), message="")


def test_a_revised_submission_goes_back_to_the_same_panel_without_the_conflicted(sent):
    """round_restart: round 2, the same reviewers but the conflicted one, told again."""
    submission, reviews = assigned()
    review.review_declare(review=reviews[0], user=reviews[0].reviewer, conflict=True)
    for item in reviews[1:]:
        answer(item, Recommendation.REVISE, comments="Add the results.")
    review.submission_send_back(
        submission=submission, user=User.objects.get(username="edith"), message="Please"
    )
    submission.refresh_from_db()
    again = review.round_restart(submission=submission)
    submission.refresh_from_db()
    assert submission.round == 2 and submission.state == Submission.State.IN_REVIEW
    assert {r.reviewer.username for r in again} == {"nora", "gabriel"}
    assert review.panel_status(submission).un_missing == 1


def test_rejecting_needs_a_reason_and_tells_the_submitter(sent):
    """A blank reason is refused naming the field; with one, rejected and e-mailed."""
    submission, _ = assigned()
    editor = User.objects.get(username="edith")
    with pytest.raises(review.Refused, match="reason:"):
        review.submission_reject(submission=submission, user=editor, reason="  ")
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.IN_REVIEW
    review.submission_reject(submission=submission, user=editor, reason="Not a practice.")
    submission.refresh_from_db()
    assert submission.state == Submission.State.REJECTED
    assert submission.decision_reason == "Not a practice."
    assert sent[-1].to == ["ana@example.org"] and "Not a practice." in sent[-1].body
    assert Practice.objects.get(pk=submission.practice_id).status == Status.DRAFT


def test_a_reviewer_may_neither_send_back_nor_reject():
    """Deciding is the editors' (submissions.change_submission)."""
    submission, reviews = assigned()
    with pytest.raises(editing.NotAllowed):
        review.submission_reject(submission=submission, user=reviews[0].reviewer, reason="No")
    with pytest.raises(editing.NotAllowed):
        review.submission_send_back(submission=submission, user=reviews[0].reviewer, message="x")


# History.


def test_the_history_names_who_did_each_step():
    """Submission, review and practice history rows name the editor, reviewer, publisher."""
    submission, reviews = assigned()
    for item in reviews:
        answer(item)
    publisher = a_reviewer("paula", "other")
    review.submission_publish(submission=submission, user=publisher)
    rows = list(
        submission.history.order_by("history_id").values_list(
            "history_user__username", "history_change_reason"
        )
    )
    assert rows[0][0] is None  # created by the public form
    assert ("edith", "Reviewers assigned (round 1): una, nora, gabriel") in rows
    assert any(user == "nora" and "Recommended: Accept" in reason for user, reason in rows)
    assert rows[-1] == ("paula", "Published after review (round 1)")
    practice_rows = Practice.objects.get(pk=submission.practice_id).history.order_by("history_id")
    assert [(h.history_user and h.history_user.username, h.status) for h in practice_rows][-2:] == [
        ("edith", Status.IN_REVIEW),
        ("paula", Status.PUBLISHED),
    ]
    declared = reviews[0].history.filter(history_change_reason="Declared no conflict of interest")
    assert declared.get().history_user.username == "una"


# Reminders.


def test_reviewers_are_reminded_after_the_set_number_of_days(sent, settings):
    """Waiting over REMINDER_DAYS: reminded once and stamped; not again until N more days;
    answered and conflicted reviews are not reminded."""
    settings.SUBMISSIONS = {**settings.SUBMISSIONS, "REMINDER_DAYS": 5}
    _, reviews = assigned()
    sent.clear()
    Review.objects.filter(pk__in=[r.pk for r in reviews]).update(
        assigned_at=timezone.now() - timedelta(days=6)
    )
    answer(Review.objects.get(pk=reviews[1].pk))
    review.review_declare(review=reviews[2], user=reviews[2].reviewer, conflict=True)
    out = io.StringIO()
    call_command("remind_reviewers", stdout=out)
    assert "Reminded 1 reviewer" in out.getvalue()
    assert [m.to for m in sent] == [["una@example.org"]]
    assert "6 days" in sent[0].body
    assert Review.objects.get(pk=reviews[0].pk).reminded_at is not None
    call_command("remind_reviewers", stdout=out)
    assert len(sent) == 1
    later = timezone.now() + timedelta(days=6)
    assert review.reviews_remind(now=later) == 1


def test_reviewers_are_written_to_in_the_language_of_their_profile(sent, settings):
    """Assigned, reminded and asked again after a revision: in French for a reviewer
    whose profile says French, in Spanish for one who says Spanish."""
    settings.SUBMISSIONS = {**settings.SUBMISSIONS, "REMINDER_DAYS": 5}
    panel = a_panel()
    for reviewer, language in zip(panel, ["fr", "es", "en"], strict=True):
        reviewer.reviewer_profile.language = language
        reviewer.reviewer_profile.save()
    submission = a_submission(title="Un guichet unique")
    assigned(submission, panel)
    subjects = {m.to[0]: m.subject for m in sent}
    assert subjects == {
        "una@example.org": "À évaluer : Un guichet unique",
        "nora@example.org": "Por favor, revise: Un guichet unique",
        "gabriel@example.org": "Please review: Un guichet unique",
    }
    sent.clear()
    review.reviews_remind(now=timezone.now() + timedelta(days=6))
    assert {m.to[0]: m.subject for m in sent}["una@example.org"] == (
        "Rappel : votre évaluation de Un guichet unique"
    )


def test_a_fresh_review_is_not_reminded(sent):
    """Assigned today: nothing to remind."""
    assigned()
    out = io.StringIO()
    call_command("remind_reviewers", stdout=out)
    assert "Reminded 0 reviewer" in out.getvalue()


# The reviewer accounts.


def test_create_reviewer_makes_and_updates_a_reviewer_account(monkeypatch):
    """The command makes a staff reviewer with a profile; run again, it updates it."""
    monkeypatch.setenv("REVIEWER_PASSWORD", "Long-enough-passphrase-42")
    out = io.StringIO()
    call_command(
        "create_reviewer",
        "ulla",
        "--email",
        "ulla@iom.int",
        "--affiliation",
        "un",
        "--organisation",
        "IOM",
        "--language",
        "fr",
        "--password-from-env",
        "REVIEWER_PASSWORD",
        stdout=out,
    )
    user = User.objects.get(username="ulla")
    assert "Created reviewer ulla (UN entity, e-mails in Français)" in out.getvalue()
    assert user.reviewer_profile.language == "fr"
    assert user.is_staff and user.check_password("Long-enough-passphrase-42")
    assert user.has_perm("practices.publish_practice") and user.has_perm(
        "submissions.change_review"
    )
    assert user.reviewer_profile.organisation == "IOM"
    out = io.StringIO()
    call_command(
        "create_reviewer", "ulla", "--email", "ulla@un.org", "--affiliation", "academia", stdout=out
    )
    user = User.objects.get(username="ulla")
    assert "Updated reviewer ulla (Academia, e-mails in Français)" in out.getvalue()
    assert user.email == "ulla@un.org" and user.check_password("Long-enough-passphrase-42")


def test_create_reviewer_without_a_password_says_how_to_set_one():
    """A new account gets an unusable password and the hint to set one."""
    out = io.StringIO()
    call_command(
        "create_reviewer",
        "nina",
        "--email",
        "nina@example.org",
        "--affiliation",
        "other",
        stdout=out,
    )
    assert not User.objects.get(username="nina").has_usable_password()
    assert "changepassword nina" in out.getvalue()


def test_create_reviewer_refuses_a_bad_email_or_an_unset_password_variable():
    """Clear messages, no account written."""
    with pytest.raises(CommandError, match="not an e-mail address"):
        call_command("create_reviewer", "nina", "--email", "nope", "--affiliation", "un")
    os.environ.pop("NO_SUCH_VARIABLE_42", None)
    with pytest.raises(CommandError, match="NO_SUCH_VARIABLE_42"):
        call_command(
            "create_reviewer",
            "nina",
            "--email",
            "nina@example.org",
            "--affiliation",
            "un",
            "--password-from-env",
            "NO_SUCH_VARIABLE_42",
        )
    assert not User.objects.filter(username="nina").exists()
