"""The life of a public submission and of a call for practices, each step one service.

A submission is a draft practice written through practices.editing as the operator (the
public has no account to write with), and a Submission row saying how it came. It stays
a draft, so nothing of it is public until a reviewer publishes it (submissions.review).
Steps: created UNCONFIRMED (a signed link e-mailed), confirmed RECEIVED (the desk told),
revised from REVISION (the panel's next round), or purged when never confirmed.

A submitter's list of submissions ("My submissions") opens through a link e-mailed on
request (list_link_send) or to a signed-in account; from it they may confirm a submission
(the link proved the address) or get a fresh revision link.

One cache, the rate limit of list links: "submissions:list-link:client:<client hash>" and
"submissions:list-link:email:<keyed hash of the lower-cased e-mail>" each hold the time
(epoch seconds) a link was last asked for, for RATE_LIMIT_SECONDS.
"""

import datetime
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from practices import editing
from practices.models import Practice, Source, Status
from submissions import emails, links, review
from submissions.models import Call, Submission

CATALOGUE_SOURCE = {
    "slug": "catalogue-submissions",
    "title": "Practices submitted to the GFMD Practice Catalogue",
}


# The PostgreSQL advisory lock key of one_at_a_time() (any number no other lock uses).
SUBMISSIONS_LOCK = 0x6F6D_6453_7562


class RateLimited(Exception):
    """A second submission from one address or e-mail within the rate limit's window."""

    text = gettext_lazy(
        "You sent a submission moments ago. Please wait %(seconds)s seconds and try again."
    )

    def __init__(self, retry_after: int):
        self.retry_after = max(1, retry_after)
        super().__init__(self.text % {"seconds": self.retry_after})


class ListLinkRateLimited(RateLimited):
    """A second list link asked for by one address or e-mail within the window."""

    text = gettext_lazy(
        "You asked for a link moments ago. Please wait %(seconds)s seconds and try again."
    )


class StateMoved(Exception):
    """A step asked of a submission that is no longer in the state the step needs (an
    editor, or another tab, moved it on)."""

    def __init__(self, submission: Submission):
        self.submission = submission
        super().__init__(
            _("This cannot be done any more: the submission is now “%(state)s”.")
            % {"state": submission.get_state_display()}
        )


class CallClosed(Exception):
    """A submission to a call that does not take submissions today."""

    def __init__(self, call: Call):
        self.call = call
        super().__init__(
            _("The call “%(title)s” is closed: it took submissions until %(deadline)s.")
            % {"title": call.title, "deadline": call.deadline.isoformat()}
        )


@dataclass
class PracticeData:
    """What a submitter says of a practice: its fields, relations and partners."""

    values: dict
    relations: dict
    # Each {"organisation": Organisation | None, "name": str, "role": str}.
    partners: list


def client_hash(address: str | None) -> str:
    """A keyed hash of the sender's address (HMAC-SHA256 with SECRET_KEY): the rate limit
    compares these, and the address itself is never stored."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, (address or "").encode(), hashlib.sha256).hexdigest()


def one_at_a_time() -> None:
    """Hold, until the transaction ends, the lock that makes submissions one at a time, so
    that two sent at once from one address cannot both pass the rate limit's check. On
    PostgreSQL a transaction-level advisory lock; SQLite's transactions already begin by
    taking its single write lock (gfmd.settings: transaction_mode IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SUBMISSIONS_LOCK])


