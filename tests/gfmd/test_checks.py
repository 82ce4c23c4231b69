"""The shared cache's system checks (gfmd.checks): a Redis cache needs the redis package,
and `check --deploy` asks the server for a PING."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-test-key-" + "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "catalogue.example.org",
}
REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache"}
# `manage.py check --deploy` in a process where `import redis` fails, as without the package.
WITHOUT_REDIS = (
    "import sys; sys.modules['redis'] = None; "
    "from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', 'check', '--deploy'])"
)


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run Python in a fresh process with only the given DJANGO_* and REDIS_URL variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "gfmd.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def unused_port() -> int:
    """A local port nothing listens on (connections to it are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def cache_messages(deploy: bool) -> list[checks.CheckMessage]:
    found = checks.run_checks(tags=[checks.Tags.caches], include_deployment_checks=deploy)
    return [message for message in found if message.id.startswith("gfmd.")]


def test_a_redis_cache_without_the_redis_package_is_an_error(settings, monkeypatch):
    """Not a warning: without the client every page would answer 500."""
    settings.CACHES = {"default": {**REDIS, "LOCATION": "redis://127.0.0.1:6379/15"}}

    with monkeypatch.context() as patch:  # only here: the suite's own cache may be Redis
        patch.setitem(sys.modules, "redis", None)  # `import redis` fails, as if not installed
        messages = cache_messages(deploy=False)

    assert [(m.id, m.level) for m in messages] == [("gfmd.E001", checks.ERROR)]
    assert "REDIS_URL is set" in messages[0].msg
    assert "requirements.txt" in messages[0].hint


def test_the_local_memory_cache_needs_neither_the_package_nor_a_server(settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "redis", None)
        messages = cache_messages(deploy=True)

    assert messages == []


def test_every_server_of_a_replicated_location_is_pinged(settings):
    """Django reads a LOCATION of several URLs as a writer and its replicas."""
    port = unused_port()
    location = f"redis://127.0.0.1:{port}/1,redis://127.0.0.1:{port}/2"
    settings.CACHES = {"default": {**REDIS, "LOCATION": location}}

    messages = cache_messages(deploy=True)

    assert [m.id for m in messages] == ["gfmd.W001", "gfmd.W001"]
    assert f"127.0.0.1:{port}/1" in messages[0].msg
    assert f"127.0.0.1:{port}/2" in messages[1].msg


def test_redis_url_selects_djangos_redis_cache():
    """With REDIS_URL set the default cache is Redis there, with short socket timeouts."""
    code = "from django.conf import settings; print(settings.CACHES['default'])"
    result = run("manage.py", "shell", "--no-imports", "-c", code, REDIS_URL="redis://h:6379/3")

    assert result.returncode == 0, result.stderr
    assert "'django.core.cache.backends.redis.RedisCache'" in result.stdout
    assert "'LOCATION': 'redis://h:6379/3'" in result.stdout
    assert "'socket_connect_timeout': 2" in result.stdout


def test_deploy_check_fails_when_redis_url_is_set_without_the_redis_package():
    """The outside tester's case: REDIS_URL set, redis missing, and the check passed."""
    result = run("-c", WITHOUT_REDIS, REDIS_URL="redis://127.0.0.1:6379/15", **PRODUCTION)

    assert result.returncode != 0
    assert "gfmd.E001" in result.stderr
    assert "the redis package is not installed" in result.stderr


def test_deploy_check_warns_when_redis_does_not_answer():
    """A warning naming the server, without the password of its URL."""
    url = f"redis://:hunter2@127.0.0.1:{unused_port()}/0"
    result = run(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", REDIS_URL=url, **PRODUCTION
    )

    assert result.returncode != 0
    assert "gfmd.W001" in result.stderr
    assert "does not answer" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_ordinary_check_does_not_ask_redis():
    """migrate and runserver's checks work while Redis is down: the PING is deploy-only."""
    result = run("manage.py", "check", REDIS_URL=f"redis://127.0.0.1:{unused_port()}/0")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.skipif(not redis_answers(), reason="no Redis answers at 127.0.0.1:6379")
def test_deploy_check_is_clean_when_redis_answers():
    """`check --deploy --fail-level WARNING` reports nothing with a live Redis."""
    result = run(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        REDIS_URL="redis://127.0.0.1:6379/15",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_is_clean_without_redis_url():
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
