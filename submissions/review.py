"""Peer review of submissions: who reviews, what they say, and what the desk decides.
Every step's rule lives here; the admin's views and the commands only call these.

Who may do what: an editor (`submissions.add_review`) assigns reviewers; each reviewer
declares a conflict of interest (and may change it until scoring; a new round's starts
from the last one's, to confirm), then (without one) scores their own review; an editor
(`submissions.change_submission`) sends a submission back or rejects it; publishing is
practices.editing's rule (only an account with `practices.publish_practice`, a reviewer).
Each step names its user in the history of the submission, the review and the practice.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from practices import editing
from practices.models import Practice, Status
from submissions import emails, links
from submissions.models import (
    Assessment,
    Criterion,
    Recommendation,
    Review,
    ReviewerProfile,
    Submission,
)

REVIEWERS_GROUP = "Reviewers"
ASSIGN_PERMISSION = "submissions.add_review"
DECIDE_PERMISSION = "submissions.change_submission"


class Refused(Exception):
    """A review step the rules do not allow now; its message says why, for the desk."""


def _may(user, permission: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(permission))


def _require(user, permission: str, text: str) -> None:
    if not _may(user, permission):
        raise editing.NotAllowed(text)


def _record(instance, user, reason: str) -> None:
    """Name who did it and why in the history row the next save writes."""
    instance._history_user = editing.history_user(user)
    instance._change_reason = reason


def _note(submission: Submission, user, reason: str) -> None:
    """A history row for a step that changes none of the submission's own fields."""
    _record(submission, user, reason)
    submission.save(update_fields=["state"])


def _move_practice(submission: Submission, *, user, status: str, reason: str) -> Practice:
    """Move the submission's practice through practices.editing (its rules, its history)."""
    practice = Practice.objects.get(pk=submission.practice_id)
    return editing.record_update(
        record=practice,
        user=user,
        version=practice.version,
        values={"status": status},
        reason=reason,
    )


def _set_state(submission: Submission, state: str, *, user, reason: str, fields=()) -> None:
    submission.state = state
    submission.state_changed_at = timezone.now()
    _record(submission, user, reason)
    submission.save(update_fields=["state", "state_changed_at", *fields])


