"""Content negotiation: an unknown `?format=` is a 400 naming the formats, not a 404."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class CatalogContentNegotiation(DefaultContentNegotiation):
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
