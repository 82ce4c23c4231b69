from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousClientThrottle(AnonRateThrottle):
    """Limits anonymous clients by address; the rate is read from settings on each request."""

    def get_rate(self):
        return settings.API_ANONYMOUS_RATE
