"""Which language a request gets, and the ways to another one.

- Public pages carry it in their path: English at the root (every address cited before
  languages had addresses keeps answering in English), French under /fr/, Spanish under
  /es/. Only the home page `/` looks at the visitor: the language cookie (set by the
  language menu, so choosing English sticks), else Accept-Language; French or Spanish
  is a 302 to /fr/ or /es/.
- The API is not prefixed: `?lang=` first, then Accept-Language, else English; an
  unknown `lang` is a 400 naming it and the accepted values, as the API's other bad
  parameters are. The cookie is a browser's choice for the pages and is not read.
- The admin and the language menu's own view keep the cookie, then Accept-Language.

Every answer says its Content-Language; one whose language came from the request's
headers varies on them.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import trans_real
from django.views.i18n import set_language as django_set_language

API_PREFIX = "/api/"
LANG_PARAMETER = "lang"
# Not public pages: their language is the visitor's, as before languages had addresses.
NEGOTIATED_PREFIXES = ("/admin/", "/i18n/")
SAFE = ("GET", "HEAD")


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def accepted_language(request) -> str:
    """The first language of Accept-Language that the site speaks, else the default."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, with the three rules of this module's docstring."""

    def process_request(self, request):
        path = request.path_info
        refused = None
        if path.startswith(API_PREFIX):
            request.language_varies_on = ("Accept-Language",)
            language = request.GET.get(LANG_PARAMETER) or accepted_language(request)
            if language not in language_codes():
                refused, language = language, accepted_language(request)
        elif path.startswith(NEGOTIATED_PREFIXES):
            request.language_varies_on = ("Accept-Language", "Cookie")
            language = translation.get_language_from_request(request)
        else:
            language = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
            if path == "/":
                request.language_varies_on = ("Accept-Language", "Cookie")
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        if refused is not None:
            return bad_language(refused)
        if path == "/":
            return home_in_preferred_language(request)
        return None

    def process_response(self, request, response):
        varies_on = getattr(request, "language_varies_on", ())
        if varies_on:
            patch_vary_headers(response, varies_on)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def home_in_preferred_language(request):
    """A redirect to the home page in the visitor's language, when that is not English."""
    if request.method not in SAFE:
        return None
    preferred = translation.get_language_from_request(request)  # cookie, Accept-Language
    if preferred == settings.LANGUAGE_CODE:
        return None
    with translation.override(preferred):
        location = reverse("practices:home")
    query = request.META.get("QUERY_STRING", "")
    return HttpResponseRedirect(f"{location}?{query}" if query else location)


def bad_language(value: str) -> JsonResponse:
    message = _("Unknown language %(value)s: use %(languages)s.") % {
        "value": str(value)[:20],
        "languages": ", ".join(language_codes()),
    }
    return JsonResponse({LANG_PARAMETER: [message]}, status=400)


def set_language(request):
    """Django's set_language, reading `next` in its own language: Django resolves it in
    the active one, so /fr/practices/ was no page from an English request and the menu
    stayed on the French page."""
    next_url = request.POST.get("next", request.GET.get("next")) or ""
    next_url = next_url or request.META.get("HTTP_REFERER", "")  # Django's fallback too
    path_language = translation.get_language_from_path(urlsplit(next_url).path)
    with translation.override(path_language or settings.LANGUAGE_CODE):
        return django_set_language(request)


def alternates(request) -> dict:
    """Template context: `language_alternates`, the page's address in each language
    (absolute, query kept) and x-default, the English one; none on an error page."""

    def compute() -> list[tuple[str, str]]:
        if getattr(request, "resolver_match", None) is None:
            return []
        path = request.get_full_path()
        urls = [(code, translate_url(path, code)) for code in language_codes()]
        urls.append(("x-default", dict(urls)[settings.LANGUAGE_CODE]))
        return [(code, request.build_absolute_uri(url)) for code, url in urls]

    return {"language_alternates": compute}
