"""Spam and abuse: the honeypot, the time to fill the form, the rate limit, the purge."""

import datetime
import io
import sqlite3
import time

import psycopg
import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from practices.models import Practice
from submissions import services
from submissions.forms import SHOWN_SALT
from submissions.models import Submission
from submissions.services import SUBMISSIONS_LOCK
from tests.submissions.test_submission_form import send, valid_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def spam_settings(settings):
    settings.SUBMISSIONS = {
        **settings.SUBMISSIONS,
        "MIN_SECONDS_TO_SUBMIT": 5,
        "RATE_LIMIT_SECONDS": 60,
        "UNCONFIRMED_RETENTION_DAYS": 14,
    }


def shown_ago(seconds: int) -> str:
    """The form's signed time, as if it had been shown `seconds` ago."""
    return signing.TimestampSigner(salt=SHOWN_SALT).sign(str(int(time.time()) - seconds))


def test_honeypot_filled_is_refused_quietly(client):
    """A filled hidden field is refused with a generic message and nothing is saved."""
    response = send(client, valid_data(website="http://spam.example", shown=shown_ago(60)))
    assert response.status_code == 400
    page = response.content.decode()
    assert "could not be accepted" in page
    assert "website" not in page.lower().split("<main", 1)[1]
    assert not Submission.objects.exists() and mail.outbox == []


def test_honeypot_is_hidden_from_people_and_assistive_technology(client):
    """The honeypot sits in an element with the hidden attribute, out of the tab order."""
    page = client.get("/submit/").content.decode()
    hidden = page.split("<div hidden>", 1)[1].split("</div>", 1)[0]
    assert 'name="website"' in hidden and 'tabindex="-1"' in hidden


def test_form_sent_too_fast_is_refused_with_a_message(client):
    """A form sent sooner than MIN_SECONDS_TO_SUBMIT after it was shown is refused."""
    response = send(client, valid_data(shown=shown_ago(1)))
    assert response.status_code == 400
    assert "sent too quickly" in response.content.decode()
    assert not Submission.objects.exists()


def test_form_without_a_valid_shown_time_is_refused(client):
    """A forged or missing time counts as too fast."""
    for shown in ("", "123:forged"):
        response = send(client, valid_data(shown=shown))
        assert response.status_code == 400
    assert not Submission.objects.exists()


def test_form_sent_after_the_minimum_time_is_accepted(client):
    """Once the minimum time has passed, the same form goes through."""
    assert send(client, valid_data(shown=shown_ago(6))).status_code == 302
    assert Submission.objects.count() == 1


def test_second_submission_from_one_address_answers_429(client):
    """A second submission from the same address within the window is refused with 429,
    a message and Retry-After, whatever the e-mail."""
    assert send(client, valid_data(shown=shown_ago(60))).status_code == 302
    response = send(client, valid_data(shown=shown_ago(60), submitter_email="other@example.org"))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Please wait" in response.content.decode()
    assert Submission.objects.count() == 1


def test_second_submission_from_one_email_answers_429(client):
    """A second submission with the same e-mail from another address is refused too."""
    assert send(client, valid_data(shown=shown_ago(60))).status_code == 302
    response = send(
        client,
        valid_data(shown=shown_ago(60), submitter_email="ANA@example.org"),
        REMOTE_ADDR="192.0.2.77",
    )
    assert response.status_code == 429 and response["Retry-After"]
    assert Submission.objects.count() == 1


def test_rate_limit_holds_with_the_cache_off(client, settings):
    """The limit is counted from the database, not the cache."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert send(client, valid_data(shown=shown_ago(60))).status_code == 302
    assert send(client, valid_data(shown=shown_ago(60))).status_code == 429


def test_submission_after_the_window_is_accepted(client):
    """Once the window has passed, the same sender may submit again."""
    assert send(client, valid_data(shown=shown_ago(60))).status_code == 302
    Submission.objects.update(created_at=timezone.now() - datetime.timedelta(seconds=61))
    assert send(client, valid_data(shown=shown_ago(60))).status_code == 302
    assert Submission.objects.count() == 2


def test_purge_deletes_old_unconfirmed_submissions_with_their_practices(client):
    """purge_submissions deletes what was never confirmed after the retention period,
    with its draft practice, and keeps the confirmed and the recent ones."""
    for n, address in enumerate(("192.0.2.1", "192.0.2.2", "192.0.2.3")):
        send(
            client,
            valid_data(
                shown=shown_ago(60), title=f"Purge test {n}", submitter_email=f"p{n}@example.org"
            ),
            REMOTE_ADDR=address,
        )
    old = timezone.now() - datetime.timedelta(days=15)
    Submission.objects.filter(practice__title="Purge test 0").update(created_at=old)
    Submission.objects.filter(practice__title="Purge test 1").update(
        created_at=old, state=Submission.State.RECEIVED
    )
    out = io.StringIO()
    call_command("purge_submissions", stdout=out)
    assert "Purged 1 " in out.getvalue()
    titles = set(
        Practice.objects.filter(title__startswith="Purge test").values_list("title", flat=True)
    )
    assert titles == {"Purge test 1", "Purge test 2"}
    assert Submission.objects.count() == 2


def another_connection_may_write() -> bool:
    """Whether a second connection to the test database could take the lock that makes
    submissions one at a time, right now (it gives the lock back at once)."""
    if connection.vendor == "postgresql":
        settings_dict = connection.settings_dict
        with psycopg.connect(
            dbname=settings_dict["NAME"],
            user=settings_dict["USER"],
            password=settings_dict["PASSWORD"] or None,
            host=settings_dict["HOST"] or None,
            port=settings_dict["PORT"] or None,
            autocommit=True,
        ) as other:
            row = other.execute("SELECT pg_try_advisory_lock(%s)", [SUBMISSIONS_LOCK]).fetchone()
            if row[0]:
                other.execute("SELECT pg_advisory_unlock(%s)", [SUBMISSIONS_LOCK])
            return row[0]
    other = sqlite3.connect(connection.settings_dict["NAME"], uri=True, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_the_rate_limit_is_checked_holding_the_lock_of_one_submission_at_a_time(
    client, monkeypatch
):
    """Two submissions sent at the same moment cannot both pass the check: while one is
    checked (and until it is stored and its transaction ends) no other connection can
    begin its own check."""
    seen = []
    check = services.retry_after

    def checked(**kwargs):
        seen.append(another_connection_may_write())
        return check(**kwargs)

    monkeypatch.setattr(services, "retry_after", checked)
    if connection.vendor == "postgresql":
        assert another_connection_may_write()  # no lock before the submission
    else:
        # SQLite: every transaction begins with the write lock (the test's own too).
        assert connection.transaction_mode == "IMMEDIATE"
    assert send(client, valid_data(shown=shown_ago(60))).status_code == 302
    assert seen == [False]
