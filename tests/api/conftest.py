import pytest
from django.contrib.auth.models import Permission, User
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
