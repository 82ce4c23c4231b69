import pytest
from django.contrib.auth.models import Permission, User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.test import APIClient


@pytest.fixture
def api():
    return APIClient()


def user_with(username, *codenames):
    user = User.objects.create_user(username, password="not-a-real-password")
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # fresh, so the permission cache is empty


@pytest.fixture
def reader_client():
    """Signed in, but with no permission on records."""
    client = APIClient()
    client.force_authenticate(user_with("reader"))
    return client


@pytest.fixture
def editor_client():
    """An editor who may add, change and delete practices."""
    client = APIClient()
    client.force_authenticate(
        user_with("editor", "add_practice", "change_practice", "delete_practice")
    )
    return client


def slugs(response) -> set[str]:
    return {row["slug"] for row in response.json()["results"]}


@pytest.fixture
def wsgi_application(db, settings):
    """The app, called in-process through its WSGI handler within the test's transaction
    (so it sees the test's rows), with no anonymous rate limit."""
    from gfmd.wsgi import application

    settings.API_ANONYMOUS_RATE = "100000/minute"
    # As Django's test client does: keep the test's connection open across requests.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield application
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)
