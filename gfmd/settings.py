"""Settings for the GFMD Practice Catalogue, read from the environment.

Local defaults need nothing: DEBUG on, an SQLite file in the project. Production sets
DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL (PostgreSQL);
see .env.example.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean variable; anything but a clear yes or no is a configuration error."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (true or false), not {value!r}.")


def env_count(name: str, default: int) -> int:
    """Read a whole number of things, 0 or more; anything else is a configuration error."""
    value = os.environ.get(name, "")
    if value == "":
        return default
    if not (value.isascii() and value.isdigit()):
        raise ImproperlyConfigured(f"{name} must be a whole number, 0 or more, not {value!r}.")
    return int(value)


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list."""
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # Refuse to run in production with a key anyone can read in this file.
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set DJANGO_SECRET_KEY to a long random string "
            "when DJANGO_DEBUG is off (see .env.example)."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set. Set it to the site's host names, comma-separated, "
        "when DJANGO_DEBUG is off."
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# The reverse proxies in front of the app, each appending to X-Forwarded-For: the client's
# address is read from that header only this many hops from its right (gfmd.proxies), and
# with 0 the header is ignored, for a client can write anything there.
TRUSTED_PROXIES = env_count("DJANGO_TRUSTED_PROXIES", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "csp",
    "simple_history",
    "import_export",
    "admin_auto_filters",  # the record lists' searched filters (practices.admin)
    "axes",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "practices",
    "submissions",
    "synthetic",
    "api",
    "gfmd",  # its system checks (gfmd.checks)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETags and 304s for GET and HEAD; then what caches may keep (on the 304s too).
    "gfmd.http.ConditionalGetMiddleware",
    "gfmd.http.CacheControlMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: from the path for pages, ?lang= for the API (gfmd.locale).
    "gfmd.locale.LocaleMiddleware",
    # After locale (its message is translated) and CORS (an API client can read it).
    "gfmd.nul.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed logins for a username from one address lock it out for an hour: that
# username from that address only, so that a stranger cannot lock an editor out. The
# address is the one the API's throttle uses too (gfmd.proxies).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "gfmd.proxies.client_address"

# Off: django-import-export's escaping deletes a leading "=" (and only "="). Every export
# quotes formulas with "'" instead, which the import takes off (practices.spreadsheets).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

ROOT_URLCONF = "gfmd.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gfmd.locale.alternates",
            ],
        },
    },
]

WSGI_APPLICATION = "gfmd.wsgi.application"

# SQLite in the project by default; PostgreSQL (psycopg 3) when DATABASE_URL points there.
# Persistent connections with health checks, so a restarted database is reconnected to.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A transaction takes SQLite's write lock when it begins, not at its first write: two
    # at once queue (up to the timeout) instead of one failing with "database is locked",
    # and a check-then-write (the submissions' rate limit) is never interleaved.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Like the session and CSRF cookies: not sent with cross-site posts, and (below) only over
# HTTPS in production.
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Production hardening: on whenever DEBUG is off. Behind a TLS-terminating proxy, set
# DJANGO_SECURE_PROXY_SSL_HEADER=1 so that Django trusts X-Forwarded-Proto.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy: only this app's own scripts, styles, images and fonts; no inline
# script or style on the public pages. The admin is left out: Django 5.2's admin still
# uses a few inline styles.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The JSON API: public reads, writes for editors with the model's permission.
API_ANONYMOUS_RATE = os.environ.get("API_ANONYMOUS_RATE", "600/minute")
# How long browsers and shared caches may keep a public answer, and serve it stale while
# they fetch it again (gfmd.http): an editor's change reaches every reader within these.
PUBLIC_MAX_AGE = env_count("DJANGO_PUBLIC_MAX_AGE", 60)
PUBLIC_STALE_WHILE_REVALIDATE = env_count("DJANGO_PUBLIC_STALE_WHILE_REVALIDATE", 600)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous write is told 401 with WWW-Authenticate; a
        # token stops working while axes locks its user out.
        "api.authentication.LockoutAwareTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.CatalogContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CatalogPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonymousClientThrottle"],
    # Never None, with which DRF would take a client's X-Forwarded-For as it is.
    "NUM_PROXIES": TRUSTED_PROXIES,
    "DEFAULT_SCHEMA_CLASS": "api.schema.CatalogAutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The licence of the catalogue's data (records and reference tables), stated on /about/
