"""Peer review of submissions: who reviews, what they say, and what the desk decides.
Every step's rule lives here; the admin's views only call these."""

from django.db import transaction
from django.utils import timezone

from submissions import emails
from submissions.models import Review, Submission


def round_restart(*, submission: Submission) -> list[Review]:
    """A revised submission goes back to the same panel, one round on: each reviewer of
    the last round who did not declare a conflict reviews it again, and is told so."""
    with transaction.atomic():
        previous = list(
            submission.reviews.filter(round=submission.round)
            .exclude(conflict=True)
            .select_related("reviewer")
        )
        submission.round += 1
        submission.state = Submission.State.IN_REVIEW
        submission.state_changed_at = timezone.now()
        submission.save(update_fields=["round", "state", "state_changed_at"])
        reviews = [
            Review.objects.create(
                submission=submission,
                reviewer=review.reviewer,
                round=submission.round,
                assigned_by=review.assigned_by,
            )
            for review in previous
        ]
        for review in reviews:
            emails.notify(
                "review_assigned",
                to=review.reviewer.email,
                context={"review": review, "submission": submission},
            )
    return reviews
