"""Citations to download from the API: ?format=ris|bibtex|csljson on every record list
and record, on the sources and each source, and at /api/<list>.ris|bibtex|csljson; one
entry per record of the filtered list; bad formats are a 400 naming them."""

import json

import bibtexparser
import pytest
import rispy

from practices.citations import FORMATS
from practices.models import Recommendation, Source

pytestmark = pytest.mark.django_db

MEXICO = "mexico-national-working-group-gcm-objective-13h"
WORKING_SESSION = "gfmd-working-session-human-rights-of-all-migrants"
MEDIA_TYPES = {
    "ris": "application/x-research-info-systems; charset=utf-8",
    "bibtex": "application/x-bibtex; charset=utf-8",
    "csljson": "application/vnd.citationstyles.csl+json; charset=utf-8",
}


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def keys(name: str, text: str) -> list[str]:
    """The citation keys of a download, each read by its format's own parser."""
    if name == "ris":
        return [entry["id"] for entry in rispy.loads(text)]
    if name == "bibtex":
        library = bibtexparser.parse_string(text)
        assert not library.failed_blocks
        return [entry.key for entry in library.entries]
    return [item["id"] for item in json.loads(text)]


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_records_citation_downloads_in_each_format(api, name):
    """One entry, its media type and a file named after the record."""
    response = api.get(f"/api/practices/{MEXICO}/", {"format": name})
    assert response.status_code == 200
    assert response["Content-Type"] == MEDIA_TYPES[name]
    extension = FORMATS[name].extension
    assert response["Content-Disposition"] == f'attachment; filename="{MEXICO}.{extension}"'
    text = body(response)
    assert keys(name, text) == [f"gfmd-{MEXICO}"]
    assert f"http://testserver/practices/{MEXICO}/" in text


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_filtered_list_downloads_one_entry_per_record(api, name):
    """The whole filtered list, no pages: one entry per record, in the list's order."""
    expected = api.get("/api/practices/", {"country": "PH", "page_size": 200}).json()
    slugs = [f"gfmd-{row['slug']}" for row in expected["results"]]
    assert len(slugs) == expected["count"] > 1
    response = api.get("/api/practices/", {"country": "PH", "format": name, "page_size": 1})
    assert response.status_code == 200
    assert response["Content-Type"] == MEDIA_TYPES[name]
    extension = FORMATS[name].extension
    assert response["Content-Disposition"] == f'attachment; filename="practices.{extension}"'
    assert keys(name, body(response)) == slugs
    exported = api.get(f"/api/practices.{name}", {"country": "PH"})
    assert keys(name, body(exported)) == slugs


def test_every_published_record_of_a_kind_is_in_its_list_download(api):
    response = api.get("/api/recommendations/", {"format": "ris"})
    entries = rispy.loads(body(response))
    assert len(entries) == Recommendation.objects.published().count()
    assert all(entry["access_date"] and entry["urls"] for entry in entries)


def test_a_record_reached_by_accept_header_is_cited_too(api):
    response = api.get(f"/api/practices/{MEXICO}/", HTTP_ACCEPT="application/x-bibtex")
    assert response.status_code == 200
    assert body(response).startswith(f"@misc{{gfmd-{MEXICO},")


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_source_and_the_sources_are_cited_as_reports(api, name):
    one = api.get(f"/api/sources/{WORKING_SESSION}/", {"format": name})
    assert one.status_code == 200 and one["Content-Type"] == MEDIA_TYPES[name]
    extension = FORMATS[name].extension
    assert one["Content-Disposition"] == f'attachment; filename="{WORKING_SESSION}.{extension}"'
    assert keys(name, body(one)) == [f"gfmd-{WORKING_SESSION}"]
    assert f"http://testserver/sources/{WORKING_SESSION}/" in body(one)
    every = api.get("/api/sources/", {"format": name})
    assert len(keys(name, body(every))) == Source.objects.count()


def test_bad_formats_are_a_400_naming_them_never_a_500(api):
    """An unknown format, a citation format where nothing is cited, or a suffix no list
    has; select does not cut a citation short (it needs the whole record)."""
    unknown = api.get("/api/practices/", {"format": "endnote"})
    assert unknown.status_code == 400
    assert "ris" in unknown.json()["format"][0] and "endnote" in unknown.json()["format"][0]
    assert api.get(f"/api/practices/{MEXICO}/", {"format": "mla"}).status_code == 400
    country = api.get("/api/countries/MX/", {"format": "ris"})
    assert country.status_code == 400 and "format" in country.json()
    selected = api.get(f"/api/practices/{MEXICO}/", {"format": "bibtex", "select": "slug"})
    assert selected.status_code == 200 and "urldate = {" in body(selected)
    listed = api.get("/api/practices/", {"format": "ris", "select": "slug", "country": "PH"})
    assert listed.status_code == 200 and all(e["title"] for e in rispy.loads(body(listed)))
    wrong = api.get(f"/api/practices/{MEXICO}/", {"format": "ris", "select": "colour"})
    assert wrong.status_code == 400 and "select" in wrong.json()
    assert api.get("/api/countries.ris").status_code == 404
    missing = api.get("/api/practices/no-such-record/", {"format": "ris"})
    assert missing.status_code == 404
    bad_filter = api.get("/api/practices/", {"format": "csljson", "country": "ZZ"})
    assert bad_filter.status_code == 400 and "country" in bad_filter.json()
    bad_page = api.get("/api/practices/", {"format": "ris", "page_size": "-3"})
    assert bad_page.status_code == 400


def test_record_list_and_source_pages_link_to_each_format(client):
    """Cite: RIS · BibTeX · CSL-JSON on a record's page, a filtered list (its filters
    kept, its page left out) and a source's page, which shows its own citation."""
    record = client.get(f"/practices/{MEXICO}/").content.decode()
    for name in FORMATS:
        assert f'href="/api/practices/{MEXICO}/?format={name}"' in record
    listing = client.get("/practices/", {"country": "PH", "page": "1"}).content.decode()
    assert 'href="/api/practices/?country=PH&amp;format=ris"' in listing
    search = client.get("/search/", {"q": "detention", "country": "TH"}).content.decode()
    assert 'href="/api/practices/?q=detention&amp;country=TH&amp;format=bibtex"' in search
    source = client.get(f"/sources/{WORKING_SESSION}/").content.decode()
    assert f'href="/api/sources/{WORKING_SESSION}/?format=csljson"' in source
    citation = source[source.index('id="citation"') : source.index('class="copy"')]
    assert "Global Forum on Migration and Development. Working Session" in citation
    assert "(accessed " in citation


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_list_download_takes_as_many_queries_for_one_record_as_for_many(api, name):
    """The sources are read once, each chunk's links in one query: no query per record."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from practices import shapes

    counts = []
    sizes = []
    for params in ({"country": "TH"}, {"country": "TH,PH,MX,UY,EC"}):
        cache.clear()
        shapes.forget()
        with CaptureQueriesContext(connection) as captured:
            text = body(api.get("/api/practices/", {**params, "format": name}))
        sizes.append(len(keys(name, text)))
        counts.append(len(captured.captured_queries))
    assert sizes[0] < sizes[1], sizes
    assert counts[0] == counts[1], counts
