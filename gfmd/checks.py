"""System checks of the shared cache: a Redis cache needs the redis package (without it
every page answers 500) and, in production, a server that answers."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
PING_TIMEOUT = 2  # seconds, so that a deploy check does not hang on an unreachable host


def redis_servers() -> list[tuple[str, str]]:
    """(cache alias, server URL) for every server of every Redis cache, as Django splits
    a LOCATION into a writer and its replicas."""
    servers = []
    for alias, config in settings.CACHES.items():
        if config.get("BACKEND") != REDIS_BACKEND:
            continue
        location = config.get("LOCATION", "")
        urls = re.split("[;,]", location) if isinstance(location, str) else list(location)
        servers += [(alias, url.strip()) for url in urls if url.strip()]
    return servers


def redis_client():
    """The redis package, or None when it cannot be imported."""
    try:
        import redis
    except ImportError:
        return None
    return redis


def shown(url: str) -> str:
    """The URL without its password, fit for a message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


@checks.register(checks.Tags.caches)
def check_redis_client(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A Redis cache without the redis package fails every request that touches it."""
    if not redis_servers() or redis_client() is not None:
        return []
    return [
        checks.Error(
            "REDIS_URL is set (a Redis cache is configured) but the redis package is not "
            "installed, so every page would answer 500.",
            hint="Install the requirements (pip install -r requirements.txt), or unset "
            "REDIS_URL to use the local-memory cache.",
            id="gfmd.E001",
        )
    ]


@checks.register(checks.Tags.caches, deploy=True)
def check_redis_answers(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Each Redis server of the cache answers a PING (deploy only: ordinary checks, such
    as those migrate runs, do not need Redis)."""
    servers = redis_servers()
    redis = redis_client()
    if not servers or redis is None:
        return []  # nothing to ask, or check_redis_client has said why not
    warnings = []
    for alias, url in servers:
        try:
            client = redis.Redis.from_url(
                url, socket_connect_timeout=PING_TIMEOUT, socket_timeout=PING_TIMEOUT
            )
            try:
                client.ping()
            finally:
                client.close()
        except (redis.RedisError, OSError, ValueError) as error:
            warnings.append(
                checks.Warning(
                    f"The Redis server of the {alias!r} cache ({shown(url)}) does not "
                    f"answer: {error}",
                    hint="Start Redis or correct REDIS_URL: every request reads the cache.",
                    id="gfmd.W001",
                )
            )
    return warnings
