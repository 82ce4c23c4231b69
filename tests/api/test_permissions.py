"""Who may read and write: anonymous, signed in without permission, editor with it."""

import pytest

from practices.models import Practice, Status

pytestmark = pytest.mark.django_db

NEW_PRACTICE = {
    "slug": "a-new-practice",
    "title": "A new practice",
    "text": "Chad - A practice entered through the API.",
    "countries": ["TD"],
    "objectives": [7],
    "themes": ["legal-frameworks"],
    "source": "gfmd-thematic-session-1-hrba-gcm-nip",
    "section": "Test",
}


@pytest.fixture
def draft():
    practice = Practice.objects.published().first()
    Practice.objects.filter(pk=practice.pk).update(status=Status.DRAFT)
    return practice


def test_anonymous_reads_published_records(api):
    practice = Practice.objects.published().first()
    assert api.get("/api/practices/").status_code == 200
    assert api.get(f"/api/practices/{practice.slug}/").status_code == 200


def test_drafts_are_invisible_to_anonymous_and_to_readers(api, reader_client, draft):
    """A draft is a 404 (not 403) and missing from lists, for everyone without permission."""
    for client in (api, reader_client):
        assert client.get(f"/api/practices/{draft.slug}/").status_code == 404
        listed = client.get("/api/practices/", {"page_size": 100}).json()["results"]
        assert draft.slug not in {row["slug"] for row in listed}


def test_editor_sees_drafts(editor_client, draft):
    response = editor_client.get(f"/api/practices/{draft.slug}/")
    assert response.status_code == 200
    assert response.json()["status"] == "draft"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/practices/"),
        ("put", "/api/practices/{slug}/"),
        ("patch", "/api/practices/{slug}/"),
        ("delete", "/api/practices/{slug}/"),
    ],
)
def test_anonymous_writes_are_401_and_readers_writes_403(api, reader_client, method, path):
    slug = Practice.objects.published().first().slug
    url = path.format(slug=slug)
    anonymous = getattr(api, method)(url, NEW_PRACTICE, format="json")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Token")
    signed_in = getattr(reader_client, method)(url, NEW_PRACTICE, format="json")
    assert signed_in.status_code == 403


def test_editor_creates_updates_and_deletes(editor_client):
    """Each write answers with the ETag of the version it made; the next write sends it."""
    created = editor_client.post("/api/practices/", NEW_PRACTICE, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft"
    assert [c["code"] for c in body["countries"]] == ["TD"]
    assert body["url"].endswith("/api/practices/a-new-practice/")
    assert created["ETag"].startswith('"1-')

    updated = editor_client.patch(
        "/api/practices/a-new-practice/",
        {"title": "Renamed"},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert updated.status_code == 200, updated.content
    assert Practice.objects.get(slug="a-new-practice").title == "Renamed"
    assert updated["ETag"].startswith('"2-')
    assert editor_client.get("/api/practices/a-new-practice/")["ETag"] == updated["ETag"]

    deleted = editor_client.delete("/api/practices/a-new-practice/", HTTP_IF_MATCH=updated["ETag"])
    assert deleted.status_code == 204
    assert not Practice.objects.filter(slug="a-new-practice").exists()


def test_editor_write_with_a_bad_value_is_a_400_naming_the_field(editor_client):
    response = editor_client.post(
        "/api/practices/", {**NEW_PRACTICE, "countries": ["XX"]}, format="json"
    )
    assert response.status_code == 400
    assert "countries" in response.json()


def test_editor_of_practices_cannot_write_challenges(editor_client):
    response = editor_client.post(
        "/api/challenges/", {**NEW_PRACTICE, "slug": "a-challenge"}, format="json"
    )
    assert response.status_code == 403


def test_reference_tables_are_read_only(editor_client):
    assert editor_client.post("/api/countries/", {"name": "Atlantis"}).status_code in (403, 405)
    assert editor_client.delete("/api/countries/PH/").status_code in (403, 405)


def test_an_editor_cannot_publish_through_the_api(editor_client):
    """Only reviewers (publish permission) publish or withdraw: a 403 saying so."""
    response = editor_client.post(
        "/api/practices/", {**NEW_PRACTICE, "status": "published"}, format="json"
    )
    assert response.status_code == 403
    assert "published" in response.json()["detail"]
    assert not Practice.objects.filter(slug=NEW_PRACTICE["slug"]).exists()


def test_a_reviewer_publishes_through_the_api_and_it_is_stamped():
    from rest_framework.test import APIClient

    from .conftest import user_with

    client = APIClient()
    reviewer = user_with("reviewer", "add_practice", "change_practice", "publish_practice")
    client.force_authenticate(reviewer)
    response = client.post(
        "/api/practices/", {**NEW_PRACTICE, "status": "published"}, format="json"
    )
    assert response.status_code == 201, response.content
    practice = Practice.objects.get(slug=NEW_PRACTICE["slug"])
    assert practice.published_by == reviewer and practice.published_at is not None
