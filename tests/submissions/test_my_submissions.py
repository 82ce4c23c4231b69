"""My submissions: a link e-mailed on request opens the list of an address's submissions;
a signed-in account sees its own; from the list a submitter confirms or revises."""

import re
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from practices.models import Source, Status
from submissions import emails, links, services
from submissions.models import Call, Submission
from tests.records import make
from tests.submissions.reviewing import a_submission

pytestmark = pytest.mark.django_db

ASK = "/submit/mine/"


def ask(client, email="ana@example.org", **extra):
    return client.post(ASK, {"email": email, "website": ""}, **extra)


def list_path(email="ana@example.org") -> str:
    return f"/submit/mine/{links.list_issue(email)}/"


def mine_of(email: str, title: str, state=Submission.State.RECEIVED) -> Submission:
    submission = a_submission(title=title, state=state)
    Submission.objects.filter(pk=submission.pk).update(submitter_email=email)
    submission.refresh_from_db()
    return submission


def test_asking_e_mails_a_link_that_opens_the_list(client, django_capture_on_commit_callbacks):
    """The address asked for gets an e-mail whose link lists its submissions."""
    mine_of("Ana@Example.org", "Ana's practice")
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, "ana@example.org")
    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    (message,) = mail.outbox
    assert message.to == ["ana@example.org"]
    assert message.subject == "Your submissions to the GFMD Practice Catalogue"
    link = re.search(r"https?://\S+/submit/mine/\S+/", message.body).group(0)
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200
    assert "Ana&#x27;s practice" in page.content.decode()


def test_the_link_is_written_in_the_language_asked_in(client, django_capture_on_commit_callbacks):
    """Asked from the French page, the e-mail is French and its link opens the French list."""
    mine_of("ana@example.org", "A practice")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/fr/submit/mine/", {"email": "ana@example.org"}).status_code == 200
    (message,) = mail.outbox
    assert "/fr/submit/mine/" in message.body
    assert "Vos soumissions" in message.subject


def test_unknown_address_gets_the_same_answer_and_no_e_mail(
    client, django_capture_on_commit_callbacks
):
    """Whether or not an address has submitted, the page answers the same."""
    mine_of("ana@example.org", "A practice")
    with django_capture_on_commit_callbacks(execute=True):
        known = ask(client, "ana@example.org", REMOTE_ADDR="10.0.0.1")
        unknown = ask(client, "nobody@example.org", REMOTE_ADDR="10.0.0.2")
    assert known.status_code == unknown.status_code == 200

    def text(response):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert text(known) == text(unknown)
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]


