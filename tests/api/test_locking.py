"""The API's optimistic locking: an ETag carrying the version on every record, If-Match
required on PUT, PATCH and DELETE."""

import pytest
from rest_framework.test import APIClient

from practices.models import Practice
from tests.api.conftest import user_with
from tests.records import change, make

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    client = APIClient()
    user = user_with("etta", "add_practice", "change_practice", "delete_practice")
    client.force_authenticate(user)
    return client


@pytest.fixture
def record():
    return make(slug="api-locking", title="Before", text="Chad - a draft.")


URL = "/api/practices/api-locking/"


def test_every_record_detail_has_an_etag_with_its_version(api, editor, record):
    """Published records for everyone, drafts for editors: the ETag starts with the version."""
    assert editor.get(URL)["ETag"].startswith('"1-')
    published = Practice.objects.published().first()
    assert api.get(f"/api/practices/{published.slug}/")["ETag"].startswith(f'"{published.version}-')


def test_the_etag_changes_with_each_version(editor, record):
    before = editor.get(URL)["ETag"]
    change(record, title="After")
    after = editor.get(URL)["ETag"]
    assert after != before and after.startswith('"2-')


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_write_without_if_match_is_a_428(editor, record, method):
    """Precondition Required, saying what to send; nothing written."""
    body = {"title": "Blind"} if method != "delete" else None
    if method == "put":  # a whole, valid record: only the version is missing
        body = {"slug": record.slug, "title": "Blind", "text": "x", "source": record.source.slug}
    response = getattr(editor, method)(URL, body, format="json")
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert Practice.objects.get(pk=record.pk).version == 1


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_write_from_a_stale_etag_is_a_412_naming_who_and_when(editor, record, method):
    stale = editor.get(URL)["ETag"]
    rival = user_with("rival", "change_practice")
    change(record, title="The rival's", user=rival)
    body = {"title": "Mine"}
    if method == "put":
        body = {
            "slug": record.slug,
            "title": "Mine",
            "text": record.text,
            "source": record.source.slug,
        }
    response = getattr(editor, method)(URL, body, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412, response.content
    answer = response.json()
    assert answer["changed_by"] == "rival" and answer["version"] == 2
    assert answer["changed_at"] and "rival" in answer["detail"]
    assert Practice.objects.get(pk=record.pk).title == "The rival's"


def test_a_write_from_the_current_etag_succeeds_and_answers_the_next(editor, record):
    first = editor.patch(
        URL, {"title": "One"}, format="json", HTTP_IF_MATCH=editor.get(URL)["ETag"]
    )
    assert first.status_code == 200
    second = editor.patch(URL, {"title": "Two"}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert second.status_code == 200
    assert Practice.objects.get(pk=record.pk).title == "Two"


@pytest.mark.parametrize("value", ["*", 'W/"1-abc"', "1", '"one"', '"1-abc", junk'])
def test_an_if_match_that_names_no_version_is_refused(editor, record, value):
    """A star or a weak tag says nothing of the version; an unknown tag cannot match."""
    response = editor.patch(URL, {"title": "X"}, format="json", HTTP_IF_MATCH=value)
    if value == '"1-abc", junk':  # the first tag names version 1, the stored one
        assert response.status_code == 200
        return
    assert response.status_code in (412, 428)
    assert Practice.objects.get(pk=record.pk).title == "Before"


def test_an_editor_cannot_change_or_withdraw_a_published_record(editor):
    """A 403 naming the rule; the record stays as it was and stays public."""
    published = Practice.objects.published().first()
    url = f"/api/practices/{published.slug}/"
    tag = editor.get(url)["ETag"]
    for body in ({"title": "X"}, {"status": "draft"}, {"status": "withdrawn"}):
        response = editor.patch(url, body, format="json", HTTP_IF_MATCH=tag)
        assert response.status_code == 403, body
        assert "reviewer" in response.json()["detail"]
    assert editor.delete(url, HTTP_IF_MATCH=tag).status_code == 403
    stored = Practice.objects.get(pk=published.pk)
    assert (stored.title, stored.status) == (published.title, published.status)


def test_a_write_the_rules_refuse_is_a_403_even_without_if_match(editor):
    """The rule table answers first: an editor's PATCH of a published record is refused
    as such, not asked for a version."""
    published = Practice.objects.published().first()
    response = editor.patch(f"/api/practices/{published.slug}/", {"title": "X"}, format="json")
    assert response.status_code == 403
