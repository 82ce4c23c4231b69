"""The desk for submissions, calls and their review (the editors' and reviewers' admin).

Every step is a small view that parses a form and calls submissions.review; what the
service refuses comes back as an error message on the same page, never a server error.
Nothing here is edited through the admin's own forms: submissions and reviews are shown
read-only, and each step has its button.
"""

from submissions import admin_calls  # noqa: F401  (calls' admin: submissions.admin_calls)

# isort: split
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from practices import editing
from practices.filtersets import whole_number
from practices.models import Practice, Status
from submissions import review
from submissions.models import Criterion, Recommendation, Review, ReviewerProfile, Submission

# The admin's index shows the desk's and the reviewer's links above the apps.
admin.site.index_template = "admin/submissions/index.html"

REFUSALS = (review.Refused, editing.NotAllowed, editing.StaleVersion, ValidationError)


def waited(since) -> str:
    """How long something has waited, in words ("3 days")."""
    return timesince(since, depth=1) if since else "—"


def posted(request):
    """The form's data when it was sent (even empty), else None for an unbound form."""
    return request.POST if request.method == "POST" else None


def refusal_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(SimpleHistoryAdmin):
    list_display = ("user", "affiliation", "organisation", "language", "email")
    list_filter = ("affiliation", "language")
    search_fields = ("user__username", "user__email", "organisation")
    raw_id_fields = ("user",)
    list_select_related = ("user",)

    @admin.display(description=_("e-mail"))
    def email(self, profile):
        return profile.user.email


# Forms of the desk's steps.


class ReviewerChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        profile = user.reviewer_profile
        name = user.get_full_name() or user.get_username()
        where = ", ".join(filter(None, [profile.get_affiliation_display(), profile.organisation]))
        return f"{name} ({where})"


