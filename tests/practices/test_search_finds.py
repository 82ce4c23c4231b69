"""Search that finds: every word first, then any; prefixes; countries by name, code or the
report's idiom; highlighted passages; filters, facets and exports on the search page; a
theme's page titled by the theme. On either engine (run on SQLite and PostgreSQL)."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from practices import search, shapes
from practices.models import Country, Practice, Status, Theme
from tests.records import make

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


FLEXI = "flexi-visa-ph-bahrain"  # the report writes "PH"; the text never says Philippines
SAUDI = "saudi-philippines-wages-deposited-in-bank"
DETENTION = "thailand-alternatives-to-detention-children-mou"


def found(text, model=Practice, **kwargs):
    return set(
        search.search(model.objects.published(), text, **kwargs).values_list("slug", flat=True)
    )


def api_slugs(api, **params):
    response = api.get("/api/practices/", {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return {row["slug"] for row in response.json()["results"]}, response


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


# Every word, then any word.


def test_labour_migration_finds_practices(api):
    """The issue's "labour migration", which found nothing, finds the practices with
    either word (no practice has both), and says so."""
    slugs, response = api_slugs(api, q="labour migration")
    assert slugs == found("labour") | found("migration")
    assert response["X-Search-Fallback"] == "any-word"
    assert "X-Search-Fallback" not in api_slugs(api, q="labour migrant")[1]


def test_when_no_record_has_every_word_any_word_finds_and_says_so(api, client):
    """ "detention zanzibar": no record has both; the records with either are shown, the
    page says so and the API's header does."""
    slugs, response = api_slugs(api, q="detention zanzibar")
    assert DETENTION in slugs
    assert response["X-Search-Fallback"] == "any-word"
    assert slugs == api_slugs(api, q="detention")[0]
    html = page(client, "/search/?q=detention+zanzibar")
    assert "No record has all of these words; showing records with any of them." in html
    assert DETENTION in html
    listed = page(client, "/practices/?q=detention+zanzibar")
    assert "showing records with any of them" in listed and DETENTION in listed


def test_records_with_every_word_are_not_mixed_with_those_with_one():
    """While a record has every word, the search shows only such records."""
    both = found("children detention")
    assert DETENTION in both
    assert both < found("children detention", any_word=True)


def test_the_fallback_respects_the_other_filters(api):
    """Any word is looked for among the records the other filters allow, not all."""
    slugs, response = api_slugs(api, q="detention zanzibar", country="MX")
    assert response["X-Search-Fallback"] == "any-word"
    assert DETENTION not in slugs  # Thailand's


def test_a_sample_of_a_search_is_drawn_from_its_records(api):
    """q applies before sample, as it did: the sample holds only records found."""
    everything, _ = api_slugs(api, q="migr")
    sample, _ = api_slugs(api, q="migr", sample=2)
    assert len(sample) == 2 and sample <= everything
    wider, response = api_slugs(api, q="detention zanzibar", sample=1, format="json")
    assert len(wider) == 1 and response["X-Search-Fallback"] == "any-word"


# Prefixes.


def test_a_word_ending_in_a_star_is_a_prefix():
    assert found("migr*") >= found("migrants")
    assert found("migr*") - found("migrants")  # migration, too


def test_the_last_word_is_a_prefix():
    """What the user is still typing finds: "detent" finds detention."""
    assert DETENTION in found("detent")
    assert DETENTION in found("children detent")
    assert found("detent* children") == found("children detent")


def test_a_short_last_word_is_no_prefix():
    assert search.parse("labour mi")[-1].prefix is False
    assert search.parse("labour mig")[-1].prefix is True


# Countries by name, code and idiom.


def test_a_country_name_finds_the_records_the_report_tags_with_its_code(api, client):
    """ "Philippines" finds the Flexi Visa practice, whose text says only "PH"."""
    assert FLEXI in found("Philippines")
    assert FLEXI in found("philippines")
    assert {FLEXI, SAUDI} <= api_slugs(api, q="Philippines")[0]
    assert FLEXI in page(client, "/search/?q=Philippines")


def test_codes_and_the_reports_idioms_find_the_country():
    assert {FLEXI, SAUDI} <= found("PH")
    assert {FLEXI, SAUDI} <= found("PHL")
    assert SAUDI in found("Saudi")
    assert SAUDI in found("Saudi Arabia")
    assert SAUDI in found("household Saudi")


