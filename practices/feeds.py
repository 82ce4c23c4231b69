"""An Atom feed of newly published records."""

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from practices.selectors import recent_records


class LatestRecordsFeed(Feed):
    feed_type = Atom1Feed
    title = _("GFMD Practice Catalogue: newly published")
    link = reverse_lazy("practices:home")
    subtitle = _("Practices, challenges, opportunities and recommendations as they are published.")

    def items(self):
        return recent_records(limit=50)

    def item_title(self, item):
        return f"{item._meta.verbose_name.capitalize()}: {item.title}"

    def item_description(self, item):
        return item.text

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at
