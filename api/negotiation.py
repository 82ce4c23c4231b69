"""Content negotiation: an unknown `?format=` is a 400 naming the formats, not a 404; a
format named (`?format=csv`, `/api/practices.csv`) is what the client gets, whatever its
Accept header says (a browser sends text/html, which no API format is)."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class CatalogContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        format = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if format:
            renderer = self.filter_renderers(renderers, format)[0]
            return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)

    def filter_renderers(self, renderers, format):
        chosen = [renderer for renderer in renderers if renderer.format == format]
        if not chosen:
            formats = ", ".join(dict.fromkeys(renderer.format for renderer in renderers))
            raise ValidationError(
                {
                    self.settings.URL_FORMAT_OVERRIDE: [
                        _("Unknown format %(format)s: use %(formats)s.")
                        % {"format": str(format)[:20], "formats": formats}
                    ]
                }
            )
        return chosen
