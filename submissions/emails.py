"""The e-mails of submission and review, one function for all: each is a pair of
templates, `submissions/email/<name>_subject.txt` and `submissions/email/<name>.txt`,
rendered in the recipient's language and sent only once the transaction that caused it
commits (a rolled-back step sends nothing). The console backend prints them unless
DJANGO_EMAIL_HOST names an SMTP server (gfmd.settings)."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def render(name: str, *, language: str, context: dict) -> tuple[str, str]:
    """The subject (one line) and body of e-mail `name` in `language`."""
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language):
        subject = render_to_string(f"submissions/email/{name}_subject.txt", context)
        body = render_to_string(f"submissions/email/{name}.txt", context)
    return " ".join(subject.split()), body


def notify(name: str, *, to: list[str] | str, language: str = "en", context: dict) -> None:
    """Send e-mail `name` to `to` after the current transaction commits (at once outside
    one). The templates are rendered now, so a missing one fails the step itself."""
    recipients = [to] if isinstance(to, str) else [address for address in to if address]
    if not recipients:
        return
    subject, body = render(name, language=language, context=context)
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients))