def retry_after(*, client: str, email: str, now=None) -> int:
    """Seconds until this address and e-mail may submit again (0: now)."""
    now = now or timezone.now()
    window = settings.SUBMISSIONS["RATE_LIMIT_SECONDS"]
    since = now - datetime.timedelta(seconds=window)
    recent = Submission.objects.filter(created_at__gt=since)
    last = (
        (recent.filter(client_hash=client) | recent.filter(submitter_email__iexact=email))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return 0
    return int((last - since).total_seconds()) + 1


def submission_create(
    *,
    practice: PracticeData,
    submitter_name: str,
    submitter_email: str,
    submitter_organisation: str = "",
    call: Call | None = None,
    language: str,
    client: str,
    account=None,
) -> Submission:
    """A draft practice and its Submission, all or nothing; the confirmation link is
    e-mailed to the submitter once it is stored."""
    if call is not None and not call.is_open():
        raise CallClosed(call)
    with transaction.atomic():
        one_at_a_time()
        wait = retry_after(client=client, email=submitter_email)
        if wait:
            raise RateLimited(wait)
        values = dict(practice.values)
        values["source"] = (
            call.source if call is not None else values.get("source") or catalogue_source()
        )
        record = Practice(**values, slug=new_slug(values["title"]), status=Status.DRAFT)
        editing.record_create(
            record=record,
            user=editing.OPERATOR,
            relations=practice.relations,
            partners=partner_rows(practice),
        )
        submission = Submission(
            practice=record,
            call=call,
            submitter_name=submitter_name,
            submitter_email=submitter_email,
            submitter_organisation=submitter_organisation,
            submitter=account if getattr(account, "is_authenticated", False) else None,
            language=language,
            client_hash=client,
        )
        submission.full_clean()
        submission.save()
        token = links.issue(submission, links.Purpose.CONFIRM)
        emails.notify(
            "confirm",
            to=submitter_email,
            language=language,
            context={
                "submission": submission,
                "title": record.title,
                "link": links.url(token, links.Purpose.CONFIRM, language),
                "days": settings.SUBMISSIONS["LINK_MAX_AGE_DAYS"],
            },
        )
    return submission


def submission_confirm(*, token: str) -> Submission:
    """The submitter's e-mail confirmed by its link: the submission enters the queue, the
    submitter and the editors are told. LinkInvalid, LinkExpired or LinkUsed otherwise."""
    with transaction.atomic():
        submission = links.read(token, links.Purpose.CONFIRM, for_update=True)
        if submission.state != Submission.State.UNCONFIRMED:
            raise links.LinkUsed()
        _receive(submission)
    return submission


def may_confirm_listed(submission: Submission, *, proven_email: str) -> bool:
    """Whether the owner of a list may confirm this submission from it: it awaits
    confirmation and was sent from the very address the list's owner proved (a list link
    proves the address it was sent to; an account, its own e-mail)."""
    return (
        submission.state == Submission.State.UNCONFIRMED
        and bool(proven_email)
        and submission.submitter_email.lower() == proven_email.lower()
    )


def submission_confirm_listed(*, submission: Submission, proven_email: str) -> Submission:
    """Confirmed from the submitter's list, as its e-mailed link would: the e-mailed link
    stops working. StateMoved if it cannot be confirmed (any more)."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if not may_confirm_listed(submission, proven_email=proven_email):
            raise StateMoved(submission)
        _receive(submission)
    return submission


def submission_revise_link(*, submission: Submission) -> str:
    """A fresh revision token for a submission sent back for revision, asked for from the
    submitter's list: the link e-mailed earlier stops working. StateMoved otherwise."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.state != Submission.State.REVISION:
            raise StateMoved(submission)
        return links.issue(submission, links.Purpose.REVISE)


def _receive(submission: Submission) -> None:
    """An unconfirmed submission (locked) enters the queue: its link spent, the submitter
    and the editors told."""
    links.spend(submission)
    now = timezone.now()
    submission.state = Submission.State.RECEIVED
    submission.confirmed_at = now
    submission.state_changed_at = now
    submission.save(update_fields=["state", "confirmed_at", "state_changed_at"])
    context = {"submission": submission, "title": submission.practice.title}
    emails.notify(
        "received",
        to=submission.submitter_email,
        language=submission.language,
        context=context,
    )
    emails.notify(
        "received_editors",
        to=editor_addresses(),
        language=settings.LANGUAGE_CODE,
        context={
            **context,
            "desk": f"{settings.SITE_URL}/admin/submissions/submission/{submission.pk}/change/",
        },
    )


def submission_revise(*, token: str, practice: PracticeData) -> Submission:
    """The submitter's revision, through the link sent with the reviewers' comments: the
    practice updated, the link spent, and the same panel's review started again."""
    with transaction.atomic():
        submission = links.read(token, links.Purpose.REVISE, for_update=True)
        if submission.state != Submission.State.REVISION:
            raise links.LinkUsed()
        record = submission.practice
        values = dict(practice.values)
        values.pop("source", None)  # a revision keeps where the submission came from
        editing.record_update(
            record=record,
            user=editing.OPERATOR,
            version=record.version,
            values=values,
            relations=practice.relations,
            partners=partner_rows(practice),
            reason=_("Revised by the submitter"),
        )
        links.spend(submission)
        review.round_restart(submission=submission)
    return submission


def list_link_send(*, email: str, client: str, language: str, now: float | None = None) -> None:
    """E-mail `email` a link to the list of its submissions, if it has any; the caller
    answers the same either way (no one learns whose address has submitted). One link per
    address and per e-mail in RATE_LIMIT_SECONDS: ListLinkRateLimited otherwise."""
    email = email.strip().lower()
    now = time.time() if now is None else now
    window = settings.SUBMISSIONS["RATE_LIMIT_SECONDS"]
    keys = list_link_keys(client=client, email=email)
    asked = cache.get_many(keys).values()
    if asked:
        raise ListLinkRateLimited(int(max(asked) + window - now) + 1)
    cache.set_many(dict.fromkeys(keys, now), timeout=window)
    if not Submission.objects.filter(submitter_email__iexact=email).exists():
        return
    emails.notify(
        "mine",
        to=email,
        language=language,
        context={
            "link": links.list_url(links.list_issue(email), language),
            "days": settings.SUBMISSIONS["LINK_MAX_AGE_DAYS"],
        },
    )


def list_link_keys(*, client: str, email: str) -> list[str]:
    """The rate limit's cache keys for a list link (the module docstring says what they
    hold): the e-mail is keyed-hashed like the address, so the cache holds neither."""
    return [
        f"submissions:list-link:client:{client}",
        f"submissions:list-link:email:{client_hash(email.strip().lower())}",
    ]


def partner_rows(practice: PracticeData) -> list[editing.PartnerRow]:
    """The partners as practices.editing takes them."""
    return [editing.PartnerRow(**row) for row in practice.partners]


def submissions_purge(*, now=None) -> int:
    """Delete the submissions never confirmed within UNCONFIRMED_RETENTION_DAYS, with
    their draft practices (and partners); how many."""
    now = now or timezone.now()
    days = settings.SUBMISSIONS["UNCONFIRMED_RETENTION_DAYS"]
    stale = Submission.objects.filter(
        state=Submission.State.UNCONFIRMED,
        created_at__lt=now - datetime.timedelta(days=days),
        practice__status=Status.DRAFT,
    ).select_related("practice")
    purged = 0
    with transaction.atomic():
        for submission in stale.select_for_update(of=("self",)).order_by("pk"):
            practice = submission.practice
            editing.record_delete(record=practice, user=editing.OPERATOR, version=practice.version)
            purged += 1
    return purged


def call_open(*, call: Call, objectives=()) -> Call:
    """Open a call for practices (built unsaved by the door): its Source, which what is
    published from it cites, is created with it."""
    with transaction.atomic():
        call.source = Source.objects.create(
            title=f"Call for practices: {call.title}"[:300],
            slug=unique_source_slug(f"call-{call.slug}"),
            year=call.opens_on.year,
        )
        call.full_clean()
        call.save()
        call.objectives.set(objectives)
    return call


def catalogue_source() -> Source:
    """The source of practices submitted outside any call and citing no GFMD document."""
    source, _created = Source.objects.get_or_create(
        slug=CATALOGUE_SOURCE["slug"], defaults={"title": CATALOGUE_SOURCE["title"]}
    )
    return source


def editor_addresses() -> list[str]:
    """The e-mail addresses of the active accounts in the Editors group."""
    users = get_user_model().objects.filter(groups__name="Editors", is_active=True)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def new_slug(title: str) -> str:
    """A practice's slug from its title, made unique by a random tail."""
    base = slugify(title)[:100].strip("-") or "practice"
    return f"{base}-{secrets.token_hex(4)}"


def unique_source_slug(base: str) -> str:
    base = slugify(base)[:90]
    slug, n = base, 1
    while Source.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
