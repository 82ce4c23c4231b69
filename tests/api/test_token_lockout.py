"""An editor's API token stops working while the account is inactive or locked out."""

import pytest
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.gfmd.test_proxies import EDITH_AT, PASSWORD, STRANGER_AT, fail_logins

pytestmark = pytest.mark.django_db


@pytest.fixture
def edith():
    return User.objects.create_user("edith", password=PASSWORD, is_staff=True)


def with_token(user, remote_addr: str = EDITH_AT):
    client = APIClient(REMOTE_ADDR=remote_addr)
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client.get("/api/objectives/")


def test_token_signs_in_its_active_user(edith):
    """The baseline: a valid token authenticates its user."""
    response = with_token(edith)

    assert response.status_code == 200
    assert response.wsgi_request.user == edith


def test_token_of_an_inactive_user_is_refused(edith):
    """DRF refuses it with a 401 once the account is deactivated."""
    User.objects.filter(pk=edith.pk).update(is_active=False)

    response = with_token(edith)

    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."


def test_token_is_refused_while_axes_locks_its_user_out(edith):
    """Five failed logins from her address: her token from there is a 401 that says why."""
    fail_logins(EDITH_AT)

    response = with_token(edith)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "locked out after too many failed logins" in response.json()["detail"]


def test_token_works_from_an_address_axes_has_not_locked_out(edith):
    """Lockouts are by username and address: a stranger's failures do not cut edith off."""
    fail_logins(STRANGER_AT)

    assert with_token(edith, EDITH_AT).status_code == 200
    assert with_token(edith, STRANGER_AT).status_code == 401


def test_token_works_again_when_the_lockout_ends(edith):
    """Once axes forgets the failures (cool-off or an admin's reset), the token works."""
    fail_logins(EDITH_AT)
    AxesProxyHandler.reset_attempts(username="edith")

    assert with_token(edith).status_code == 200
