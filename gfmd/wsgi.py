"""WSGI entry point, for gunicorn: `gunicorn gfmd.wsgi`."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gfmd.settings")

application = get_wsgi_application()

# Import every view now rather than on the first request, then move what start-up made
# (modules, classes, URL patterns: several hundred thousand objects) out of the garbage
# collector's sight: otherwise each full collection walks them all again, which the
# benchmark saw as the slowest few per cent of requests (bench/README.md).
get_resolver().url_patterns  # noqa: B018 (imports the views)
gc.collect()
gc.freeze()
