from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from gfmd.proxies import client_address


class AnonymousClientThrottle(AnonRateThrottle):
    """Limits anonymous clients by address; the rate is read from settings on each request."""

    def get_rate(self):
        return settings.API_ANONYMOUS_RATE

    def get_ident(self, request):
        """The address django-axes locks out by too: X-Forwarded-For only from trusted
        proxies, so that a made-up header does not buy a fresh allowance."""
        return client_address(request)
