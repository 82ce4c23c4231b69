"""Optimistic locking: a change names the version it was made from, and of two changes
from one version exactly one is saved, whichever door they come through."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections

from practices import editing
from practices.models import Practice, Status
from tests.api.conftest import user_with
from tests.records import change, make

pytestmark = pytest.mark.django_db


def test_a_change_from_an_older_version_is_refused_naming_who_and_when():
    """The second of two changes made from version 1 is refused; the first stays."""
    record = make(slug="locking-two-editors")
    rosa = user_with("rosa-locking", "change_practice")
    editing.record_update(record=record, user=rosa, version=1, values={"title": "Rosa's"})
    # Not a superuser, so the rule table is what lets the operator through.
    with pytest.raises(editing.StaleVersion) as refused:
        editing.record_update(
            record=record, user=editing.OPERATOR, version=1, values={"title": "Mine"}
        )
    assert refused.value.who == "rosa-locking"
    assert "version 2" in str(refused.value) and "version 1" in str(refused.value)
    assert Practice.objects.get(pk=record.pk).title == "Rosa's"


def test_a_change_without_a_version_is_refused():
    """A missing version is a refused save, not a skipped check."""
    record = make(slug="locking-no-version")
    with pytest.raises(editing.VersionRequired):
        editing.record_update(
            record=record, user=editing.OPERATOR, version=None, values={"title": "Blind"}
        )
    assert Practice.objects.get(pk=record.pk).version == 1


def test_each_change_is_one_version_and_one_history_row():
    record = make(slug="locking-versions")
    record = change(record, title="Second")
    record = change(record, status=Status.IN_REVIEW)
    assert record.version == 3
    assert record.history.count() == 3


def test_the_admin_refuses_a_form_without_its_version(client):
    """Leaving out the version field is refused, not a skipped check."""
    record = make(slug="locking-admin-no-version")
    client.force_login(User.objects.create_superuser("sue-locking", password=None))
    data = {
        "title": "No version sent",
        "slug": record.slug,
        "text": record.text,
        "status": record.status,
        "source": record.source_id,
        "practice_challenges_addressed-TOTAL_FORMS": 0,
        "practice_challenges_addressed-INITIAL_FORMS": 0,
    }
    response = client.post(f"/admin/practices/practice/{record.pk}/change/", data)
    assert response.status_code == 200
    assert "seen_version" in response.context["adminform"].form.errors
    assert Practice.objects.get(pk=record.pk).title != "No version sent"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite takes one writer at a time; the race needs two connections writing at once",
)
@pytest.mark.django_db(transaction=True)
def test_two_connections_saving_one_version_at_once_exactly_one_wins():
    """Two threads, each with its own database connection, save from the same version
    at the same moment, ten times over: each time exactly one is saved."""
    record = make(slug="locking-race")
    try:
        for attempt in range(10):
            version = Practice.objects.get(pk=record.pk).version
            outcomes = race(record, version, attempt)
            assert sorted(outcomes) == ["saved", "stale"], outcomes
            assert Practice.objects.get(pk=record.pk).version == version + 1
    finally:
        stored = Practice.objects.get(pk=record.pk)
        editing.record_delete(record=stored, user=editing.OPERATOR, version=stored.version)


def race(record, version: int, attempt: int) -> list[str]:
    start = threading.Barrier(2)
    outcomes = []

    def save(title):
        try:
            start.wait()
            editing.record_update(
                record=record, user=editing.OPERATOR, version=version, values={"title": title}
            )
            outcomes.append("saved")
        except editing.StaleVersion:
            outcomes.append("stale")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(f"{who} {attempt}",)) for who in "AB"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
