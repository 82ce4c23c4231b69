"""Two app servers, one truth: a change written through one server is read at once
through the other, whose cache was warm with the old value.

Each server is gunicorn with one worker and production settings; both use one fresh
PostgreSQL database, created and dropped here, and one Redis database. Skipped only when
PostgreSQL (127.0.0.1:5432, user postgres) or Redis (127.0.0.1:6379) does not answer;
CI starts both. Select with `pytest -m servers`.
"""

import html
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.servers import gunicorn, manage

POSTGRES = "postgres://postgres@127.0.0.1:5432"
# A Redis database of its own: the suite's conftest flushes the one of REDIS_URL (15 in CI)
# around every test, which would empty this test's warm cache.
REDIS_URL = "redis://127.0.0.1:6379/14"
DATABASE = f"gfmd_two_servers_{os.getpid()}"

pytestmark = pytest.mark.servers


def postgres_admin():
    """An autocommit connection to the server's maintenance database, or a skip."""
    import psycopg

    try:
        return psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL does not answer at 127.0.0.1:5432 as postgres: {error}")


def redis_flushed() -> None:
    """Empty this test's Redis database, or skip when Redis does not answer."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.flushdb()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis does not answer at 127.0.0.1:6379: {error}")
    finally:
        client.close()


@pytest.fixture(scope="module")
def site_env(tmp_path_factory):
    """Production settings on a fresh, seeded PostgreSQL database and an empty Redis db,
    with a reviewer's API token (reviewers may change published records)."""
    redis_flushed()
    admin = postgres_admin()
    admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    admin.execute(f"CREATE DATABASE {DATABASE}")
    folder = tmp_path_factory.mktemp("two-servers")
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
        },
        "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
        "REDIS_URL": REDIS_URL,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "two-servers-tests-" + "s" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(folder / "static"),
        "API_ANONYMOUS_RATE": "100000/minute",
        "ACCOUNT_PASSWORD": "a-long-reviewer-password-" + "p" * 10,
    }
    try:
        for command in (
            ["migrate", "--noinput"],
            ["load_catalogue"],
            ["collectstatic", "--noinput"],
            ["create_account", "rita", "--role", "reviewer"],
        ):
            manage(env, *command)
        token = manage(env, "drf_create_token", "rita").split()[2]
        yield {**env, "TOKEN": token, "FOLDER": str(folder)}
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.close()


@pytest.fixture(scope="module")
def servers(site_env):
    """Two gunicorn servers of one worker each, on their own ports: (url_a, url_b)."""
    env = {k: v for k, v in site_env.items() if k not in ("TOKEN", "FOLDER")}
    folder = Path(site_env["FOLDER"])
    with (
        gunicorn(env, log=folder / "gunicorn-a.log") as url_a,
        gunicorn(env, log=folder / "gunicorn-b.log") as url_b,
    ):
        yield url_a, url_b


def fetch(url: str, *, method: str = "GET", body=None, headers=None):
    """(status, headers, text) of one request; error statuses are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def read(url: str) -> str:
    status, _, text = fetch(url)
    assert status == 200, f"{url}: {status} {text[:500]}"
    return text


def test_a_change_written_through_one_server_is_read_at_once_through_the_other(servers, site_env):
    """A reviewer's PATCH through A; B's API detail, record page and both lists, read
    (and so cached) before, show the new title on the next request."""
    a, b = servers
    first = json.loads(read(f"{b}/api/practices/?page_size=1"))["results"][0]
    slug, old, country = first["slug"], first["title"], first["countries"][0]["code"]
    urls = {
        "API detail": f"{b}/api/practices/{slug}/",
        "API list": f"{b}/api/practices/?country={country}&page_size=100",
        "record page": f"{b}/practices/{slug}/",
        "list page": f"{b}/practices/?country={country}",
    }
    for name, url in urls.items():  # B's cache holds the old title now
        assert html.escape(old) in read(url) or old in read(url), name
    new = f"Read through the other server {os.getpid()}"

    auth = {"Authorization": f"Token {site_env['TOKEN']}"}
    status, headers, _ = fetch(f"{a}/api/practices/{slug}/", headers=auth)
    assert status == 200
    status, _, text = fetch(
        f"{a}/api/practices/{slug}/",
        method="PATCH",
        body={"title": new},
        headers={**auth, "If-Match": headers["ETag"]},
    )
    assert status == 200, text

    stale = [name for name, url in urls.items() if new not in read(url)]
    assert stale == [], f"B still shows the old title on: {', '.join(stale)}"
    assert json.loads(read(urls["API detail"]))["title"] == new
    assert html.escape(old) not in read(urls["record page"])
