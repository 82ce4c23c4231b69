"""An Atom feed of newly published records."""

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.dateparse import parse_datetime
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from practices.selectors import recent_records


class PlainTextAtom1Feed(Atom1Feed):
    """Atom whose summaries are plain text: a record's text is written by editors and
    reports, never markup, so a feed reader must show "<script>" as those characters."""

    def add_item_elements(self, handler, item):
        # Django writes a description as type="html"; write it ourselves as type="text".
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class LatestRecordsFeed(Feed):
    feed_type = PlainTextAtom1Feed
    title = _("GFMD Practice Catalogue: newly published")
    link = reverse_lazy("practices:home")
    subtitle = _("Practices, challenges, opportunities and recommendations as they are published.")
    # RFC 4287 asks for an author on the feed or on every entry: the catalogue itself.
    author_name = "GFMD Practice Catalogue"

    def items(self):
        return recent_records(limit=50)

    def item_title(self, entry):
        return f"{str(entry.kind).capitalize()}: {entry.item['title']}"

    def item_description(self, entry):
        return entry.item["text"]

    def item_link(self, entry):
        return entry.item["web_url"]

    def item_pubdate(self, entry):
        return entry.published

    def item_updateddate(self, entry):
        return parse_datetime(entry.item["updated"])