def test_a_country_word_is_ored_with_the_text_and_anded_with_the_rest():
    """A country term matches its records or its name in the text; the other words still
    have to be there."""
    assert found("Philippines visa") == {FLEXI} | (found("Philippines visa") - {FLEXI})
    assert SAUDI not in found("Philippines visa")
    assert found("Philippines zanzibar quokkas") <= found("Philippines zanzibar", any_word=True)


def test_codes_count_only_in_capitals_and_operators_are_no_codes():
    """ "in" stays a word (not India), "AND" is no Andorra."""
    countries = search.country_names()
    assert [term.country for term in search.parse("labour in asia", countries)] == [
        None,
        None,
        None,
    ]
    india = Country.objects.get(alpha2="IN").pk
    assert search.parse("IN", countries)[0].country == india
    assert search.parse("labour AND migration", countries) == search.parse(
        "labour migration", countries
    )


def test_a_country_of_several_words_is_one_term():
    countries = search.country_names()
    terms = search.parse("detention Viet Nam", countries)
    assert terms[-1].words == ("viet", "nam")
    assert terms[-1].country == Country.objects.get(alpha2="VN").pk


# Highlighted passages.


def test_the_search_and_list_pages_mark_the_words_found(client):
    html = page(client, "/search/?q=detention")
    assert re.search(r"<mark>detention</mark>", html, re.IGNORECASE)
    html = page(client, "/practices/?q=detent")
    assert re.search(r"<mark>detention</mark>", html, re.IGNORECASE)
    plain = page(client, "/practices/")
    assert "<mark>" not in plain


def test_a_records_markup_is_escaped_in_its_passage(client):
    """Record text holding <script> shows as text; only the marks are HTML."""
    make(
        slug="quokka-script",
        title="Quokka census",
        text='Quokkas <script>alert("x")</script> & <b>counted</b> on the island of quokka',
        status=Status.PUBLISHED,
    )
    for url in ("/search/?q=quokka", "/practices/?q=quokka"):
        html = page(client, url)
        assert "quokka-script" in html
        assert "<script>alert" not in html and "<b>counted" not in html
        assert "<mark>" in html
    assert (
        search.snippet_html("a <i>b</i> \ue000c\ue001") == "a &lt;i&gt;b&lt;/i&gt; <mark>c</mark>"
    )
    assert search.snippet_html("\ue000c") == "c"


# Odd input: a 200 or a 400, never a 500, on either engine.

NASTY = [
    '"',
    '""',
    '"unbalanced',
    "'",
    "''; DROP TABLE practices_practice; --",
    "*",
    "**",
    "migr**",
    "* migr",
    "NEAR(a b)",
    "a OR",
    "OR",
    "AND NOT",
    "-detention",
    "detention -",
    "(((",
    ")))",
    "a:b",
    "title:detention",
    "detention:*",
    "'migr':*",
    "& | ! <->",
    "<-> detention",
    "¹³",
    "objective ¹³ ²",
    "x²",
    "٣",
    "ℌ",
    "ǅ",
    "ﬁ",
    "e\u0301",
    "\u200b",
    "\ufeffdetention",
    "a_b",
    "__",
    "日本",
    "🙂",
    "\\",
    "\\'",
    "%",
    "%_",
    "{}",
    "$1",
    "x" * 200,
    "detention " * 20,
    " ".join(["a*"] * 66),
    "PH PHL Saudi Viet Nam IN AND CAR",
]


@pytest.mark.parametrize("text", NASTY)
def test_odd_queries_never_fail(api, client, text):
    for url in ("/search/", "/practices/", "/api/practices/"):
        response = (api if url.startswith("/api/") else client).get(url, {"q": text})
        assert response.status_code == 200, (url, text, response.content[:300])


@pytest.mark.parametrize("text", ["a\x00b", "x" * 201, "detention " * 30])
def test_a_nul_or_a_query_too_long_is_a_400(api, client, text):
    for url in ("/search/", "/practices/", "/api/practices/"):
        response = (api if url.startswith("/api/") else client).get(url, {"q": text})
        assert response.status_code == 400, (url, text)


def test_snippets_survive_odd_queries():
    ids = list(Practice.objects.published().values_list("pk", flat=True)[:5])
    for text in NASTY:
        search.snippets(Practice, ids, text)