def _locked(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().select_related("practice").get(pk=submission.pk)


# Reviewers.


def reviewer_accounts():
    """Accounts that may sit on a panel: active, in the Reviewers group, with a profile."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True, groups__name=REVIEWERS_GROUP, reviewer_profile__isnull=False
        )
        .select_related("reviewer_profile")
        .order_by("reviewer_profile__affiliation", "username")
        .distinct()
    )


def reviewer_save(
    *,
    username: str,
    email: str,
    affiliation: str,
    organisation: str = "",
    language: str | None = None,
    password: str | None = None,
):
    """Create or update a reviewer account: staff, in the Reviewers group, with its
    profile. A new account without a password gets an unusable one (to be reset)."""
    from practices.roles import roles_setup

    if affiliation not in ReviewerProfile.Affiliation.values:
        raise ValidationError(
            _("affiliation: choose one of %(choices)s.")
            % {"choices": ", ".join(ReviewerProfile.Affiliation.values)},
            code="affiliation",
        )
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("email: “%(email)s” is not an e-mail address.") % {"email": email}, code="email"
        ) from None
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        created = user is None
        user = user or User(username=username)
        user.email = email
        user.is_staff = True
        if password:
            validate_password(password, user)
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        roles_setup()
        user.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
        profile = ReviewerProfile.objects.filter(user=user).first() or ReviewerProfile(user=user)
        profile.affiliation = affiliation
        profile.organisation = organisation
        if language is not None:
            profile.language = language
        profile.full_clean()
        profile.save()
    return user, created


# The panel.


@dataclass
class Panel:
    """A submission's panel in its current round, as the desk reads it."""

    reviews: list = field(default_factory=list)
    un_missing: int = 0
    non_un_missing: int = 0

    @property
    def seated(self) -> list:
        """The reviewers who count: those who did not declare a conflict."""
        return [r for r in self.reviews if r.conflict is not True]

    @property
    def conflicted(self) -> list:
        return [r for r in self.reviews if r.conflict is True]

    @property
    def answered(self) -> list:
        return [r for r in self.seated if r.submitted_at]

    @property
    def waiting(self) -> list:
        return [r for r in self.seated if not r.submitted_at]

    @property
    def recommendations(self) -> Counter:
        return Counter(r.recommendation for r in self.answered)

    @property
    def shortfall(self) -> str:
        """What the panel's composition lacks, in words ("" when it lacks nothing)."""
        return shortfall_text(self.un_missing, self.non_un_missing)

    @property
    def complete(self) -> bool:
        """Composed as the settings ask, and every reviewer who counts has answered."""
        return bool(self.seated) and not self.waiting and not self.shortfall

    @property
    def disagreement(self) -> bool:
        """The answers so far differ (two accept, one revise): ask one more reviewer."""
        return len(self.recommendations) > 1

    @property
    def all_accept(self) -> bool:
        return self.complete and set(self.recommendations) == {Recommendation.ACCEPT}

    def next_step(self) -> str:
        """What the desk should do next, in words."""
        if not self.reviews:
            return _("Assign reviewers.")
        if self.disagreement:
            return _("The reviewers disagree: ask one more reviewer, or send it back.")
        if self.shortfall:
            return self.shortfall
        if self.waiting:
            return ngettext(
                "Waiting for %(count)d reviewer.",
                "Waiting for %(count)d reviewers.",
                len(self.waiting),
            ) % {"count": len(self.waiting)}
        if self.all_accept:
            return _("The panel recommends accepting it: a reviewer may publish it.")
        return _("The panel has answered: send it back for revision, or reject it.")


def shortfall_text(un_missing: int, non_un_missing: int) -> str:
    parts = []
    if un_missing:
        parts.append(
            ngettext("%(count)d more UN reviewer", "%(count)d more UN reviewers", un_missing)
            % {"count": un_missing}
        )
    if non_un_missing:
        parts.append(
            ngettext(
                "%(count)d more non-UN reviewer", "%(count)d more non-UN reviewers", non_un_missing
            )
            % {"count": non_un_missing}
        )
    if not parts:
        return ""
    return _("The panel needs %(missing)s (at least %(un)d UN and %(non_un)d non-UN).") % {
        "missing": _(" and ").join(parts),
        "un": settings.SUBMISSIONS["PANEL_UN"],
        "non_un": settings.SUBMISSIONS["PANEL_NON_UN"],
    }


def _composition(reviews) -> tuple[int, int]:
    """How many UN and non-UN reviewers the panel lacks, conflicted ones not counting."""
    seated = [r for r in reviews if r.conflict is not True]
    un = sum(1 for r in seated if _is_un(r.reviewer))
    return (
        max(0, settings.SUBMISSIONS["PANEL_UN"] - un),
        max(0, settings.SUBMISSIONS["PANEL_NON_UN"] - (len(seated) - un)),
    )


def _is_un(user) -> bool:
    profile = getattr(user, "reviewer_profile", None)
    return bool(profile and profile.is_un)


def current_reviews(submission: Submission):
    return (
        submission.reviews.filter(round=submission.round)
        .select_related("reviewer__reviewer_profile")
        .prefetch_related("assessments")
        .order_by("assigned_at", "pk")
    )


def panel_status(submission: Submission, reviews=None) -> Panel:
    """The current round's panel: who answered what, what is missing, whether they agree."""
    if reviews is None:
        reviews = list(current_reviews(submission))
    else:
        reviews = [r for r in reviews if r.round == submission.round]
    un_missing, non_un_missing = _composition(reviews)
    return Panel(reviews=reviews, un_missing=un_missing, non_un_missing=non_un_missing)


# The steps.


def review_assign(*, submission: Submission, reviewers, user) -> list[Review]:
    """Put reviewers on the current round's panel and tell each by e-mail. The panel that
    results must reach the composition the settings ask (conflicted reviewers do not
    count), so a first panel is refused short, and one more reviewer joins a full one."""
    _require(user, ASSIGN_PERMISSION, _("Only an editor may assign reviewers."))
    reviewers = list(dict.fromkeys(reviewers))
    if not reviewers:
        raise Refused(_("reviewers: choose at least one reviewer."))
    with transaction.atomic():
        submission = _locked(submission)
        if submission.state not in (Submission.State.RECEIVED, Submission.State.IN_REVIEW):
            raise Refused(
                _("A submission that is “%(state)s” cannot be given reviewers.")
                % {"state": submission.get_state_display()}
            )
        eligible = set(reviewer_accounts().values_list("pk", flat=True))
        existing = list(current_reviews(submission))
        on_panel = {r.reviewer_id for r in existing}
        for reviewer in reviewers:
            name = reviewer.get_username()
            if reviewer.pk not in eligible:
                raise Refused(
                    _(
                        "reviewers: %(name)s is not a reviewer (in the Reviewers group, with a "
                        "reviewer profile)."
                    )
                    % {"name": name}
                )
            if reviewer.pk in on_panel:
                raise Refused(_("reviewers: %(name)s is already on this panel.") % {"name": name})
            if submission.submitter_id and reviewer.pk == submission.submitter_id:
                raise Refused(_("reviewers: %(name)s sent this submission.") % {"name": name})
        accounts = get_user_model().objects.select_related("reviewer_profile")
        new = [
            Review(
                submission=submission,
                reviewer=accounts.get(pk=reviewer.pk),
                round=submission.round,
                assigned_by=editing.history_user(user),
            )
            for reviewer in reviewers
        ]
        missing = shortfall_text(*_composition(existing + new))
        if missing:
            raise Refused(missing)
        names = ", ".join(r.reviewer.get_username() for r in new)
        for review in new:
            _record(review, user, _("Assigned"))
            review.full_clean()
            review.save()
        reason = _("Reviewers assigned (round %(round)d): %(names)s") % {
            "round": submission.round,
            "names": names,
        }
        if submission.state == Submission.State.RECEIVED:
            _set_state(submission, Submission.State.IN_REVIEW, user=user, reason=reason)
            if submission.practice.status == Status.DRAFT:
                _move_practice(submission, user=user, status=Status.IN_REVIEW, reason=reason)
        else:
            _note(submission, user, reason)
        for review in new:
            tell_reviewer("review_assigned", review, submission=submission)
    return new


def review_open(review: Review) -> bool:
    """Whether the review's round is still open: its submission is in review, in this round."""
    submission = review.submission
    return submission.state == Submission.State.IN_REVIEW and review.round == submission.round


def declaration_changeable(review: Review) -> bool:
    """Whether the reviewer may still make or change their declaration: the round is open
    and they have not given their recommendation (review_declare's rule, for the pages)."""
    return review_open(review) and not review.submitted_at


def _own_open_review(review: Review, user, *, given: str | None = None) -> Review:
    """The review, locked, if it is `user`'s, its round still open and no recommendation
    given yet; else refused (`given`, with %(when)s, says why once it was given)."""
    review = (
        Review.objects.select_for_update()
        .select_related("submission", "reviewer")
        .get(pk=review.pk)
    )
    if not (user and user.is_authenticated and user.is_active and review.reviewer_id == user.pk):
        raise editing.NotAllowed(_("Only the reviewer it was assigned to may answer this review."))
    if not review_open(review):
        raise Refused(
            _("This review is closed: the submission is no longer in this round of review.")
        )
    if review.submitted_at:
        given = given or _(
            "This review was given on %(when)s and can no longer be changed; the editor "
            "may ask one more reviewer."
        )
        raise Refused(
            given % {"when": timezone.localtime(review.submitted_at).strftime("%Y-%m-%d %H:%M")}
        )
    return review


def _declaration_reason(before: bool | None, conflict: bool) -> str:
    """The history's words for a declaration, first made or changed."""
    if before is None:
        if conflict:
            return _("Declared a conflict of interest")
        return _("Declared no conflict of interest")
    if before == conflict:
        return _("Changed the conflict-of-interest details")
    if conflict:
        return _("Changed the declaration: a conflict of interest")
    return _("Withdrew the conflict of interest declared")


def review_declare(*, review: Review, user, conflict: bool, note: str = "") -> Review:
    """The reviewer declares whether they have a conflict of interest, and may change the
    declaration until they give their recommendation (then it is fixed). Withdrawing a
    conflict says why; each change is in the review's and the submission's history, and
    a newly conflicted reviewer stops counting on the panel (panel_status)."""
    conflict = bool(conflict)
    note = (note or "").strip()
    with transaction.atomic():
        review = _own_open_review(
            review,
            user,
            given=_(
                "You gave your recommendation on %(when)s: your declaration of conflicts of "
                "interest is now fixed. If a conflict has come up since, tell the editors."
            ),
        )
        before = review.conflict
        if before is not None and before == conflict and review.conflict_note == note:
            return review  # the same declaration again: nothing to record
        if before is True and not conflict and not note:
            raise Refused(
                _(
                    "note: say why you withdraw the conflict of interest you declared "
                    "(the editors read it)."
                )
            )
        review.conflict = conflict
        review.conflict_note = note
        reason = _declaration_reason(before, conflict)
        _record(review, user, reason)
        review.full_clean()
        review.save()
        _note(review.submission, user, f"{reason}: {user.get_username()}")
    return review


def declared_before(review: Review) -> Review | None:
    """The reviewer's declaration on this submission in the latest earlier round (to
    pre-fill a new round's, which they still confirm), or None."""
    return (
        Review.objects.filter(
            submission_id=review.submission_id,
            reviewer_id=review.reviewer_id,
            round__lt=review.round,
            conflict__isnull=False,
        )
        .order_by("-round")
        .first()
    )


def review_submit(
    *,
    review: Review,
    user,
    recommendation: str,
    comments: str,
    assessments: dict,
) -> Review:
    """The reviewer's recommendation, comments and one assessment per criterion; given
    once, after declaring no conflict, and not changed after."""
    with transaction.atomic():
        review = _own_open_review(review, user)
        if review.conflict is None:
            raise Refused(_("Declare first whether you have a conflict of interest."))
        if review.conflict:
            raise Refused(
                _("You declared a conflict of interest: you cannot score this submission.")
            )
        if recommendation not in Recommendation.values:
            raise Refused(_("recommendation: choose accept, revise or reject."))
        comments = (comments or "").strip()
        if recommendation != Recommendation.ACCEPT and not comments:
            raise Refused(_("comments: say what the submitter should change, or why not."))
        missing = [c.label for c in Criterion if c.value not in assessments]
        if missing:
            raise Refused(
                _("Assess every criterion; missing: %(missing)s.")
                % {"missing": "; ".join(map(str, missing))}
            )
        unknown = set(assessments) - set(Criterion.values)
        if unknown:
            raise Refused(_("Unknown criteria: %(names)s.") % {"names": ", ".join(sorted(unknown))})
        rows = []
        for criterion in Criterion:
            value, comment = assessments[criterion.value]
            if value not in Recommendation.values:
                raise Refused(
                    _("%(criterion)s: choose accept, revise or reject.")
                    % {"criterion": criterion.label}
                )
            rows.append(
                Assessment(
                    review=review,
                    criterion=criterion.value,
                    recommendation=value,
                    comment=(comment or "").strip(),
                )
            )
        Assessment.objects.bulk_create(rows)
        review.recommendation = recommendation
        review.comments = comments
        review.submitted_at = timezone.now()
        reason = _("Recommended: %(recommendation)s") % {
            "recommendation": Recommendation(recommendation).label
        }
        _record(review, user, reason)
        review.full_clean()
        review.save()
        _note(review.submission, user, f"{reason} ({user.get_username()})")
    return review


def reviewers_comments(submission: Submission) -> list[dict]:
    """What the current round's reviewers said, without their names, for the submitter
    (the labels lazy, so that the e-mail gives them in the submitter's language)."""
    said = []
    for review in panel_status(submission).answered:
        criteria = [
            {
                "criterion": Criterion(a.criterion).label,
                "recommendation": Recommendation(a.recommendation).label,
                "comment": a.comment,
            }
            for a in review.assessments.all()
            if a.comment
        ]
        if review.comments or criteria:
            said.append(
                {
                    "recommendation": Recommendation(review.recommendation).label,
                    "comments": review.comments,
                    "criteria": criteria,
                }
            )
    return said


def submission_send_back(*, submission: Submission, user, message: str = "") -> str:
    """Send a submission back to its submitter for revision, with the reviewers' comments
    and a signed link to revise it; returns the link's token."""
    _require(user, DECIDE_PERMISSION, _("Only an editor may send a submission back."))
    message = (message or "").strip()
    with transaction.atomic():
        submission = _locked(submission)
        if submission.state not in (Submission.State.RECEIVED, Submission.State.IN_REVIEW):
            raise Refused(
                _("A submission that is “%(state)s” cannot be sent back.")
                % {"state": submission.get_state_display()}
            )
        comments = reviewers_comments(submission)
        if not (message or comments):
            raise Refused(
                _("message: say what the submitter should revise (no reviewer has commented).")
            )
        _record(submission, user, _("Sent back for revision"))
        token = links.issue(submission, links.Purpose.REVISE)
        submission.decision_reason = message
        reason = _("Sent back for revision")
        _set_state(
            submission,
            Submission.State.REVISION,
            user=user,
            reason=reason,
            fields=["decision_reason"],
        )
        if submission.practice.status != Status.DRAFT:
            _move_practice(submission, user=user, status=Status.DRAFT, reason=reason)
        emails.notify(
            "revision_requested",
            to=submission.submitter_email,
            language=submission.language,
            context={
                "submission": submission,
                "message": message,
                "comments": comments,
                "url": links.url(token, links.Purpose.REVISE, submission.language),
                "days": settings.SUBMISSIONS["LINK_MAX_AGE_DAYS"],
            },
        )
    return token


def submission_reject(*, submission: Submission, user, reason: str) -> Submission:
    """Reject a submission, with the reason the submitter is given; its practice stays a
    draft, never public."""
    _require(user, DECIDE_PERMISSION, _("Only an editor may reject a submission."))
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("reason: say why the submission is rejected; the submitter is told."))
    with transaction.atomic():
        submission = _locked(submission)
        if submission.state in (
            Submission.State.PUBLISHED,
            Submission.State.REJECTED,
            Submission.State.UNCONFIRMED,
        ):
            raise Refused(
                _("A submission that is “%(state)s” cannot be rejected.")
                % {"state": submission.get_state_display()}
            )
        submission.decision_reason = reason
        submission.link_nonce = ""  # a revise link sent earlier works no more
        why = _("Rejected: %(reason)s") % {"reason": reason}
        _set_state(
            submission,
            Submission.State.REJECTED,
            user=user,
            reason=why,
            fields=["decision_reason", "link_nonce"],
        )
        _move_practice(submission, user=user, status=Status.DRAFT, reason=why)
        emails.notify(
            "rejected",
            to=submission.submitter_email,
            language=submission.language,
            context={"submission": submission, "reason": reason},
        )
    return submission