def test_list_shows_only_that_address_submissions(client):
    """The list names the address's submissions (any case) and none of another's."""
    call = Call.objects.create(
        title="Labour migration 2026",
        slug="labour-2026",
        description="Practices of labour migration.",
        deadline=timezone.localdate(),
        source=Source.objects.order_by("pk").first(),
    )
    mine = mine_of("ANA@example.org", "Ana's first practice")
    Submission.objects.filter(pk=mine.pk).update(call=call)
    rejected = mine_of("ana@example.org", "Ana's rejected practice", Submission.State.REJECTED)
    Submission.objects.filter(pk=rejected.pk).update(decision_reason="Out of scope.")
    mine_of("bob@example.org", "Bob's practice")
    response = client.get(list_path("ana@example.org"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ana&#x27;s first practice" in page and "Ana&#x27;s rejected practice" in page
    assert "Bob&#x27;s practice" not in page and "bob@example.org" not in page
    assert "Labour migration 2026" in page and "/calls/labour-2026/" in page
    assert "Received, awaiting reviewers" in page and "Rejected" in page
    assert "Out of scope." in page
    assert "Ana Pérez" not in page  # no one's contact data but the address's own
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in page


def test_published_submission_links_to_its_practice(client):
    """A published submission links to the practice's public page."""
    practice = make(slug="published-from-the-form", status=Status.PUBLISHED)
    Submission.objects.create(
        practice=practice,
        state=Submission.State.PUBLISHED,
        submitter_name="Ana Pérez",
        submitter_email="ana@example.org",
    )
    page = client.get(list_path()).content.decode()
    assert f'href="{practice.get_absolute_url()}"' in page
    assert "Read it in the catalogue" in page


@pytest.mark.parametrize("bad", ["made-up", "cut"])
def test_broken_list_link_is_refused_with_400(client, bad):
    """A list link made up or cut short answers 400 saying it is not valid."""
    token = "made-up" if bad == "made-up" else links.list_issue("ana@example.org")[:-3]
    response = client.get(f"/submit/mine/{token}/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_other_links_do_not_open_a_list(client):
    """A confirmation link's token is not a list link (each purpose has its own salt)."""
    submission = mine_of("ana@example.org", "A practice")
    token = links.issue(submission, links.Purpose.CONFIRM)
    assert client.get(f"/submit/mine/{token}/").status_code == 400


def test_expired_list_link_is_refused(client, settings):
    """A list link older than LINK_MAX_AGE_DAYS answers 410 saying it expired."""
    mine_of("ana@example.org", "A practice")
    signed_at = timezone.now().timestamp() - (
        settings.SUBMISSIONS["LINK_MAX_AGE_DAYS"] * 86400 + 60
    )
    with mock.patch("django.core.signing.time.time", return_value=signed_at):
        path = list_path()
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_asking_twice_is_refused_429_with_retry_after(client, settings):
    """One link per address and per e-mail in RATE_LIMIT_SECONDS: 429 with Retry-After."""
    settings.SUBMISSIONS = {**settings.SUBMISSIONS, "RATE_LIMIT_SECONDS": 60}
    assert ask(client, "ana@example.org", REMOTE_ADDR="10.0.0.1").status_code == 200
    same_address = ask(client, "other@example.org", REMOTE_ADDR="10.0.0.1")
    same_email = ask(client, "ANA@example.org", REMOTE_ADDR="10.0.0.2")
    for response in (same_address, same_email):
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 60
        assert "asked for a link moments ago" in response.content.decode()
    assert ask(client, "third@example.org", REMOTE_ADDR="10.0.0.3").status_code == 200


def test_rate_limit_keys_name_the_address_and_the_e_mail():
    """The cache keys hold both parts: two people at two addresses do not limit each
    other, and the e-mail is hashed (the cache holds no address)."""
    keys = services.list_link_keys(client="c1", email="Ana@Example.org")
    assert keys != services.list_link_keys(client="c2", email="ana@example.org")
    assert keys[1] == services.list_link_keys(client="c2", email="ana@example.org")[1]
    assert keys[1] != services.list_link_keys(client="c1", email="bob@example.org")[1]
    assert not any("ana" in key.lower() for key in keys)


def test_bad_email_and_honeypot_are_refused_with_400(client):
    """An address that is not one says so; a filled honeypot is refused; nothing sent."""
    response = ask(client, "not-an-address")
    assert response.status_code == 400
    assert "Your e-mail address" in response.content.decode()
    robot = client.post(ASK, {"email": "ana@example.org", "website": "http://spam"})
    assert robot.status_code == 400
    assert mail.outbox == []


def test_signed_in_account_sees_its_own(client):
    """An account sees what it sent and what was sent from its e-mail, at the same URL."""
    user = User.objects.create_user("ana", "Ana@example.org", "pw")
    sent_signed_in = mine_of("elsewhere@example.org", "Sent while signed in")
    Submission.objects.filter(pk=sent_signed_in.pk).update(submitter=user)
    mine_of("ana@example.org", "Sent from her address")
    mine_of("bob@example.org", "Bob's practice")
    client.force_login(user)
    response = client.get(ASK)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sent while signed in" in page and "Sent from her address" in page
    assert "Bob&#x27;s practice" not in page
    assert 'name="email"' not in page


def test_revise_button_issues_a_working_link_and_voids_the_old(client):
    """Revise (POST) redirects to a fresh revision link; the link e-mailed before is void."""
    submission = mine_of("ana@example.org", "Sent back", Submission.State.REVISION)
    old = links.issue(submission, links.Purpose.REVISE)
    path = list_path()
    page = client.get(path).content.decode()
    assert 'value="revise"' in page and "stops working" in page
    response = client.post(path, {"submission": submission.pk, "action": "revise"})
    assert response.status_code == 302
    assert response["Location"].startswith("/revise/")
    assert client.get(response["Location"]).status_code == 200
    assert client.get(f"/revise/{old}/").status_code == 410


def test_revise_is_refused_outside_revision(client):
    """A submission not sent back has no Revise button, and a forged POST changes nothing."""
    submission = mine_of("ana@example.org", "In review", Submission.State.IN_REVIEW)
    path = list_path()
    assert 'value="revise"' not in client.get(path).content.decode()
    response = client.post(path, {"submission": submission.pk, "action": "revise"})
    assert response.status_code == 409
    assert "In review" in response.content.decode()


def test_confirm_from_the_list(client, django_capture_on_commit_callbacks):
    """An unconfirmed submission is confirmed from the list (the link proved the address):
    it enters the queue, the submitter is told, the e-mailed link stops working."""
    submission = mine_of("ana@example.org", "Unconfirmed", Submission.State.UNCONFIRMED)
    emailed = links.issue(submission, links.Purpose.CONFIRM)
    path = list_path()
    assert 'value="confirm"' in client.get(path).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"submission": submission.pk, "action": "confirm"})
    assert response.status_code == 200
    assert "your submission is received" in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == Submission.State.RECEIVED and submission.confirmed_at
    assert mail.outbox[0].to == ["ana@example.org"]
    assert client.post(f"/confirm/{emailed}/").status_code == 410
    again = client.post(path, {"submission": submission.pk, "action": "confirm"})
    assert again.status_code == 409


def test_account_cannot_confirm_an_address_it_has_not_proven(client):
    """Sent while signed in from another address: listed, but not confirmable from here."""
    user = User.objects.create_user("ana", "ana@example.org", "pw")
    submission = mine_of("elsewhere@example.org", "Other address", Submission.State.UNCONFIRMED)
    Submission.objects.filter(pk=submission.pk).update(submitter=user)
    client.force_login(user)
    assert 'value="confirm"' not in client.get(ASK).content.decode()
    response = client.post(ASK, {"submission": submission.pk, "action": "confirm"})
    assert response.status_code == 409
    submission.refresh_from_db()
    assert submission.state == Submission.State.UNCONFIRMED


def test_another_address_submission_cannot_be_acted_on(client):
    """A POST naming someone else's submission is refused and changes nothing."""
    other = mine_of("bob@example.org", "Bob's", Submission.State.UNCONFIRMED)
    mine_of("ana@example.org", "Ana's")
    response = client.post(list_path(), {"submission": other.pk, "action": "confirm"})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.state == Submission.State.UNCONFIRMED


def test_list_query_count_is_bounded(client, django_assert_max_num_queries):
    """The list costs the same few queries however many submissions it shows."""
    for n in range(6):
        mine_of("ana@example.org", f"Practice {n}", Submission.State.REJECTED)
    with django_assert_max_num_queries(2):
        response = client.get(list_path())
    assert response.content.decode().count("<h2 ") == 6


@pytest.mark.parametrize("kind", ["received", "revision_requested", "published", "rejected"])
def test_submitter_e_mails_link_the_list_page(kind):
    """Every e-mail to a submitter says where to see all their submissions."""
    submission = a_submission(language="es")
    context = {
        "submission": submission,
        "title": "T",
        "practice": submission.practice,
        "url": "u",
        "days": 7,
    }
    _subject, body = emails.render(kind, language="es", context=context)
    assert "/es/submit/mine/" in body


@pytest.mark.parametrize("path", ["/submit/", "/submit/sent/", "/"])
def test_pages_link_the_list_page(client, path):
    """The form, the page after sending it, and every page's footer link My submissions."""
    assert 'href="/submit/mine/"' in client.get(path).content.decode()
