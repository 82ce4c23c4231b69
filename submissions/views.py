"""The public doors of submissions: the form (new and revised), its preview, the e-mail
confirmation, a submitter's own list ("My submissions"), and the calls for practices.
They parse and answer; the rules are submissions.services' and the form's. Pages
carrying a form (and its CSRF token) are never kept by a cache (never_cache: private, no-store)."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from gfmd.proxies import client_address
from practices.models import Practice
from submissions import links, review, selectors, services
from submissions.forms import MAX_REQUEST_BYTES, ListLinkForm, PracticeForm
from submissions.models import Call, Submission

LINK_STATUS = {"invalid": 400, "expired": 410, "used": 410}


def message(request, *, title: str, text: str, status: int = 200, **context):
    """A page that says one thing (sent, confirmed, refused, a link that does not work)."""
    return render(
        request,
        "submissions/message.html",
        {"title": title, "text": text, **context},
        status=status,
    )


def too_big(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REQUEST_BYTES
    except ValueError:
        return True


def refused_too_big(request):
    return message(
        request,
        title=_("Submission too large"),
        text=_(
            "What you sent is larger than the form accepts (%(kb)s kB in all). Shorten the "
            "longest texts and send it again."
        )
        % {"kb": MAX_REQUEST_BYTES // 1024},
        status=413,
    )


def refused_as_spam(request):
    """Nothing says which control refused it (nothing is saved)."""
    return message(
        request,
        title=_("Submission not accepted"),
        text=_("Your submission could not be accepted. Please try again later."),
        status=400,
    )


def refused_link(request, error: links.LinkError):
    return message(
        request,
        title=_("This link does not work"),
        text=str(error),
        status=LINK_STATUS[error.code],
    )


def refused_rate_limited(request, refusal: services.RateLimited):
    response = message(request, title=_("Please wait"), text=str(refusal), status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


def call_asked(request) -> Call | None:
    """The call named by ?call= (or the form's `call` field), or None; 404 if unknown or
    not open yet."""
    slug = request.POST.get("call") or request.GET.get("call")
    if not slug:
        return None
    call = get_object_or_404(Call.objects.prefetch_related("objectives"), slug=str(slug)[:120])
    if call.opens_on > timezone.localdate():  # not public before it opens
        raise Http404
    return call


def refused_closed(request, call: Call):
    return message(
        request,
        title=_("This call is closed"),
        text=str(services.CallClosed(call)),
        status=410,
        call=call,
    )


def form_step(request, form: PracticeForm, *, template_context: dict):
    """What a POST of the form answers, whatever the form is for: the form again (its
    errors, or to edit), the preview, or None when the form is to be sent."""
    context = {"form": form, **template_context}
    if form.too_fast():
        form.is_valid()
        form.add_error(
            None,
            _(
                "The form was sent too quickly after it was opened. Please check it and "
                "send it again."
            ),
        )
        return render(request, "submissions/submit.html", context, status=400)
    if not form.is_valid() or request.POST.get("action") == "edit":
        return render(request, "submissions/submit.html", context)
    if request.POST.get("action") != "send":
        return render(request, "submissions/preview.html", context)
    return None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def submit(request):
    """The public form: shown, previewed, then sent (a draft practice, unconfirmed)."""
    call = call_asked(request)
    if call is not None and not call.is_open():
        return refused_closed(request, call)
    context = {"call": call}
    if request.method != "POST":
        initial = {"objectives": [o.pk for o in call.objectives.all()]} if call else {}
        return render(
            request, "submissions/submit.html", {"form": PracticeForm(initial=initial), **context}
        )
    if too_big(request):
        return refused_too_big(request)
    form = PracticeForm(request.POST)
    if form.refused_as_spam():
        return refused_as_spam(request)
    answer = form_step(request, form, template_context=context)
    if answer is not None:
        return answer
    data = form.cleaned_data
    try:
        services.submission_create(
            practice=form.practice_data(),
            submitter_name=data["submitter_name"].strip(),
            submitter_email=data["submitter_email"],
            submitter_organisation=data["submitter_organisation"].strip(),
            call=call,
            language=translation.get_language()[:2],
            client=services.client_hash(client_address(request)),
            account=request.user,
        )
    except services.RateLimited as refusal:
        return refused_rate_limited(request, refusal)
    except services.CallClosed:
        return refused_closed(request, call)
    return redirect("submissions:sent")


@never_cache
def sent(request):
    return message(
        request,
        title=_("Check your e-mail"),
        text=_(
            "We have sent you an e-mail with a link. Your submission enters the editors' "
            "queue once you follow it (within %(days)s days)."
        )
        % {"days": settings.SUBMISSIONS["LINK_MAX_AGE_DAYS"]},
        back=reverse("submissions:mine"),
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """The link from the e-mail: a button (a GET changes nothing, so a mail scanner that
    follows links does not confirm), then the confirmation."""
    try:
        if request.method != "POST":
            submission = links.read(token, links.Purpose.CONFIRM)
            if submission.state != Submission.State.UNCONFIRMED:
                raise links.LinkUsed()
            return render(request, "submissions/confirm.html", {"submission": submission})
        submission = services.submission_confirm(token=token)
    except links.LinkError as error:
        return refused_link(request, error)
    return message(
        request,
        title=_("Thank you: your submission is received"),
        text=_(
            "The editors will read “%(title)s” and ask reviewers to assess it. We will "
            "write to you at each step."
        )
        % {"title": submission.practice.title},
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def revise(request, token):
    """The form prefilled with the practice sent back, the reviewers' comments above it."""
    try:
        submission = links.read(token, links.Purpose.REVISE)
        if submission.state != Submission.State.REVISION:
            raise links.LinkUsed()
    except links.LinkError as error:
        return refused_link(request, error)
    context = {"revision": submission, "comments": review.reviewers_comments(submission)}
    if request.method != "POST":
        practice = (
            Practice.objects.prefetch_related("countries", "objectives", "principles", "themes")
            .select_related("scope_region")
            .get(pk=submission.practice_id)
        )
        form = PracticeForm(initial=PracticeForm.initial_from(practice), revision=True)
        return render(request, "submissions/submit.html", {"form": form, **context})
    if too_big(request):
        return refused_too_big(request)
    form = PracticeForm(request.POST, revision=True)
    if form.refused_as_spam():
        return refused_as_spam(request)
    answer = form_step(request, form, template_context=context)
    if answer is not None:
        return answer
    try:
        services.submission_revise(token=token, practice=form.practice_data())
    except links.LinkError as error:
        return refused_link(request, error)
    return message(
        request,
        title=_("Thank you: your revision is received"),
        text=_("The reviewers will read it again. We will write to you at each step."),
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def mine(request):
    """My submissions: a signed-in account's list; anyone else asks for a link to theirs,
    and the answer is the same whether or not the address has submitted."""
    if request.user.is_authenticated:
        return my_submissions(request, user=request.user, proven_email=request.user.email)
    if request.method != "POST":
        return render(request, "submissions/mine_ask.html", {"form": ListLinkForm()})
    if too_big(request):
        return refused_too_big(request)
    form = ListLinkForm(request.POST)
    if form.refused_as_spam():
        return refused_as_spam(request)
    if not form.is_valid():
        return render(request, "submissions/mine_ask.html", {"form": form}, status=400)
    try:
        services.list_link_send(
            email=form.cleaned_data["email"],
            client=services.client_hash(client_address(request)),
            language=translation.get_language()[:2],
        )
    except services.RateLimited as refusal:
        return refused_rate_limited(request, refusal)
    return message(
        request,
        title=_("Check your e-mail"),
        text=_(
            "If submissions were sent from this address, we have e-mailed it a link to "
            "their list. The link works for %(days)s days."
        )
        % {"days": settings.SUBMISSIONS["LINK_MAX_AGE_DAYS"]},
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def mine_list(request, token):
    """My submissions through the link e-mailed: the list of that address's submissions."""
    try:
        email = links.list_read(token)
    except links.LinkError as error:
        return refused_link(request, error)
    return my_submissions(request, email=email, proven_email=email)


def my_submissions(request, *, email: str = "", user=None, proven_email: str):
    """The list, or what its buttons ask (POST: confirm one, or revise one)."""
    rows = selectors.submissions_of(email=email, user=user)
    if request.method != "POST":
        return render(
            request, "submissions/mine.html", {"submissions": rows, "email": email or None}
        )
    asked = str(request.POST.get("submission", ""))
    submission = next((row for row in rows if str(row.pk) == asked), None)
    action = request.POST.get("action")
    if submission is None or action not in ("confirm", "revise"):
        return message(
            request,
            title=_("Nothing was changed"),
            text=_("This submission is not in your list, or the button sent is not known."),
            status=400,
            back=request.path,
        )
    try:
        if action == "revise":
            token = services.submission_revise_link(submission=submission)
            return redirect(links.path(token, links.Purpose.REVISE, translation.get_language()))
        services.submission_confirm_listed(submission=submission, proven_email=proven_email)
    except services.StateMoved as moved:
        return message(
            request, title=_("Nothing was changed"), text=str(moved), status=409, back=request.path
        )
    return message(
        request,
        title=_("Thank you: your submission is received"),
        text=_(
            "The editors will read “%(title)s” and ask reviewers to assess it. We will "
            "write to you at each step."
        )
        % {"title": submission.practice.title},
        back=request.path,
    )


def call_list(request):
    """Open calls, then past ones."""
    today = timezone.localdate()
    calls = Call.objects.order_by("deadline", "title")
    return render(
        request,
        "submissions/call_list.html",
        {
            "open_calls": calls.filter(opens_on__lte=today, deadline__gte=today),
            "past_calls": calls.filter(deadline__lt=today).order_by("-deadline", "title"),
        },
    )


def call_detail(request, slug):
    """A call: what it asks, until when, and what was published from it."""
    call = get_object_or_404(Call.objects.prefetch_related("objectives"), slug=slug)
    if call.opens_on > timezone.localdate() and not request.user.is_staff:
        raise Http404
    practices = (
        Practice.objects.published().filter(submission__call=call).order_by("-published_at", "pk")
    )
    return render(
        request,
        "submissions/call_detail.html",
        {"call": call, "practices": practices, "objectives": call.objectives.order_by("number")},
    )
