"""The language in the URL (gfmd.locale): English at the root, French under /fr/, Spanish
under /es/; only / looks at the visitor; the menu keeps the page and its filters; each
page and the sitemap name their translations; the API takes ?lang=; caches keep each
language apart."""

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

FILTERED = "/practices/?country=MX&objective=6"
SLUG = "thailand-alternatives-to-detention-children-mou"
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.5"}


@pytest.fixture
def api():
    return APIClient()


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)">', response.content.decode()).group(1)


def hreflangs(html: str) -> dict[str, str]:
    found = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)
    return {code: unescape(url) for code, url in found}


def vary(response) -> set[str]:
    return {part.strip() for part in response.get("Vary", "").split(",")}


# Pages in each language.


@pytest.mark.parametrize(
    ("prefix", "language", "heading"),
    [("/fr", "fr", "Pratiques"), ("/es", "es", "Prácticas"), ("", "en", "Practices")],
)
def test_the_practices_list_speaks_the_language_of_its_address(client, prefix, language, heading):
    """/fr/practices/ is French and /es/practices/ Spanish, whatever the browser asks."""
    response = client.get(f"{prefix}/practices/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert html_lang(response) == language and response["Content-Language"] == language
    assert f"<h1>{heading}" in response.content.decode()


def test_every_address_in_the_sitemap_answers_in_english_without_redirecting(client):
    """Old addresses (citations, the sitemap) keep answering, in English, even to a
    browser preferring French: only / redirects."""
    sitemap = client.get("/sitemap.xml").content.decode()
    english = [
        urlsplit(loc).path
        for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)
        if not urlsplit(loc).path.startswith(("/fr/", "/es/"))
    ]
    assert len(english) > 300 and "/practices/" in english
    for path in english:
        if path == "/":
            continue
        response = client.get(path, **FRENCH)
        assert response.status_code == 200, path
        if response["Content-Type"].startswith("text/html"):
            assert html_lang(response) == "en", path


# The home page follows the visitor.


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_home_redirects_to_the_browsers_language(client, language):
    response = client.get("/?utm=x", HTTP_ACCEPT_LANGUAGE=f"{language},en;q=0.5")
    assert response.status_code == 302 and response["Location"] == f"/{language}/?utm=x"
    assert {"Accept-Language", "Cookie"} <= vary(response)


def test_the_home_stays_english_for_an_english_or_unknown_browser(client):
    for header in ("en-GB,en;q=0.9", "de", ""):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
        assert response.status_code == 200 and html_lang(response) == "en"
        assert {"Accept-Language", "Cookie"} <= vary(response)


