"""Signed links sent to a submitter: to confirm their e-mail, and to revise a submission
sent back to them. A link names the submission and a nonce the submission keeps; issuing
a new link or using one clears or replaces the nonce, so each link works once, and none
works after settings.SUBMISSIONS["LINK_MAX_AGE_DAYS"]."""

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


def url(token: str, purpose: Purpose, language: str = "en") -> str:
    """The absolute URL of a token's page, in the submitter's language."""
    with translation.override(language):
        path = reverse(f"submissions:{purpose}", args=[token])
    return settings.SITE_URL + path


def read(token: str, purpose: Purpose, *, for_update: bool = False):
    """The submission a token names, or LinkInvalid, LinkExpired or LinkUsed."""
    from submissions.models import Submission

    max_age = settings.SUBMISSIONS["LINK_MAX_AGE_DAYS"] * 86400
    try:
        data = _signer(purpose).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired() from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise LinkInvalid() from None
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
