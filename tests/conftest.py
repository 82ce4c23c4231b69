import io

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation

from practices import shapes


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the reference data and the seeded catalogue once for the whole run."""
    with django_db_blocker.unblock():
        call_command("load_catalogue", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: throttling counts only its own requests, and
    no value cached by an earlier test (whose writes were rolled back) is served."""
    cache.clear()
    shapes.forget()
    yield
    cache.clear()
    shapes.forget()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request in French or Spanish leaves its
    language active in the thread (LocaleMiddleware does not reset it), and a later test's
    command output or rendered text would come out translated."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
