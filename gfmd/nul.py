"""NUL characters refused at the door, for every view at once.

PostgreSQL cannot store or compare a string holding NUL (U+0000): a query given one
raises, and the request would end in a 500. No URL or parameter of this site has a use
for it, so a request whose path holds one answers 404 (no such page), and one whose query
string holds one answers 400 naming the parameter: JSON under /api/, plain text elsewhere
(the pages, the admin's filters and autocomplete). Form bodies are left to the forms,
whose fields already refuse NUL with a message of their own.
"""

from django.http import HttpResponseBadRequest, HttpResponseNotFound, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path_info:
            message = _("No page has a NUL character in its address.")
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message}, status=404)
            return HttpResponseNotFound(message, content_type="text/plain; charset=utf-8")
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or NUL in query:
            named = sorted(
                {
                    name[:40].replace(NUL, "\\x00")
                    for name, values in request.GET.lists()
                    if NUL in name or any(NUL in value for value in values)
                }
            )
            if named:
                return refusal(request, named)
        return self.get_response(request)


def refusal(request, names: list[str]):
    message = _("NUL characters are not allowed in a parameter.")
    if request.path_info.startswith("/api/"):
        return JsonResponse({name: [message] for name in names}, status=400)
    return HttpResponseBadRequest(
        f"{message} ({', '.join(names)})", content_type="text/plain; charset=utf-8"
    )
