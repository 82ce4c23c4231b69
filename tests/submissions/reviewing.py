"""Made-up submissions, reviewers and editors for the peer-review tests."""

import io
import uuid

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.utils import timezone

from practices.models import Country
from submissions import review
from submissions.models import Criterion, Recommendation, Submission
from tests.records import make


def a_submission(*, language="en", state=Submission.State.RECEIVED, title="A submitted practice"):
    """A draft practice (written through practices.editing) and its confirmed submission."""
    practice = make(
        slug=f"submitted-{uuid.uuid4().hex[:8]}",
        title=title,
        text="Chad - a practice sent through the public form.",
        relations={"countries": [Country.objects.get(alpha2="TD")]},
    )
    return Submission.objects.create(
        practice=practice,
        state=state,
        submitter_name="Ana Pérez",
        submitter_email="ana@example.org",
        language=language,
        confirmed_at=timezone.now(),
    )


def a_reviewer(username, affiliation="academia"):
    """A staff account in the Reviewers group with its profile (as create_reviewer makes)."""
    user, _ = review.reviewer_save(
        username=username, email=f"{username}@example.org", affiliation=affiliation
    )
    return User.objects.get(pk=user.pk)


def an_editor(username="edith"):
    call_command("setup_roles", stdout=io.StringIO())
    user = User.objects.create_user(username, email=f"{username}@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return User.objects.get(pk=user.pk)


def a_panel():
    """One UN and two non-UN reviewers: the default panel."""
    return [
        a_reviewer("una", "un"),
        a_reviewer("nora", "civil-society"),
        a_reviewer("gabriel", "government"),
    ]


def assessments(value=Recommendation.ACCEPT, comment=""):
    return {c.value: (value, comment) for c in Criterion}


def answer(item, value=Recommendation.ACCEPT, comments="", criterion_comment=""):
    """The review's reviewer declares no conflict, then recommends `value`."""
    review.review_declare(review=item, user=item.reviewer, conflict=False)
    return review.review_submit(
        review=item,
        user=item.reviewer,
        recommendation=value,
        comments=comments,
        assessments=assessments(value, criterion_comment),
    )
