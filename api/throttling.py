"""How many requests an anonymous client may make: API_ANONYMOUS_RATE, per address."""

import contextlib

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from gfmd.proxies import client_address


class AnonymousClientThrottle(AnonRateThrottle):
    """Limits anonymous clients by address; the rate is read from settings on each request.

    Requests are counted per fixed window (the rate's period) with one atomic increment of
    the cache, where DRF keeps the time of every request of the last period in one cached
    list: at a few hundred requests a second that list, read and written whole on every
    request, cost more than the page it guarded; and two app servers sharing Redis could
    each overwrite the other's list.
    """

    def get_rate(self):
        return settings.API_ANONYMOUS_RATE

    def get_ident(self, request):
        """The address django-axes locks out by too: X-Forwarded-For only from trusted
        proxies, so that a made-up header does not buy a fresh allowance."""
        return client_address(request)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        key = f"{self.key}:{window}"
        # incr() is atomic on Redis and in local memory, and one round trip to Redis in
        # the common case; add() starts a window's count (another client may just have).
        try:
            count = self.cache.incr(key)
        except ValueError:  # no count yet in this window
            count = 1 if self.cache.add(key, 1, self.duration) else self.cache.incr(key)
        # A request answered 304 Not Modified is given back (gfmd.http).
        request._request.refund_throttle = lambda: self.refund(key)
        return count <= self.num_requests

    def refund(self, key: str) -> None:
        with contextlib.suppress(ValueError):  # the window ended meanwhile
            self.cache.decr(key)

    def wait(self):
        """Seconds until the window ends and the client's count starts again."""
        return max(1.0, self.window_end - self.now)
