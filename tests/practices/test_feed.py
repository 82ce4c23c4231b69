"""The Atom feed: record text reaches feed readers as plain text, never as markup."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from practices.cache import catalogue_changed
from practices.models import Practice

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}
MARKUP = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def feed(client) -> ET.Element:
    response = client.get("/feed/")
    assert response.status_code == 200
    return ET.fromstring(response.content)


def entry_for(root: ET.Element, record) -> ET.Element:
    path = record.get_absolute_url()
    return next(
        entry
        for entry in root.iterfind("atom:entry", ATOM)
        if entry.find("atom:link", ATOM).get("href").endswith(path)
    )


@pytest.fixture
def markup_practice():
    """The newest published practice, whose text looks like markup."""
    practice = Practice.objects.published().order_by("pk").first()
    Practice.objects.filter(pk=practice.pk).update(text=MARKUP, published_at=timezone.now())
    catalogue_changed()
    return practice


def test_summary_is_plain_text_carrying_markup_as_characters(client, markup_practice):
    """A reader gets "<script>" as characters in a type="text" summary, not as markup."""
    summary = entry_for(feed(client), markup_practice).find("atom:summary", ATOM)

    assert summary.get("type") == "text"
    assert summary.text == MARKUP
    assert list(summary) == []


def test_every_summary_is_plain_text(client, markup_practice):
    """No entry's summary is declared html."""
    types = {summary.get("type") for summary in feed(client).iterfind(".//atom:summary", ATOM)}

    assert types == {"text"}


def test_feed_names_its_author(client):
    """RFC 4287: the feed has an author with a name, which its entries inherit."""
    name = feed(client).find("atom:author/atom:name", ATOM)

    assert name is not None
    assert name.text == "GFMD Practice Catalogue"
