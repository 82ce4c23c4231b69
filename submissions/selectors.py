"""Reads of submissions for the public pages: a submitter's own list."""

from django.db.models import Q

from practices.models import Status
from submissions import services
from submissions.models import Submission


def submissions_of(*, email: str = "", user=None) -> list[Submission]:
    """A submitter's submissions, newest first: those sent from `email` (compared without
    case) and, for a signed-in account, those it sent and those sent from its e-mail.
    Each carries `may_confirm` (services.may_confirm_listed, against the address proven)
    and `public_url` (the published practice's page, or "")."""
    owned = Q(pk__in=[])
    proven = email
    if email:
        owned |= Q(submitter_email__iexact=email)
    if user is not None and user.is_authenticated:
        owned |= Q(submitter=user)
        if user.email:
            owned |= Q(submitter_email__iexact=user.email)
            proven = user.email
    rows = list(
        Submission.objects.filter(owned)
        .select_related("practice", "call")
        .only(
            "pk",
            "state",
            "submitter_email",
            "created_at",
            "state_changed_at",
            "decision_reason",
            "practice__title",
            "practice__slug",
            "practice__status",
            "call__title",
            "call__slug",
        )
        .order_by("-created_at", "pk")
    )
    for row in rows:
        row.may_confirm = services.may_confirm_listed(row, proven_email=proven)
        published = row.state == Submission.State.PUBLISHED
        public = published and row.practice.status == Status.PUBLISHED
        row.public_url = row.practice.get_absolute_url() if public else ""
    return rows
