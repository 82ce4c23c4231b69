"""Public submissions, calls for practices and their peer review.

A submission is a draft practice (practices.Practice, never public until published
through practices.editing) plus what the catalogue knows of how it came: who sent it, the
e-mail confirmation, the call it answers, and where it stands in review. Its reviews are
the panel's: each reviewer's conflict declaration, recommendation and per-criterion
assessments, round by round. The rules of every step live in submissions.services.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from practices.models import Objective, Practice, Source


class Call(models.Model):
    """A themed call for practices an editor opens: submissions may answer it, and its
    page lists what was published from it."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"))
    objectives = models.ManyToManyField(
        Objective, blank=True, related_name="calls", verbose_name=_("GCM objectives")
    )
    opens_on = models.DateField(_("opens on"), default=timezone.localdate)
    deadline = models.DateField(_("deadline"))
    # What the practices published from the call cite (created with the call).
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("source"),
        help_text=_("What the practices submitted to this call cite."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-deadline", "title"]
        verbose_name = _("call for practices")
        verbose_name_plural = _("calls for practices")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opens_on")), name="call_deadline_after_opening"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("submissions:call-detail", args=[self.slug])

    def is_open(self, today=None) -> bool:
        """Whether the call takes submissions today (its deadline day included)."""
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.deadline


class Submission(models.Model):
    """How a draft practice came from the public, and where it stands in review."""

    class State(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Awaiting e-mail confirmation")
        RECEIVED = "received", _("Received, awaiting reviewers")
        IN_REVIEW = "review", _("In review")
        REVISION = "revision", _("Sent back for revision")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    practice = models.OneToOneField(
        Practice,
        on_delete=models.CASCADE,
        related_name="submission",
        verbose_name=_("practice"),
    )
    call = models.ForeignKey(
        Call,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("call for practices"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.UNCONFIRMED
    )
    # The review round: a revision starts the same panel's review again, one round on.
    round = models.PositiveSmallIntegerField(_("review round"), default=1)
    submitter_name = models.CharField(_("submitter's name"), max_length=200)
    submitter_email = models.EmailField(_("submitter's e-mail"), max_length=254)
    submitter_organisation = models.CharField(
        _("submitter's organisation"), max_length=200, blank=True
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("submitter's account"),
        help_text=_("Only when the submitter was signed in (an account is optional)."),
    )
    # The interface language the submitter used: the e-mails to them are written in it.
    language = models.CharField(_("submitter's language"), max_length=2, default="en")
    # A keyed hash of the sender's address, for the rate limit: never the address itself.
    client_hash = models.CharField(_("sender"), max_length=64, blank=True, db_index=True)
    # Each signed link names a nonce; issuing a new one (or using it) voids the old link.
    link_nonce = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True, db_index=True)
    confirmed_at = models.DateTimeField(_("e-mail confirmed"), null=True, blank=True)
    state_changed_at = models.DateTimeField(_("in this state since"), default=timezone.now)
    decision_reason = models.TextField(
        _("reason for the decision"),
        blank=True,
        help_text=_("Given to the submitter when the submission is rejected."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        indexes = [
            models.Index(fields=["state", "state_changed_at"], name="submission_state_since"),
            models.Index(fields=["submitter_email", "created_at"], name="submission_email_time"),
        ]

    def __str__(self):
        return f"{self.practice.title} ({self.get_state_display()})"


class ReviewerProfile(models.Model):
    """What a reviewer account needs beyond the Reviewers group: the affiliation the
    panel's composition counts (at least one UN and two non-UN reviewers by default)."""

    class Affiliation(models.TextChoices):
        UN = "un", _("UN entity")
        GOVERNMENT = "government", _("Government")
        CIVIL_SOCIETY = "civil-society", _("Civil society")
        ACADEMIA = "academia", _("Academia")
        OTHER = "other", _("Other")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviewer_profile",
        verbose_name=_("account"),
    )
    affiliation = models.CharField(_("affiliation"), max_length=20, choices=Affiliation.choices)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    # The language of the e-mails the reviewer is sent (assigned, reminders).
    language = models.CharField(
        _("language of e-mails"),
        max_length=2,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("reviewer profile")
        verbose_name_plural = _("reviewer profiles")

    def __str__(self):
        return f"{self.user.get_username()} ({self.get_affiliation_display()})"

    @property
    def is_un(self) -> bool:
        return self.affiliation == self.Affiliation.UN


class Recommendation(models.TextChoices):
    """What a reviewer recommends, overall and on each criterion."""

    ACCEPT = "accept", _("Accept")
    REVISE = "revise", _("Revise")
    REJECT = "reject", _("Reject")


class Criterion(models.TextChoices):
    """What a practice is reviewed against (the UN Migration Network hub's criteria)."""

    OBJECTIVES = "objectives", _("Relates to one or more of the 23 GCM objectives")
    PRINCIPLES = "principles", _("Adheres to the ten guiding principles")
    PERIOD = "period", _("Implemented after December 2018")
    COMPLETION = "completion", _("Fully or mostly completed")
    INNOVATIVE = "innovative", _("Innovative")
    REPLICABLE = "replicable", _("Replicable")


class Review(models.Model):
    """One reviewer's part in one round of a submission's review."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("submission")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reviews",
        verbose_name=_("reviewer"),
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)
    # None until declared: a reviewer declares before scoring, and a conflicted one cannot.
    conflict = models.BooleanField(_("conflict of interest"), null=True, blank=True)
    conflict_note = models.TextField(_("conflict: details"), blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=10, choices=Recommendation.choices, blank=True
    )
    comments = models.TextField(_("comments for the submitter"), blank=True)
    submitted_at = models.DateTimeField(_("recommendation given"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["submission", "round", "assigned_at", "pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "reviewer", "round"], name="review_one_per_reviewer_round"
            ),
            models.CheckConstraint(
                condition=Q(recommendation="") | Q(conflict=False),
                name="review_scored_only_without_conflict",
            ),
        ]

    def __str__(self):
        return f"{self.reviewer.get_username()} on {self.submission_id} (round {self.round})"


class Assessment(models.Model):
    """A reviewer's recommendation on one criterion, with comments."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("review")
    )
    criterion = models.CharField(_("criterion"), max_length=12, choices=Criterion.choices)
    recommendation = models.CharField(
        _("recommendation"), max_length=10, choices=Recommendation.choices
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["review", "criterion"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion"], name="assessment_one_per_criterion"
            ),
        ]

    def __str__(self):
        return f"{self.get_criterion_display()}: {self.get_recommendation_display()}"