def submission_publish(*, submission: Submission, user) -> Submission:
    """Publish a submission's practice through practices.editing (so only a reviewer-role
    account can), once its panel is complete and every reviewer recommends accepting."""
    editing.check(user, Practice, editing.Operation.MOVE, Status.PUBLISHED)
    with transaction.atomic():
        submission = _locked(submission)
        if submission.state != Submission.State.IN_REVIEW:
            raise Refused(
                _("A submission that is “%(state)s” cannot be published.")
                % {"state": submission.get_state_display()}
            )
        panel = panel_status(submission)
        if user.pk and any(r.reviewer_id == user.pk for r in panel.conflicted):
            raise editing.NotAllowed(_("You declared a conflict of interest on this submission."))
        if not panel.all_accept:
            raise Refused(_("Not publishable yet: %(why)s") % {"why": panel.next_step()})
        reason = _("Published after review (round %(round)d)") % {"round": submission.round}
        practice = _move_practice(submission, user=user, status=Status.PUBLISHED, reason=reason)
        _set_state(submission, Submission.State.PUBLISHED, user=user, reason=reason)
        with translation.override(submission.language):
            url = settings.SITE_URL + practice.get_absolute_url()
        emails.notify(
            "published",
            to=submission.submitter_email,
            language=submission.language,
            context={"submission": submission, "practice": practice, "url": url},
        )
    return submission