# The search page: filters, facets, exports; a theme's page.


def test_the_search_page_has_facets_exports_and_removable_filters(client):
    html = page(client, "/search/?q=migrants&country=PH")
    assert 'class="facets"' in html and "<h3>GCM objective</h3>" in html
    assert "/api/practices/?q=migrants&amp;country=PH&amp;format=csv" in html
    assert 'href="/api/practices/?q=migrants&amp;country=PH"' in html
    assert 'class="active-filters"' in html
    assert 'href="?q=migrants"' in html  # removes the country
    assert 'href="?country=PH"' in html  # removes the search
    assert 'type="hidden" name="country" value="PH"' in html  # a new search keeps it


def test_a_theme_page_is_titled_with_the_theme(client):
    theme = Theme.objects.get(slug="labour-rights")
    html = page(client, f"/search/?theme={theme.slug}")
    assert f"<h1>{theme.name}</h1>" in html
    assert f"<title>{theme.name} · Theme" in html
    assert "<h1>Search</h1>" in page(client, "/search/?q=labour")


def test_the_search_page_speaks_french_and_spanish(client):
    html = client.get("/fr/search/?theme=labour-rights").content.decode()
    assert "<h1>" in html and "Thème" in html
    html = client.get("/fr/search/?q=detention+zanzibar").content.decode()
    assert "Aucune fiche ne contient tous ces mots" in html
    html = client.get("/es/search/?q=detention+zanzibar").content.decode()
    assert "Ninguna ficha contiene todas estas palabras" in html


# Caches: each key holds what its value depends on.


def test_a_new_name_for_a_country_finds_its_records_at_once():
    """The country names a search reads are cached per generation: a write to a country
    moves it."""
    assert FLEXI not in found("Pinoyland")
    philippines = Country.objects.get(alpha2="PH")
    philippines.alternative_names = [*philippines.alternative_names, "Pinoyland"]
    philippines.save()
    assert FLEXI in found("Pinoyland")


def test_the_search_pages_facets_follow_its_search_and_filters(client):
    """Another search or another filter, other facets (the key holds every kind's query)."""

    def countries(url):
        html = page(client, url)
        if "<h3>Country</h3>" not in html:  # no record found: no facet
            return []
        facet = html.split("<h3>Country</h3>", 1)[1].split("</ul>", 1)[0]
        return re.findall(r'country=([A-Z]{2})"', facet.replace("&amp;", "&"))

    thailand = countries("/search/?q=detention")
    assert "TH" in thailand
    assert countries("/search/?q=household") != thailand
    assert countries("/search/?q=detention&objective=20") != thailand


# Queries: a fixed number, whatever the data.


def queries(client, url) -> int:
    cache.clear()
    shapes.forget()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries)


SEARCHES = [
    "/search/?q=migrants",
    "/search/?q=detention+zanzibar",
    "/search/?q=Philippines+workers",
    "/practices/?q=migr",
    "/api/practices/?q=migrants",
    "/api/practices/?q=detention+zanzibar&facets=country,objective",
    "/api/practices/?q=Philippines",
]


@pytest.mark.parametrize("url", SEARCHES)
def test_search_query_count_does_not_grow_with_the_data(api, client, url):
    """More matching records, more countries on them: the same number of queries."""
    reader = api if url.startswith("/api/") else client
    before = queries(reader, url)
    philippines = Country.objects.get(alpha2="PH")
    for number in range(30):
        record = make(
            slug=f"more-migrants-{number}",
            title=f"Migrants and workers, detention {number}",
            text="Migrants workers detention migration labour " * 5,
            status=Status.PUBLISHED,
        )
        record.countries.add(philippines, *Country.objects.filter(alpha2__in=["MX", "TH", "FR"]))
    assert queries(reader, url) == before


def test_search_runs_one_query_per_kind_without_a_subquery_per_row():
    """The all-words search of several words, with a country, is one SELECT whose
    subqueries (if any) are not correlated with the record: none names the outer table."""
    for text in ("labour migration", "Philippines workers", "Saudi"):
        for any_word in (False, True):
            matches = search.search(Practice.objects.published(), text, any_word=any_word)
            sql, _ = matches.order_by("-rank").query.sql_with_params()
            for subquery in re.findall(r"\(SELECT .*?\)", sql):
                assert '"practices_practice"."id"' not in subquery, subquery