def test_the_language_cookie_wins_over_accept_language_on_the_home(client):
    """Choosing English in the menu sticks, though the browser prefers French."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/", **FRENCH).status_code == 200
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert client.get("/", **FRENCH)["Location"] == "/es/"


def test_other_english_pages_ignore_the_cookie_and_do_not_vary_on_accept_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get(FILTERED, **FRENCH)
    assert response.status_code == 200 and html_lang(response) == "en"
    assert "Accept-Language" not in vary(response)


# The language menu.


def test_the_menu_posts_the_page_with_its_filters(client):
    html = client.get(f"/fr{FILTERED}").content.decode()
    form = html[html.index('<form class="language"') :]
    assert f'name="next" type="hidden" value="/fr{FILTERED.replace("&", "&amp;")}"' in form


@pytest.mark.parametrize(
    ("start", "language", "landing"),
    [
        (FILTERED, "fr", f"/fr{FILTERED}"),
        (f"/fr{FILTERED}", "es", f"/es{FILTERED}"),
        (f"/fr{FILTERED}", "en", FILTERED),
        ("/fr/", "en", "/"),
        (f"/es/practices/{SLUG}/", "fr", f"/fr/practices/{SLUG}/"),
    ],
)
def test_the_menu_keeps_the_page_and_its_filters(client, start, language, landing):
    response = client.post("/i18n/setlang/", {"language": language, "next": start})
    assert response.status_code == 302 and response["Location"] == landing
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


def test_the_menu_without_next_goes_back_to_the_referring_page_in_the_language(client):
    referer = f"http://testserver/fr{FILTERED}"
    response = client.post("/i18n/setlang/", {"language": "en"}, HTTP_REFERER=referer)
    assert response["Location"] == f"http://testserver{FILTERED}"


def test_choosing_english_on_a_french_page_keeps_the_home_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/fr/"})
    response = client.get("/", **FRENCH)
    assert response.status_code == 200 and html_lang(response) == "en"


# hreflang alternates.


@pytest.mark.parametrize("prefix", ["", "/fr", "/es"])
def test_each_page_names_its_translations_with_the_query_kept(client, prefix):
    html = client.get(f"{prefix}{FILTERED}").content.decode()
    base = "http://testserver"
    assert hreflangs(html) == {
        "en": f"{base}{FILTERED}",
        "fr": f"{base}/fr{FILTERED}",
        "es": f"{base}/es{FILTERED}",
        "x-default": f"{base}{FILTERED}",
    }


def test_a_page_not_found_names_no_translations(client):
    assert hreflangs(client.get("/no-such-page/").content.decode()) == {}


def test_the_sitemap_lists_each_page_in_each_language_with_its_alternates(client):
    sitemap = client.get("/sitemap.xml").content.decode()
    page = f"http://testserver/practices/{SLUG}/"
    french = f"http://testserver/fr/practices/{SLUG}/"
    assert f"<loc>{page}</loc>" in sitemap and f"<loc>{french}</loc>" in sitemap
    entry = sitemap[sitemap.index(f"<loc>{french}</loc>") :].split("</url>")[0]
    links = dict(re.findall(r'hreflang="([^"]+)" href="([^"]+)"', entry))
    assert links == {
        "en": page,
        "fr": french,
        "es": f"http://testserver/es/practices/{SLUG}/",
        "x-default": page,
    }


# The API.


@pytest.mark.parametrize(
    ("params", "headers", "language"),
    [
        ({"lang": "fr"}, {}, "fr"),
        ({"lang": "es"}, FRENCH, "es"),
        ({}, FRENCH, "fr"),
        ({}, {"HTTP_ACCEPT_LANGUAGE": "es-MX"}, "es"),
        ({}, {}, "en"),
        ({"lang": ""}, {}, "en"),
        ({"lang": "en"}, FRENCH, "en"),
    ],
)
def test_the_api_speaks_lang_then_accept_language_then_english(api, params, headers, language):
    """Its messages too: an unknown parameter is refused in the language asked."""
    response = api.get("/api/practices/", {**params, "contry": "MX"}, **headers)
    assert response.status_code == 400 and response["Content-Language"] == language
    assert "Accept-Language" in vary(response)
    message = " ".join(response.json()["contry"])
    expected = {"en": "Unknown parameter", "fr": "Paramètre inconnu", "es": "Parámetro"}
    assert message.startswith(expected[language])


def test_the_api_ignores_the_pages_language_cookie(api):
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert api.get("/api/practices/")["Content-Language"] == "en"


@pytest.mark.parametrize("path", ["/api/practices/", f"/api/practices/{SLUG}/", "/api/countries/"])
def test_the_api_takes_lang_everywhere(api, path):
    response = api.get(path, {"lang": "es"})
    assert response.status_code == 200 and response["Content-Language"] == "es"
    assert "Accept-Language" in vary(response)


@pytest.mark.parametrize("value", ["de", "FR", "fr-fr"])
def test_an_unknown_lang_is_a_400_naming_it_and_the_languages(api, value):
    response = api.get("/api/practices/", {"lang": value})
    assert response.status_code == 400
    message = " ".join(response.json()["lang"])
    assert value in message and "en, fr, es" in message


def test_lang_is_documented_on_every_operation(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            names = {p["name"]: p for p in operation.get("parameters", [])}
            assert names["lang"]["schema"]["enum"] == ["en", "fr", "es"], (path, method)


# Caches keep each language apart.


@pytest.mark.parametrize("path", ["/", "/compare/?countries=MX,PH", "/countries/mexico/plan/"])
def test_a_page_cached_in_french_is_not_served_in_english(path):
    """The "pages" cache (the home's latest records, a comparison, a plan sheet) holds
    links, whose addresses carry the language: its key holds the language."""
    client = Client()
    french = client.get(f"/fr{path}").content.decode()
    english = client.get(path).content.decode()
    assert 'href="/fr/practices/' in french.split("<main")[1]
    assert 'href="/fr/' not in english
    assert 'href="/fr/' in client.get(f"/fr{path}").content.decode().split("<main")[1]


def test_an_api_read_cached_in_one_language_is_not_served_in_another():
    client = Client()
    english = client.get("/api/practices/?country=TH").json()["results"][0]["web_url"]
    french = client.get("/api/practices/?country=TH&lang=fr").json()["results"][0]["web_url"]
    by_header = client.get("/api/practices/?country=TH", **FRENCH).json()["results"][0]
    assert english == f"http://testserver/practices/{SLUG}/"
    assert french == by_header["web_url"] == f"http://testserver/fr/practices/{SLUG}/"


def test_an_english_etag_is_not_confirmed_to_a_french_request():
    """The API's ETag holds the language, even where both answers read the same."""
    client = Client()
    english = client.get("/api/objectives/")
    french = client.get("/api/objectives/", **FRENCH)
    assert english["ETag"] != french["ETag"]
    again = client.get("/api/objectives/", HTTP_IF_NONE_MATCH=english["ETag"], **FRENCH)
    assert again.status_code == 200 and again["Content-Language"] == "fr"


@pytest.mark.parametrize(
    "path",
    [
        "/api/opportunities.csv",
        "/api/opportunities.jsonl",
        "/api/themes.csv",
        "/api/opportunities.ris",
        "/api/challenges.bibtex",
        "/api/sources.csljson",
    ],
)
def test_an_export_in_french_keeps_its_ascii_english_file_name(api, path):
    """A header is ASCII: "opportunités.csv" broke HTTP clients."""
    response = api.get(path, {"lang": "fr"})
    name = path.rsplit("/", 1)[1].replace(".bibtex", ".bib").replace(".csljson", ".json")
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
