"""Production settings: refuse to start half-configured, and pass Django's deploy check."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-test-key-" + "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "catalogue.example.org",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with only the given DJANGO_* variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "gfmd.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_app_refuses_to_start_without_a_secret_key_when_debug_is_off():
    """The message names the variable to set."""
    result = manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_app_refuses_to_start_without_allowed_hosts_when_debug_is_off():
    result = manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=PRODUCTION["DJANGO_SECRET_KEY"])
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_a_debug_value_that_is_not_a_boolean_is_refused():
    result = manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 1 or 0" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    """`check --deploy --fail-level WARNING` reports nothing."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_postgresql_connections_persist_with_health_checks(settings):
    """Production connections are reused and checked before use."""
    database = settings.DATABASES["default"]
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["CONN_MAX_AGE"] == 600


def setting_values(*names: str, **env: str) -> list[str]:
    """The named settings as a fresh process with the given DJANGO_* variables sees them."""
    code = "from django.conf import settings; " + "; ".join(
        f"print(repr(settings.{name}))" for name in names
    )
    result = manage("shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_language_cookie_is_secure_and_lax_in_production():
    """Like the session and CSRF cookies: HTTPS only when debug is off, never cross-site."""
    assert setting_values("LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_SAMESITE", **PRODUCTION) == [
        "True",
        "'Lax'",
    ]


def test_language_cookie_is_lax_but_not_secure_in_local_development():
    """Local development runs over plain HTTP, where a Secure cookie would not be kept."""
    assert setting_values("LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_SAMESITE") == [
        "False",
        "'Lax'",
    ]


def test_language_switcher_sets_a_secure_lax_cookie_in_production(client, settings):
    """The cookie Django's set_language view writes carries both attributes."""
    settings.LANGUAGE_COOKIE_SECURE = True

    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"}, secure=True)

    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "fr"
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


def test_trusted_proxies_default_to_zero_and_reach_drf():
    """DJANGO_TRUSTED_PROXIES is 0 unless set, and DRF's NUM_PROXIES follows it."""
    names = ("TRUSTED_PROXIES", "REST_FRAMEWORK['NUM_PROXIES']")
    assert setting_values(*names) == ["0", "0"]
    assert setting_values(*names, DJANGO_TRUSTED_PROXIES="2") == ["2", "2"]


def test_trusted_proxies_that_are_not_a_whole_number_are_refused():
    """The message names the variable and the value."""
    result = manage("check", DJANGO_TRUSTED_PROXIES="-1")

    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXIES must be a whole number, 0 or more, not '-1'" in result.stderr