class AssignForm(forms.Form):
    reviewers = ReviewerChoice(
        queryset=review.reviewer_accounts(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Reviewers"),
        required=False,
    )

    def __init__(self, *args, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = review.reviewer_accounts().exclude(pk__in=exclude)


class SendBackForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the submitter"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("The reviewers' comments are sent with it, without their names."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the submitter)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )


class ConfirmForm(forms.Form):
    pass


class DeclareForm(forms.Form):
    # Says which of the answer page's forms was sent (a declaration may follow the score's).
    step = forms.CharField(widget=forms.HiddenInput, initial="declare", required=False)
    conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with this practice or its submitter?"),
        choices=[("no", _("No conflict of interest")), ("yes", _("Yes, I have a conflict"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Details (for the editors)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class ScoreForm(forms.Form):
    recommendation = forms.ChoiceField(
        label=_("Overall recommendation"), choices=Recommendation.choices, widget=forms.RadioSelect
    )
    comments = forms.CharField(
        label=_("Comments for the submitter"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in Criterion:
            self.fields[f"{criterion.value}_recommendation"] = forms.ChoiceField(
                label=criterion.label, choices=Recommendation.choices, widget=forms.RadioSelect
            )
            self.fields[f"{criterion.value}_comment"] = forms.CharField(
                label=format_lazy("{} ({})", _("Comment"), criterion.label),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
            )

    def assessments(self) -> dict:
        data = self.cleaned_data
        return {
            c.value: (data[f"{c.value}_recommendation"], data[f"{c.value}_comment"])
            for c in Criterion
        }


def declaration_text(item: Review) -> str:
    """A declaration in words, as its reviewer reads it."""
    if item.conflict:
        said = _("You declared a conflict of interest.")
    else:
        said = _("You declared no conflict of interest.")
    if item.conflict_note:
        return format_lazy("{} {}", said, _("Your note: “%(note)s”") % {"note": item.conflict_note})
    return said


def declared_before_text(before: Review) -> str:
    """What the reviewer declared in an earlier round, and why to confirm it now."""
    if before.conflict:
        said = _("In round %(round)d you declared a conflict of interest.")
    else:
        said = _("In round %(round)d you declared no conflict of interest.")
    parts = [said % {"round": before.round}]
    if before.conflict_note:
        parts.append(_("Your note then: “%(note)s”") % {"note": before.conflict_note})
    parts.append(_("A revision can change the practice's partners, so check and confirm it."))
    return " ".join(str(part) for part in parts)


def declares(request, item: Review) -> bool:
    """Whether the answer page holds the declaration rather than the score: when the
    declaration's form was sent, or (to see) while none is made, while a conflict stands
    (to withdraw one declared by mistake), or when the reviewer asks to change it."""
    if request.method == "POST":
        return item.conflict is None or request.POST.get("step") == "declare"
    return item.conflict is not False or "change" in request.GET


# The desk.


class StepViews:
    """What the desk's and the reviewers' step views share: the object the user may see
    (else 404), a form page, and a refusal shown on it."""

    def visible(self, request, object_id):
        pk = whole_number(unquote(str(object_id)))
        obj = self.get_queryset(request).filter(pk=pk).first() if pk is not None else None
        if obj is None:
            raise Http404(_("Nothing here, or not yours to see."))
        return obj

    def step_page(self, request, *, obj, title, form, submit, submission, status=200, **extra):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": title,
            "form": form,
            "submit": submit,
            "submission": submission,
            "panel": review.panel_status(submission),
            **extra,
        }
        return render(request, "admin/submissions/step_form.html", context, status=status)

    def change_url(self, obj) -> str:
        opts = obj._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def run(self, request, action, **kwargs):
        """Call a service; True when it was done, else the refusal is on the page."""
        try:
            action(**kwargs)
        except REFUSALS as error:
            messages.error(request, refusal_text(error))
            return False
        return True


@admin.register(Submission)
class SubmissionAdmin(StepViews, SimpleHistoryAdmin):
    list_display = ("title", "state", "waiting", "round", "panel_summary", "disagreement", "call")
    list_filter = ("state", "call")
    search_fields = ("practice__title", "submitter_name", "submitter_email")
    ordering = ("state_changed_at",)
    fields = (
        "practice_link",
        "call",
        "state",
        "waiting",
        "round",
        "next_step",
        "panel_table",
        "submitter_name",
        "submitter_email",
        "submitter_organisation",
        "language",
        "created_at",
        "confirmed_at",
        "decision_reason",
    )
    readonly_fields = fields
    change_form_template = "admin/submissions/submission/change_form.html"

    def get_queryset(self, request):
        return (
            review.visible_submissions(request.user)
            .prefetch_related("reviews__reviewer__reviewer_profile", "reviews__assessments")
            .order_by("state_changed_at", "pk")
        )

    def has_add_permission(self, request):
        return False  # a submission comes from the public form

    def has_change_permission(self, request, obj=None):
        return False  # each step has its button; the fields are the desk's to read

    def has_delete_permission(self, request, obj=None):
        return False

    def panel(self, submission):
        return review.panel_status(submission, reviews=list(submission.reviews.all()))

    @admin.display(description=_("practice"), ordering="practice__title")
    def title(self, submission):
        return submission.practice.title

    @admin.display(description=_("practice"))
    def practice_link(self, submission):
        url = reverse("admin:practices_practice_change", args=[submission.practice_id])
        return format_html('<a href="{}">{}</a>', url, submission.practice.title)

    @admin.display(description=_("waiting for"), ordering="state_changed_at")
    def waiting(self, submission):
        return waited(submission.state_changed_at)

    @admin.display(description=_("panel"))
    def panel_summary(self, submission):
        panel = self.panel(submission)
        if not panel.reviews:
            return "—"
        answers = ", ".join(
            f"{count} {Recommendation(value).label.lower()}"
            for value, count in sorted(panel.recommendations.items())
        )
        return _("%(seated)d reviewers; %(answers)s; %(waiting)d waiting") % {
            "seated": len(panel.seated),
            "answers": answers or _("no answer yet"),
            "waiting": len(panel.waiting),
        }

    @admin.display(description=_("disagreement"), boolean=True)
    def disagreement(self, submission):
        return self.panel(submission).disagreement

    @admin.display(description=_("next step"))
    def next_step(self, submission):
        return self.panel(submission).next_step()

    @admin.display(description=_("panel"))
    def panel_table(self, submission):
        return mark_safe(
            render_to_string("admin/submissions/_panel.html", {"panel": self.panel(submission)})
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        name = "submissions_submission"
        return [
            path("dashboard/", view(self.dashboard_view), name=f"{name}_dashboard"),
            path("<path:object_id>/assign/", view(self.assign_view), name=f"{name}_assign"),
            path(
                "<path:object_id>/send-back/", view(self.send_back_view), name=f"{name}_send_back"
            ),
            path("<path:object_id>/reject/", view(self.reject_view), name=f"{name}_reject"),
            path("<path:object_id>/publish/", view(self.publish_view), name=f"{name}_publish"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        submission = self.visible(request, object_id) if whole_number(str(object_id)) else None
        user = request.user
        extra = {
            "may_assign": user.has_perm(review.ASSIGN_PERMISSION),
            "may_decide": user.has_perm(review.DECIDE_PERMISSION),
            "may_publish": editing.allowed(
                user, Practice, editing.Operation.MOVE, Status.PUBLISHED
            ),
            "panel": submission and review.panel_status(submission),
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def assign_view(self, request, object_id):
        submission = self.visible(request, object_id)
        panel = review.panel_status(submission)
        exclude = [r.reviewer_id for r in panel.reviews]
        form = AssignForm(posted(request), exclude=exclude)
        if request.method == "POST" and form.is_valid():
            done = self.run(
                request,
                review.review_assign,
                submission=submission,
                reviewers=list(form.cleaned_data["reviewers"]),
                user=request.user,
            )
            if done:
                messages.success(request, _("The reviewers were assigned and told by e-mail."))
                return HttpResponseRedirect(self.change_url(submission))
        title = _("Ask one more reviewer") if panel.reviews else _("Assign reviewers")
        return self.step_page(
            request,
            obj=submission,
            title=title,
            form=form,
            submit=title,
            submission=submission,
            help=panel.shortfall
            or _(
                "The panel needs at least %(un)d UN and %(non_un)d non-UN reviewers; "
                "a reviewer who declares a conflict does not count."
            )
            % {
                "un": settings.SUBMISSIONS["PANEL_UN"],
                "non_un": settings.SUBMISSIONS["PANEL_NON_UN"],
            },
        )

    def send_back_view(self, request, object_id):
        submission = self.visible(request, object_id)
        form = SendBackForm(posted(request))
        if request.method == "POST" and form.is_valid():
            done = self.run(
                request,
                review.submission_send_back,
                submission=submission,
                user=request.user,
                message=form.cleaned_data["message"],
            )
            if done:
                messages.success(request, _("Sent back: the submitter has a link to revise it."))
                return HttpResponseRedirect(self.change_url(submission))
        return self.step_page(
            request,
            obj=submission,
            title=_("Send back for revision"),
            form=form,
            submit=_("Send back"),
            submission=submission,
            comments=review.reviewers_comments(submission),
        )

    def reject_view(self, request, object_id):
        submission = self.visible(request, object_id)
        form = RejectForm(posted(request))
        if request.method == "POST" and form.is_valid():
            done = self.run(
                request,
                review.submission_reject,
                submission=submission,
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
            if done:
                messages.success(request, _("Rejected: the submitter was told why."))
                return HttpResponseRedirect(self.change_url(submission))
        return self.step_page(
            request,
            obj=submission,
            title=_("Reject"),
            form=form,
            submit=_("Reject"),
            submission=submission,
        )

    def publish_view(self, request, object_id):
        submission = self.visible(request, object_id)
        rule = (request.user, Practice, editing.Operation.MOVE, Status.PUBLISHED)
        if not editing.allowed(*rule):  # no Publish button for whoever may not publish
            messages.error(request, editing.refusal(*rule))
            return HttpResponseRedirect(self.change_url(submission))
        form = ConfirmForm(posted(request))
        if request.method == "POST":
            done = self.run(
                request, review.submission_publish, submission=submission, user=request.user
            )
            if done:
                messages.success(request, _("Published: the submitter was told."))
                return HttpResponseRedirect(self.change_url(submission))
        return self.step_page(
            request,
            obj=submission,
            title=_("Publish"),
            form=form,
            submit=_("Publish"),
            submission=submission,
        )

    def dashboard_view(self, request):
        """The editors' dashboard: what waits for a decision, oldest first."""
        if not request.user.has_perm(review.ASSIGN_PERMISSION):
            raise PermissionDenied
        waiting = review.desk_waiting()
        sections = [
            (_("Received, awaiting reviewers"), waiting["unassigned"]),
            (_("Reviewers disagree: ask one more reviewer"), waiting["disagreement"]),
            (_("Panel short of reviewers"), waiting["short"]),
            (_("Panel complete: awaiting a decision"), waiting["decision"]),
            (_("In review: waiting for reviewers"), waiting["reviewing"]),
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Submissions: what waits"),
            "sections": [
                (heading, [(s, waited(s.state_changed_at)) for s in rows])
                for heading, rows in sections
            ],
        }
        return render(request, "admin/submissions/dashboard.html", context)


@admin.register(Review)
class ReviewAdmin(StepViews, SimpleHistoryAdmin):
    list_display = (
        "title",
        "reviewer",
        "affiliation",
        "round",
        "progress",
        "recommendation",
        "waiting",
    )
    list_filter = ("recommendation", "conflict", "round")
    search_fields = ("submission__practice__title", "reviewer__username")
    fields = (
        "submission",
        "reviewer",
        "round",
        "assigned_by",
        "assigned_at",
        "waiting",
        "conflict",
        "conflict_note",
        "recommendation",
        "comments",
        "assessments_table",
        "submitted_at",
        "reminded_at",
    )
    readonly_fields = fields
    change_form_template = "admin/submissions/review/change_form.html"

    def get_queryset(self, request):
        return review.own_reviews(request.user).prefetch_related("assessments")

    def get_list_display(self, request):
        """A reviewer's list is all their own: without the reviewer's name and affiliation
        it fits a phone, the column saying what to do in sight."""
        if request.user.has_perm(review.ASSIGN_PERMISSION):
            return self.list_display
        return [name for name in self.list_display if name not in ("reviewer", "affiliation")]

    def has_add_permission(self, request):
        return False  # reviewers are assigned from the submission's desk

    def has_change_permission(self, request, obj=None):
        return False  # a reviewer answers through the answer page

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("practice"), ordering="submission__practice__title")
    def title(self, obj):
        return obj.submission.practice.title

    @admin.display(description=_("affiliation"))
    def affiliation(self, obj):
        profile = getattr(obj.reviewer, "reviewer_profile", None)
        return profile.get_affiliation_display() if profile else "—"

    @admin.display(description=_("to do"))
    def progress(self, obj):
        if obj.submitted_at:
            return _("Answered")
        if not review.review_open(obj):
            return _("Conflict declared") if obj.conflict else _("Closed")
        url = reverse("admin:submissions_review_answer", args=[obj.pk])
        if obj.conflict:
            return format_html(
                '{} <a href="{}">{}</a>', _("Conflict declared."), url, _("Change your declaration")
            )
        label = _("Declare conflicts") if obj.conflict is None else _("Give your recommendation")
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("waiting for"), ordering="assigned_at")
    def waiting(self, obj):
        return "—" if obj.submitted_at or obj.conflict else waited(obj.assigned_at)

    @admin.display(description=_("assessments"))
    def assessments_table(self, obj):
        rows = [
            format_html(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                a.get_criterion_display(),
                a.get_recommendation_display(),
                a.comment,
            )
            for a in obj.assessments.all()
        ]
        if not rows:
            return "—"
        return format_html("<table>{}</table>", mark_safe("".join(rows)))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("waiting/", view(self.waiting_view), name="submissions_review_waiting"),
            path(
                "<path:object_id>/answer/", view(self.answer_view), name="submissions_review_answer"
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.visible(request, object_id) if whole_number(str(object_id)) else None
        mine = item is not None and item.reviewer_id == request.user.pk
        extra = {"may_answer": mine and review.declaration_changeable(item)}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def waiting_view(self, request):
        """What waits for me: the reviewer's open reviews, with how long each has waited."""
        rows = [(r, waited(r.assigned_at)) for r in review.reviewer_waiting(request.user)]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Reviews waiting for me"),
            "rows": rows,
            "conflicts": review.reviewer_conflicts(request.user),
        }
        return render(request, "admin/submissions/reviews_waiting.html", context)

    def answer_view(self, request, object_id):
        """Declare a conflict of interest (or change the declaration, until scoring; a new
        round's starts from the last one's, to confirm), then (without one) score."""
        obj = self.visible(request, object_id)
        if declares(request, obj):
            return self.declare_page(request, obj)
        return self.score_page(request, obj)

    def declare_page(self, request, obj):
        first = obj.conflict is None
        shown = review.declared_before(obj) if first else obj
        initial = shown and {
            "conflict": "yes" if shown.conflict else "no",
            "note": shown.conflict_note,
        }
        form = DeclareForm(posted(request), initial=initial)
        if request.method == "POST" and form.is_valid():
            done = self.run(
                request,
                review.review_declare,
                review=obj,
                user=request.user,
                conflict=form.cleaned_data["conflict"],
                note=form.cleaned_data["note"],
            )
            if done:
                obj.refresh_from_db()
                if obj.conflict:
                    text = (
                        _("Thank you: your answer is recorded.")
                        if first
                        else _("Your declaration is changed: you do not score this submission.")
                    )
                    messages.success(request, text)
                    return HttpResponseRedirect(reverse("admin:submissions_review_waiting"))
                text = (
                    _("Declared. Now give your recommendation.")
                    if first
                    else _("Your declaration is changed. Now give your recommendation.")
                )
                messages.success(request, text)
                return HttpResponseRedirect(request.path)
        if first:
            notice = declared_before_text(shown) if shown else ""
            title, submit = _("Declare conflicts of interest"), _("Declare")
        else:
            notice = format_lazy(
                "{} {}",
                declaration_text(obj),
                _("You may change it until you give your recommendation."),
            )
            title, submit = _("Change your declaration"), _("Change my declaration")
        return self.step_page(
            request,
            obj=obj,
            title=title,
            form=form,
            submit=submit,
            submission=obj.submission,
            practice=obj.submission.practice,
            show_panel=False,
            notice=notice,
        )

    def score_page(self, request, obj):
        form = ScoreForm(posted(request))
        if request.method == "POST" and form.is_valid():
            done = self.run(
                request,
                review.review_submit,
                review=obj,
                user=request.user,
                recommendation=form.cleaned_data["recommendation"],
                comments=form.cleaned_data["comments"],
                assessments=form.assessments(),
            )
            if done:
                messages.success(request, _("Thank you: your answer is recorded."))
                return HttpResponseRedirect(reverse("admin:submissions_review_waiting"))
        return self.step_page(
            request,
            obj=obj,
            title=_("Your recommendation"),
            form=form,
            submit=_("Give my recommendation"),
            submission=obj.submission,
            practice=obj.submission.practice,
            show_panel=False,
            declared=review.declaration_changeable(obj) and declaration_text(obj),
        )
