"""The client's address, read only from what trusted reverse proxies wrote.

Behind a reverse proxy every request comes from the proxy's address, and the client's
own is in X-Forwarded-For, which each proxy appends to: the header's leftmost entries
are whatever the client sent, its rightmost ones are written by the proxies in front of
the app. settings.TRUSTED_PROXIES (DJANGO_TRUSTED_PROXIES) counts those proxies; the API's
throttle (api.throttling) and django-axes (AXES_CLIENT_IP_CALLABLE) both ask
client_address(), so a client cannot pick the address it is limited or locked out by.
"""

from django.conf import settings


def client_address(request) -> str | None:
    """REMOTE_ADDR with no trusted proxy; with N, the N-th address from the right of
    X-Forwarded-For (its leftmost, if fewer proxies wrote it), as DRF's NUM_PROXIES reads it."""
    remote_addr = request.META.get("REMOTE_ADDR")
    hops = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    if hops == 0 or not addresses:
        return remote_addr
    return addresses[-min(hops, len(addresses))]