def round_restart(*, submission: Submission) -> list[Review]:
    """A revised submission goes back to the same panel, one round on: each reviewer of
    the last round who did not declare a conflict reviews it again, and is told so."""
    with transaction.atomic():
        previous = list(
            submission.reviews.filter(round=submission.round)
            .exclude(conflict=True)
            .select_related("reviewer__reviewer_profile")
        )
        submission.round += 1
        submission.state = Submission.State.IN_REVIEW
        submission.state_changed_at = timezone.now()
        reason = _("Revised by the submitter: review round %(round)d") % {"round": submission.round}
        submission._change_reason = reason
        submission.save(update_fields=["round", "state", "state_changed_at"])
        practice = Practice.objects.get(pk=submission.practice_id)
        if practice.status == Status.DRAFT:
            editing.record_update(
                record=practice,
                user=editing.OPERATOR,
                version=practice.version,
                values={"status": Status.IN_REVIEW},
                reason=reason,
            )
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
            tell_reviewer("review_assigned", review, submission=submission)
    return reviews


def tell_reviewer(name: str, review: Review, **context) -> None:
    """E-mail `name` to the review's reviewer, in the language of their profile."""
    profile = getattr(review.reviewer, "reviewer_profile", None)
    emails.notify(
        name,
        to=review.reviewer.email,
        language=profile.language if profile else settings.LANGUAGE_CODE,
        context={"review": review, **context},
    )


