"""Token authentication that django-axes' lockout applies to as well."""

from axes.conf import settings as axes_settings
from axes.handlers.proxy import AxesProxyHandler
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

LOCKED_OUT = _(
    "This account is locked out after too many failed logins; its token works again "
    "when the lockout ends."
)


def is_locked_out(request, user) -> bool:
    """Axes' own verdict for this request and user: by AXES_LOCKOUT_PARAMETERS, the
    username from the client's address (gfmd.proxies)."""
    credentials = {axes_settings.AXES_USERNAME_FORM_FIELD: user.get_username()}
    return AxesProxyHandler.is_locked(request, credentials)


class LockoutAwareTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refused while axes locks the token's user out.

    A token is a second way in: without this, an account that axes has locked after
    failed logins would still write through the API. The lockout is the one axes applies
    to the login form, so a stranger's failed logins from elsewhere do not cut an editor
    off. DRF itself refuses the token of an inactive user.
    """

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None and is_locked_out(request._request, found[0]):
            raise exceptions.AuthenticationFailed(LOCKED_OUT)
        return found