# and in the API schema's info.
DATA_LICENCE = os.environ.get("DJANGO_DATA_LICENCE", "CC BY 4.0")
DATA_LICENCE_URL = os.environ.get(
    "DJANGO_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"
)
# Where manage.py export_snapshot writes the bulk snapshots that /data/ serves (one folder
# each, and LATEST naming the newest). With several app servers, a folder they all mount.
SNAPSHOT_ROOT = Path(os.environ.get("DJANGO_SNAPSHOT_ROOT", BASE_DIR / "snapshots"))
SPECTACULAR_SETTINGS = {
    "TITLE": "GFMD Practice Catalogue API",
    "LICENSE": {"name": DATA_LICENCE, "url": DATA_LICENCE_URL},
    "DESCRIPTION": (
        "Migration policy practices, challenges, opportunities and recommendations reported "
        "at the Global Forum on Migration and Development, linked to countries and to the 23 "
        "objectives of the Global Compact for Migration. Public and read-only for anonymous "
        "clients; JSON or CSV."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.postprocess",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "practices.models.Organisation.Kind",
        "RecommendationKindEnum": "practices.models.Recommendation.Kind",
    },
}
# Reads are open to any origin; writes need a session or token and no cross-origin access.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "Content-Disposition", "X-Search-Fallback"]

# The largest file the admin imports; bigger ones go through manage.py import_records.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("DJANGO_IMPORT_MAX_MB", "20")) * 1024 * 1024

# Local memory by default, one per process: right for one app server. Several app servers
# share one Redis (REDIS_URL, such as redis://127.0.0.1:6379/0), so that the API's throttle
# counts every request of a client once; cached pages are keyed by the catalogue's
# generation in the database (practices.cache), so no server serves another's stale value.
# gfmd.checks fails when REDIS_URL is set without the redis package, and `check --deploy`
# warns when the server does not answer.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        # Django's default of 300 entries is culled by a burst of distinct API URLs, which
        # then takes the pages' costlier entries with it.
        "OPTIONS": {"MAX_ENTRIES": 3000},
    }
}
if os.environ.get("DJANGO_CACHE") == "off":  # for measuring the uncached app
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
elif REDIS_URL:
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # A Redis that does not answer fails a request in seconds instead of holding
        # every worker until TCP gives up.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    }

# E-mail: printed on the console unless an SMTP server is configured (DJANGO_EMAIL_HOST...).
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_count("DJANGO_EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "catalogue@localhost")
# The address people see in e-mails' links (the catalogue's public origin).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Public submissions and their review (submissions.services).
SUBMISSIONS = {
    # The smallest panel an editor may assign: this many UN and non-UN reviewers.
    "PANEL_UN": env_count("GFMD_PANEL_UN", 1),
    "PANEL_NON_UN": env_count("GFMD_PANEL_NON_UN", 2),
    # How long a signed link (confirmation, revision) works.
    "LINK_MAX_AGE_DAYS": env_count("GFMD_LINK_MAX_AGE_DAYS", 7),
    # An unconfirmed submission is purged after this many days (manage.py purge_submissions).
    "UNCONFIRMED_RETENTION_DAYS": env_count("GFMD_UNCONFIRMED_RETENTION_DAYS", 14),
    # A reviewer who has not answered is reminded after this many days.
    "REMINDER_DAYS": env_count("GFMD_REVIEW_REMINDER_DAYS", 7),
    # Spam controls: a form sent sooner than this after it was shown is refused, and one
    # address or e-mail submits at most once per this many seconds.
    "MIN_SECONDS_TO_SUBMIT": env_count("GFMD_MIN_SECONDS_TO_SUBMIT", 5),
    "RATE_LIMIT_SECONDS": env_count("GFMD_SUBMISSION_RATE_SECONDS", 60),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
