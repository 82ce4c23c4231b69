"""The client's address behind reverse proxies: one reading (gfmd.proxies) for the API's
throttle and for django-axes, which trusts X-Forwarded-For only from trusted proxies."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from gfmd.proxies import client_address

PROXY = "10.0.0.2"
EDITH_AT = "203.0.113.10"
STRANGER_AT = "198.51.100.66"
PASSWORD = "x-Unguessable-9"


def address(remote_addr: str, forwarded_for: str | None = None) -> str | None:
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client_address(RequestFactory().get("/", **headers))


# The reading


def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    """With DJANGO_TRUSTED_PROXIES=0 the header is the client's to write: REMOTE_ADDR."""
    settings.TRUSTED_PROXIES = 0

    assert address(STRANGER_AT, "1.2.3.4") == STRANGER_AT


def test_one_trusted_proxy_gives_the_rightmost_forwarded_address(settings):
    """The proxy appends the address it saw; what the client sent before it is ignored."""
    settings.TRUSTED_PROXIES = 1

    assert address(PROXY, f"1.2.3.4, {EDITH_AT}") == EDITH_AT


def test_two_trusted_proxies_give_the_second_address_from_the_right(settings):
    """The outer proxy saw the client; the inner one saw the outer proxy."""
    settings.TRUSTED_PROXIES = 2

    assert address(PROXY, f"1.2.3.4,{EDITH_AT} , 10.0.0.1") == EDITH_AT


def test_fewer_forwarded_addresses_than_proxies_give_the_leftmost(settings):
    """As DRF's NUM_PROXIES reads it; no header at all is REMOTE_ADDR."""
    settings.TRUSTED_PROXIES = 3

    assert address(PROXY, f"{EDITH_AT}, 10.0.0.1") == EDITH_AT
    assert address(PROXY) == PROXY


def test_settings_give_drf_and_axes_the_same_reading(settings):
    """DRF's NUM_PROXIES is the trusted proxies, never None; axes calls client_address."""
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXIES == 0
    assert settings.AXES_CLIENT_IP_CALLABLE == "gfmd.proxies.client_address"


# The API's throttle


@pytest.fixture
def three_a_minute(settings):
    settings.API_ANONYMOUS_RATE = "3/minute"


@pytest.mark.django_db
def test_made_up_forwarded_for_buys_no_fresh_allowance(client, three_a_minute, settings):
    """Without trusted proxies, a new X-Forwarded-For on each request changes nothing."""
    settings.TRUSTED_PROXIES = 0
    statuses = [
        client.get(
            "/api/objectives/", REMOTE_ADDR=STRANGER_AT, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}"
        ).status_code
        for n in range(4)
    ]

    assert statuses == [200, 200, 200, 429]


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_has_its_own_allowance(client, three_a_minute, settings):
    """Clients sharing the proxy's address are told apart; prepending buys nothing."""
    settings.TRUSTED_PROXIES = 1

    def get(forwarded_for):
        return client.get(
            "/api/objectives/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for
        ).status_code

    assert [get(STRANGER_AT) for _ in range(3)] == [200, 200, 200]
    assert get(f"1.2.3.4, {STRANGER_AT}") == 429
    assert get(EDITH_AT) == 200


# django-axes


@pytest.fixture
def edith(db):
    return User.objects.create_user("edith", password=PASSWORD, is_staff=True)


def log_in(password: str, remote_addr: str, forwarded_for: str | None = None):
    """Post the admin's login form as `edith`, from a fresh client."""
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client().post(
        "/admin/login/?next=/admin/", {"username": "edith", "password": password}, **headers
    )


def fail_logins(remote_addr: str, times: int = 5, forwarded_for=lambda n: None) -> None:
    """Enough wrong passwords for edith to lock her out, as axes sees the client: the
    login form answers each, and the last with axes' 429."""
    statuses = [log_in("wrong", remote_addr, forwarded_for(n)).status_code for n in range(times)]
    assert statuses == [200] * (times - 1) + [429]


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_failed_logins_lock_edith_out_from_that_address_only(edith):
    """Five wrong passwords from A: locked out from A, not from B."""
    fail_logins(STRANGER_AT)

    assert log_in(PASSWORD, STRANGER_AT).status_code == 429
    assert logged_in(log_in(PASSWORD, EDITH_AT))


def test_made_up_forwarded_for_neither_spreads_nor_escapes_a_lockout(edith, settings):
    """Without trusted proxies, a stranger claiming edith's address in X-Forwarded-For
    locks out only his own address, however he varies the header."""
    settings.TRUSTED_PROXIES = 0

    fail_logins(STRANGER_AT, forwarded_for=lambda n: f"{EDITH_AT}, 1.2.3.{n}")

    assert log_in(PASSWORD, STRANGER_AT, forwarded_for="5.6.7.8").status_code == 429
    assert logged_in(log_in(PASSWORD, EDITH_AT))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER_AT}


def test_behind_a_trusted_proxy_lockout_follows_the_forwarded_client(edith, settings):
    """Every login comes from the proxy's address; axes locks out the client behind it."""
    settings.TRUSTED_PROXIES = 1

    fail_logins(PROXY, forwarded_for=lambda n: f"{EDITH_AT}, {STRANGER_AT}")

    assert log_in(PASSWORD, PROXY, forwarded_for=STRANGER_AT).status_code == 429
    assert logged_in(log_in(PASSWORD, PROXY, forwarded_for=EDITH_AT))
