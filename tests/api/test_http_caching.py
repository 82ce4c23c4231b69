"""What caches may keep (Cache-Control), entity tags on GET and HEAD, and 304s that the
throttle does not count (gfmd.http)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token

from practices.models import Practice
from tests.records import change

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.mark.parametrize(
    "path", ["/api/practices/", "/api/countries/PH/", "/api/practices/?format=csv", "/api/"]
)
def test_an_anonymous_read_may_be_kept_a_minute_and_served_stale_while_refetched(api, path):
    response = api.get(path)
    assert response.status_code == 200
    assert directives(response) == {"public", "max-age=60", "stale-while-revalidate=600"}
    assert "Cookie" in response["Vary"]


def test_the_ages_are_settings(api, settings):
    settings.PUBLIC_MAX_AGE, settings.PUBLIC_STALE_WHILE_REVALIDATE = 5, 30
    assert directives(api.get("/api/themes/")) == {
        "public",
        "max-age=5",
        "stale-while-revalidate=30",
    }


def test_a_missing_record_may_be_kept_an_error_may_not(api):
    assert "public" in directives(api.get("/api/practices/no-such-record/"))
    assert directives(api.get("/api/practices/", {"objective": "99"})) == {"no-store"}


def test_a_token_read_is_private_and_not_stored():
    user = User.objects.create_user("tokenreader", password="x-Unguessable-9")
    token = Token.objects.create(user=user)
    response = Client().get("/api/practices/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert directives(response) == {"private", "no-store"}


def test_a_signed_in_page_is_private_and_not_stored():
    client = Client()
    client.force_login(User.objects.create_user("reader", password="x-Unguessable-9"))
    assert directives(client.get("/practices/")) == {"private", "no-store"}
    assert directives(client.get("/api/practices/")) == {"private", "no-store"}


def test_a_write_says_nothing_of_caching(api):
    response = api.post("/api/practices/", {"title": "x"}, format="json")
    assert response.status_code in (401, 403)
    assert "public" not in directives(response)


@pytest.mark.parametrize(
    "path", ["/api/practices/", "/api/countries/", "/api/objectives/13/", "/api/"]
)
def test_head_has_the_entity_tag_of_get_and_answers_304(client, path):
    tag = client.get(path)["ETag"]
    head = client.head(path)
    assert head.status_code == 200
    assert head["ETag"] == tag
    assert head.content == b""
    assert client.head(path, HTTP_IF_NONE_MATCH=tag).status_code == 304


def test_a_304_carries_the_caching_of_the_200(api):
    tag = api.get("/api/objectives/")["ETag"]
    not_modified = api.get("/api/objectives/", HTTP_IF_NONE_MATCH=tag)
    assert not_modified.status_code == 304
    assert directives(not_modified) == {"public", "max-age=60", "stale-while-revalidate=600"}


def test_304s_are_not_counted_by_the_throttle(api, settings):
    """Three requests a minute: one read, then any number of "is my copy still good?"
    answered 304, then two more reads; the fourth read is the one refused."""
    settings.API_ANONYMOUS_RATE = "3/minute"
    tag = api.get("/api/objectives/")["ETag"]
    for _ in range(5):
        assert api.get("/api/objectives/", HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert api.get("/api/objectives/").status_code == 200
    assert api.get("/api/objectives/").status_code == 200
    assert api.get("/api/objectives/").status_code == 429


def test_a_changed_record_gets_a_new_tag(api):
    practice = Practice.objects.published().first()
    path = f"/api/practices/{practice.slug}/"
    tag = api.get(path)["ETag"]
    change(practice, title="Retitled for the tag")
    assert api.get(path, HTTP_IF_NONE_MATCH=tag).status_code == 200


def test_a_page_setting_the_csrf_cookie_is_kept_by_the_browser_only():
    response = Client().get("/practices/")
    assert "csrftoken" in response.cookies
    assert directives(response) == {"private", "no-cache"}
