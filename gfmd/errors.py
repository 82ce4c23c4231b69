"""Error pages: under /api/ in JSON, as DRF writes its own errors; elsewhere the site's."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def page_not_found(request, exception):
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("A server error occurred.")}, status=500)
    return defaults.server_error(request)
