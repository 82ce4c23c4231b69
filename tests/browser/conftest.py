"""A production-like server (gunicorn, DEBUG off, its own seeded SQLite file) and Debian's
chromium driven by Playwright, for tests that need a real browser."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import gunicorn

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def served_env(folder: Path, **extra: str) -> dict:
    """A served site's environment: production settings on a database file in `folder`
    (not yet made), with `extra` variables."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "browser-tests-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(folder / "static"),
        "API_ANONYMOUS_RATE": "100000/minute",
        "DJANGO_SNAPSHOT_ROOT": str(folder / "snapshots"),
        **extra,
    }


@pytest.fixture(scope="session")
def site_env(tmp_path_factory):
    """Environment of the served site: production settings on a fresh seeded database."""
    env = served_env(tmp_path_factory.mktemp("site"))
    commands = (["migrate", "--noinput"], ["load_catalogue"], ["collectstatic", "--noinput"])
    for command in (*commands, ["export_snapshot"]):  # /data/ lists a snapshot's files
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    return env


@pytest.fixture(scope="session")
def base_url(site_env):
    """The site served by gunicorn, as in production."""
    with gunicorn(site_env, workers=2) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="en-GB")
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    return page


@pytest.fixture
def sized(browser, base_url):
    """A page of a browser window of the size asked (JavaScript on unless told); its
    console errors collected."""
    contexts = []

    def open_page(viewport, javascript=True):
        context = browser.new_context(
            base_url=base_url,
            viewport=viewport,
            locale="en-GB",
            java_script_enabled=javascript,
            accept_downloads=True,
        )
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda message: message.type == "error" and page.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()


def serious_violations(page, **options) -> list[str]:
    """axe-core's serious and critical violations on the page, each with where it is."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, **options)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page, name: str) -> None:
    """Keep the README's screenshots current: every run rewrites them."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
