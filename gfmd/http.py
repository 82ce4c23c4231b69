"""HTTP caching for every GET and HEAD: entity tags and what caches may keep.

- `ConditionalGetMiddleware` is Django's, for HEAD too (Django skips HEAD; our views
  answer it with the GET's body, which the server drops, so the tag is the GET's), and a
  request it answers 304 Not Modified is not counted by the API's throttle: the client
  asked whether its copy is still good, and was told so without a page being sent.
- `CacheControlMiddleware` says what may be kept, where a view has not said: a public
  answer (200, 301, 404, 410 to a request without credentials) for
  settings.PUBLIC_MAX_AGE seconds, served stale for up to
  settings.PUBLIC_STALE_WHILE_REVALIDATE more while a cache fetches it again; anything
  answered to a signed-in user or a token, or setting a cookie, `private, no-store`;
  errors `no-store`. Public answers vary on Cookie too: the language can come from one.
"""

from django.conf import settings
from django.middleware import http
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.http import parse_http_date_safe

SAFE = ("GET", "HEAD")
PUBLIC_STATUSES = {200, 301, 404, 410}


class ConditionalGetMiddleware(http.ConditionalGetMiddleware):
    def process_response(self, request, response):
        if request.method not in SAFE:
            return response
        if self.needs_etag(response) and not response.has_header("ETag"):
            set_response_etag(response)
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
    if signed_in or "HTTP_AUTHORIZATION" in request.META or response.cookies:
        return {"private": True, "no_store": True}
    if response.status_code not in PUBLIC_STATUSES:
        return {"no_store": True}
    return {
        "public": True,
        "max_age": settings.PUBLIC_MAX_AGE,
        "stale_while_revalidate": settings.PUBLIC_STALE_WHILE_REVALIDATE,
    }