# Reminders and what waits.


def waiting_reviews():
    """Reviews of an open round that have no answer yet (a conflicted one is answered)."""
    return (
        Review.objects.filter(
            submission__state=Submission.State.IN_REVIEW,
            submitted_at__isnull=True,
        )
        .exclude(conflict=True)
        .filter(round=F("submission__round"))
    )


def reviews_remind(*, now: datetime | None = None) -> int:
    """E-mail each reviewer whose review has waited more than REMINDER_DAYS since it was
    assigned or they were last reminded; returns how many were reminded."""
    now = now or timezone.now()
    due = now - timedelta(days=settings.SUBMISSIONS["REMINDER_DAYS"])
    count = 0
    with transaction.atomic():
        reviews = (
            waiting_reviews()
            .annotate(since=Coalesce("reminded_at", "assigned_at"))
            .filter(since__lte=due)
            .select_related("reviewer__reviewer_profile", "submission__practice")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        for review in reviews:
            days = (now - review.assigned_at).days
            tell_reviewer("review_reminder", review, submission=review.submission, days=days)
            review.reminded_at = now
            review._change_reason = _("Reminded")
            review.save(update_fields=["reminded_at"])
            count += 1
    return count


def desk_waiting() -> dict[str, list]:
    """What waits for the editors, oldest first: received and unassigned, in review with
    the reviewers disagreeing or the panel short, complete panels awaiting a decision."""
    open_states = (Submission.State.RECEIVED, Submission.State.IN_REVIEW)
    submissions = list(
        Submission.objects.filter(state__in=open_states)
        .select_related("practice")
        .prefetch_related("reviews__reviewer__reviewer_profile", "reviews__assessments")
        .order_by("state_changed_at", "pk")
    )
    waiting = {"unassigned": [], "disagreement": [], "short": [], "decision": [], "reviewing": []}
    for submission in submissions:
        panel = panel_status(submission, reviews=list(submission.reviews.all()))
        submission.panel = panel
        if submission.state == Submission.State.RECEIVED or not panel.reviews:
            waiting["unassigned"].append(submission)
        elif panel.disagreement:
            waiting["disagreement"].append(submission)
        elif panel.shortfall:
            waiting["short"].append(submission)
        elif panel.complete:
            waiting["decision"].append(submission)
        else:
            waiting["reviewing"].append(submission)
    return waiting


def reviewer_waiting(user):
    """The reviews that wait for `user`, oldest first."""
    return (
        waiting_reviews()
        .filter(reviewer=user)
        .select_related("submission__practice")
        .order_by("assigned_at", "pk")
    )


def reviewer_conflicts(user):
    """`user`'s reviews of an open round where they declared a conflict (they may still
    withdraw one declared by mistake), oldest first."""
    return (
        Review.objects.filter(
            reviewer=user,
            conflict=True,
            submitted_at__isnull=True,
            submission__state=Submission.State.IN_REVIEW,
            round=F("submission__round"),
        )
        .select_related("submission__practice")
        .order_by("assigned_at", "pk")
    )


def own_reviews(user):
    """The reviews a reviewer sees: their own; an editor (or superuser) sees all."""
    reviews = Review.objects.select_related("submission__practice", "reviewer__reviewer_profile")
    if _may(user, ASSIGN_PERMISSION):
        return reviews
    return reviews.filter(reviewer=user) if user and user.pk else reviews.none()


def visible_submissions(user):
    """The submissions a user sees in the admin: all for an editor; a reviewer, only the
    ones they are (or were) on the panel of."""
    rows = Submission.objects.select_related("practice", "call")
    if _may(user, DECIDE_PERMISSION) or _may(user, ASSIGN_PERMISSION):
        return rows
    if not (user and user.pk):
        return rows.none()
    return rows.filter(Q(reviews__reviewer=user)).distinct()
