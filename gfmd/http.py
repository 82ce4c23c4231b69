"""HTTP caching for every GET and HEAD: entity tags and what caches may keep.

- `ConditionalGetMiddleware` is Django's, for HEAD too (Django skips HEAD; our views
  answer it with the GET's body, which the server drops, so the tag is the GET's), and a
  request it answers 304 Not Modified is not counted by the API's throttle: the client
  asked whether its copy is still good, and was told so without a page being sent.
- `CacheControlMiddleware` says what may be kept, where a view has not said: a public
  answer (200, 301, 404, 410 to a request without credentials) for
  settings.PUBLIC_MAX_AGE seconds, served stale for up to
  settings.PUBLIC_STALE_WHILE_REVALIDATE more while a cache fetches it again; anything
  answered to a signed-in user or a token `private, no-store`; an answer setting a
  cookie (a first visit's CSRF cookie) `private, no-cache`; errors `no-store`. Public
  answers vary on Cookie too: the language can come from one.
"""

import hashlib

from django.conf import settings
from django.middleware import http
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import parse_http_date_safe, quote_etag

SAFE = ("GET", "HEAD")
PUBLIC_STATUSES = {200, 301, 404, 410}


class ConditionalGetMiddleware(http.ConditionalGetMiddleware):
    def process_response(self, request, response):
        if request.method not in SAFE:
            return response
        if self.needs_etag(response) and not response.has_header("ETag"):
            set_etag(response)
        etag = response.get("ETag")
        last_modified = parse_http_date_safe(response.get("Last-Modified") or "")
        if not (etag or last_modified):
            return response
        answer = get_conditional_response(
            request, etag=etag, last_modified=last_modified, response=response
        )
        if answer.status_code == 304:
            refund = getattr(request, "refund_throttle", None)
            if refund is not None:
                refund()
        return answer


def set_etag(response) -> None:
    """Django's ETag, by SHA-256 rather than MD5: a page of the API (47 kB) in 31 µs
    rather than 72 (the processors have SHA instructions, not MD5 ones). The language
    is part of it (gfmd.locale sets Content-Language first): an English copy is never
    confirmed to a client asking in French, even where both read the same."""
    if not response.streaming and response.content:
        digest = hashlib.sha256(response.content)
        digest.update(response.get("Content-Language", "").encode())
        response["ETag"] = quote_etag(digest.hexdigest()[:32])


class CacheControlMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in SAFE and not response.has_header("Cache-Control"):
            patch_cache_control(response, **cache_control(request, response))
            if response.get("Cache-Control", "").startswith("public"):
                patch_vary_headers(response, ("Cookie",))
        return response


def cache_control(request, response) -> dict:
    """What caches may do with this answer (see the module's docstring)."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    if signed_in or "HTTP_AUTHORIZATION" in request.META:
        return {"private": True, "no_store": True}
    if response.cookies:  # a first visit's CSRF cookie: the browser's copy only
        return {"private": True, "no_cache": True}
    if response.status_code not in PUBLIC_STATUSES:
        return {"no_store": True}
    return {
        "public": True,
        "max_age": settings.PUBLIC_MAX_AGE,
        "stale_while_revalidate": settings.PUBLIC_STALE_WHILE_REVALIDATE,
    }
