"""Signed links sent to a submitter: to confirm their e-mail, to revise a submission
sent back to them, and to open the list of their submissions ("My submissions").

A confirmation or revision link names the submission and a nonce the submission keeps;
issuing a new link or using one clears or replaces the nonce, so each link works once.
A list link names only the (lower-cased) e-mail address it was sent to: it keeps no
state and works as often as it is followed. None works after
settings.SUBMISSIONS["LINK_MAX_AGE_DAYS"]."""

import secrets
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Purpose(StrEnum):
    CONFIRM = "confirm"
    REVISE = "revise"


class LinkError(Exception):
    """A signed link that cannot be used; its message says why, for the person holding it."""

    code = "invalid"


class LinkInvalid(LinkError):
    code = "invalid"

    def __init__(self):
        super().__init__(_("This link is not valid: check that it was copied whole."))


class LinkExpired(LinkError):
    code = "expired"

    def __init__(self):
        super().__init__(
            _("This link has expired (links work for %(days)s days).")
            % {"days": settings.SUBMISSIONS["LINK_MAX_AGE_DAYS"]}
        )


class LinkUsed(LinkError):
    code = "used"

    def __init__(self):
        super().__init__(_("This link has already been used, or a newer one replaced it."))


def _signer(purpose: Purpose) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"submissions.link.{purpose}")


def issue(submission, purpose: Purpose) -> str:
    """A new token for `submission` (saved with its new nonce): older links stop working."""
    submission.link_nonce = secrets.token_hex(16)
    submission.save(update_fields=["link_nonce"])
    return _signer(purpose).sign_object({"s": submission.pk, "n": submission.link_nonce})


def path(token: str, purpose: Purpose, language: str = "en") -> str:
    """The path of a token's page, in the submitter's language."""
    with translation.override(language):
        return reverse(f"submissions:{purpose}", args=[token])


def url(token: str, purpose: Purpose, language: str = "en") -> str:
    """The absolute URL of a token's page, in the submitter's language."""
    return settings.SITE_URL + path(token, purpose, language)


def _unsign(token: str, signer: signing.TimestampSigner):
    """What a token carries, or LinkInvalid or LinkExpired."""
    max_age = settings.SUBMISSIONS["LINK_MAX_AGE_DAYS"] * 86400
    try:
        return signer.unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired() from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise LinkInvalid() from None


def read(token: str, purpose: Purpose, *, for_update: bool = False):
    """The submission a token names, or LinkInvalid, LinkExpired or LinkUsed."""
    from submissions.models import Submission

    data = _unsign(token, _signer(purpose))
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise LinkInvalid()
    rows = Submission.objects.select_for_update() if for_update else Submission.objects
    submission = rows.filter(pk=data["s"]).first()
    if submission is None:
        raise LinkInvalid()
    if not submission.link_nonce or not secrets.compare_digest(
        submission.link_nonce, str(data.get("n", ""))
    ):
        raise LinkUsed()
    return submission


def spend(submission) -> None:
    """Mark the submission's link used: it works no more."""
    submission.link_nonce = ""
    submission.save(update_fields=["link_nonce"])


# The list of a submitter's submissions: a link naming an e-mail address, not a submission.
def _list_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt="submissions.link.mine")


def list_issue(email: str) -> str:
    """A token opening the submissions of `email` (compared without case)."""
    return _list_signer().sign_object({"e": email.strip().lower()})


def list_url(token: str, language: str = "en") -> str:
    """The absolute URL of the list a token opens, in the submitter's language."""
    with translation.override(language):
        return settings.SITE_URL + reverse("submissions:mine-list", args=[token])


def list_read(token: str) -> str:
    """The e-mail address a list token names, or LinkInvalid or LinkExpired."""
    data = _unsign(token, _list_signer())
    if not isinstance(data, dict) or not isinstance(data.get("e"), str) or "@" not in data["e"]:
        raise LinkInvalid()
    return data["e"]
