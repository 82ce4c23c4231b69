"""Every public page on the seed data: what it shows, what it hides, what it costs."""

import re

import pytest

from practices.models import RECORD_MODELS, Challenge, Country, Practice, Status
from tests.records import make, page_text, uncached_queries

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/countries/",
    "/countries/philippines/",
    "/practices/",
    "/challenges/",
    "/opportunities/",
    "/recommendations/",
    "/practices/?country=PH&objective=6&q=migrants",
    "/search/?q=detention",
    "/objectives/",
    "/objectives/13/",
    "/coverage/",
    "/coverage/?kind=practices&countries=all",
    "/sources/",
    "/sources/gfmd-working-session-human-rights-of-all-migrants/",
    "/about/",
    "/api-guide/",
    "/data/",
    "/practices/thailand-alternatives-to-detention-children-mou/",
    "/feed/",
    "/sitemap.xml",
    "/robots.txt",
]


@pytest.fixture
def draft():
    """A published practice turned back into a draft."""
    practice = Practice.objects.get(slug="thailand-alternatives-to-detention-children-mou")
    Practice.objects.filter(pk=practice.pk).update(status=Status.DRAFT)
    return practice


@pytest.mark.parametrize("url", PAGES)
def test_every_page_answers(client, url):
    page_text(client, url)


def test_home_shows_search_counts_browse_and_recent(client):
    html = page_text(client, "/")
    assert 'role="search"' in html and 'name="q"' in html
    practices = Practice.objects.published().count()
    assert f'href="/practices/">{practices}</a>' in html
    assert "Browse by region" in html and "Browse by GCM objective" in html
    assert "/objectives/13/" in html and "Alternatives to detention" in html
    assert "Recently published" in html


def test_countries_by_region_shows_counts_and_mutes_empty_countries(client):
    html = page_text(client, "/countries/")
    assert 'id="asia"' in html and "South-eastern Asia" in html
    assert re.search(r'<li class="">\s*<a href="/countries/philippines/">Philippines</a>', html)
    # Norway has no record: shown, but muted.
    assert re.search(r'<li class="empty"><a href="/countries/norway/">Norway</a>', html)


def test_philippines_profile_lists_the_saudi_philippines_practice(client):
    html = page_text(client, "/countries/philippines/")
    assert "/practices/saudi-philippines-wages-deposited-in-bank/" in html
    assert "/practices/flexi-visa-ph-bahrain/" in html


def test_country_profile_strip_shows_all_23_objectives(client):
    html = page_text(client, "/countries/philippines/")
    strip = html[html.index('class="objective-strip"') :]
    strip = strip[: strip.index("</ol>")]
    assert strip.count("<li") == 23
    assert strip.count('class="covered"') >= 3
    assert "not covered" in strip


def test_objective_13_lists_thailand_and_mexico_practices(client):
    html = page_text(client, "/objectives/13/")
    assert "/practices/thailand-alternatives-to-detention-children-mou/" in html
    assert "/practices/mexico-national-working-group-gcm-objective-13h/" in html
    assert "13(h)" in html


def test_coverage_cell_for_mexico_and_objective_13_is_not_empty(client):
    html = page_text(client, "/coverage/")
    assert re.search(r'href="/search/\?country=MX&amp;objective=13"[^>]*>[1-9]', html)
    assert "Objectives with no record yet" in html


def test_coverage_for_one_kind_links_to_that_list(client):
    html = page_text(client, "/coverage/?kind=practices")
    assert 'href="/practices/?country=MX&amp;objective=13"' in html
    assert client.get("/coverage/?kind=anecdotes").status_code == 404


def test_list_filters_search_and_facets_keep_state_in_the_url(client):
    html = page_text(client, "/practices/?country=PH")
    assert "4 results" in html
    assert 'aria-current="true"' in html  # the chosen facet value
    assert "?country=PH&amp;country=BH" in html or "country=PH&amp;country=BH" in html
    assert "saudi-philippines-wages-deposited-in-bank" in html
    searched = page_text(client, "/practices/?q=detention")
    assert "thailand-alternatives-to-detention-children-mou" in searched
    assert "1 result" in searched


def test_list_and_search_fold_their_filters_behind_a_summary_counting_the_active_ones(client):
    """A phone sees "Filter" and how many values are chosen, the facets folded (no script)."""
    for path in ("/practices/?country=MX&objective=13", "/search/?country=MX&objective=13"):
        html = page_text(client, path)
        summary = re.search(r'<details class="filters">\s*<summary>(.*?)</summary>', html, re.S)
        assert summary, path
        assert ">Filter</h2>" in summary.group(1)
        assert '<span class="active-count">2 active</span>' in summary.group(1), path
    unfiltered = page_text(client, "/practices/")
    assert 'class="active-count"' not in unfiltered


def test_list_with_a_bad_filter_says_so_with_a_400(client):
    html = page_text(client, "/practices/?objective=99", status=400)
    assert "not a GCM objective" in html


def test_list_is_paginated(client):
    html = page_text(client, "/recommendations/")
    assert "Page 1 of 2" in html
    assert 'rel="next"' in html
    assert "Page 2 of 2" in page_text(client, "/recommendations/?page=2")


def test_record_page_shows_source_citation_links_and_related(client):
    html = page_text(client, "/practices/mexico-national-working-group-gcm-objective-13h/")
    assert "Thematic Session 1" in html
    citation = html[html.index('id="citation"') : html.index('class="copy"')]
    assert "GFMD Practice Catalogue. National working group" in citation
    assert 'Catalogue entry: <a href="http://testserver/practices/mexico-' in citation
    assert "(accessed " in citation
    assert "/api/practices/mexico-national-working-group-gcm-objective-13h/?format=ris" in html
    assert '<link rel="canonical" href="http://testserver/practices/mexico-' in html
    assert "/api/practices/mexico-national-working-group-gcm-objective-13h/" in html
    assert "/countries/mexico/" in html and "/objectives/13/" in html
    assert "Related records" in html


def test_challenge_page_shows_the_practices_that_address_it(client):
    challenge = Challenge.objects.get(text__contains="unaccompanied minors")
    html = page_text(client, challenge.get_absolute_url())
    assert "Practices that address this challenge" in html
    assert "/practices/thailand-alternatives-to-detention-children-mou/" in html


def test_source_page_shows_session_facts_and_its_records(client):
    html = page_text(client, "/sources/gfmd-working-session-human-rights-of-all-migrants/")
    assert "Arturo Cabrera" in html and "John Bingham" in html
    assert "Recommendations <span" in html


def test_a_draft_is_shown_nowhere(client, draft):
    """Not on its page, lists, search, country or objective pages, sitemap or feed."""
    assert client.get(f"/practices/{draft.slug}/").status_code == 404
    for url in (
        "/practices/?page_size=100",
        "/search/?q=detention",
        "/countries/thailand/",
        "/objectives/13/",
        "/sitemap.xml",
        "/feed/",
        "/",
    ):
        assert draft.slug not in page_text(client, url), url
    assert "TH" not in [
        c.alpha2 for c in Country.objects.filter(practice_set__status="published", alpha2="TH")
    ]


def test_sitemap_lists_published_records_and_robots_points_to_it(client):
    sitemap = page_text(client, "/sitemap.xml")
    assert "/practices/mexico-national-working-group-gcm-objective-13h/" in sitemap
    assert "/countries/philippines/" in sitemap
    assert "Sitemap: http://testserver/sitemap.xml" in page_text(client, "/robots.txt")


def test_feed_is_atom_with_newly_published_records(client):
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    assert (
        response.content.decode().count("<entry>")
        == sum(model.objects.published().count() for model in RECORD_MODELS)
        or response.content.decode().count("<entry>") == 50
    )


def test_unknown_page_is_a_friendly_404(client, settings):
    settings.DEBUG = False
    html = page_text(client, "/no/such/page/", status=404)
    assert "Page not found" in html and 'role="search"' in html


def test_500_page_is_friendly_and_self_contained():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html and "{%" not in html


# Cold: the first request of a generation also reads the reference rows' briefs and the
# countries' names (8 queries, practices.shapes).
PAGE_QUERY_LIMITS = {
    "/": 40,
    "/countries/": 20,
    "/countries/philippines/": 40,
    "/practices/?country=PH&objective=6": 25,
    "/search/?q=migrants": 50,
    "/objectives/": 5,
    "/objectives/13/": 40,
    "/coverage/": 10,
    "/sources/": 5,
    "/practices/thailand-alternatives-to-detention-children-mou/": 30,
    "/feed/": 20,
    "/sitemap.xml": 20,
}


@pytest.mark.parametrize(("url", "limit"), PAGE_QUERY_LIMITS.items())
def test_page_query_count_is_bounded(client, url, limit):
    assert uncached_queries(client, url) <= limit


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/countries/",
        "/countries/philippines/",
        "/practices/",
        "/objectives/13/",
        "/coverage/",
        "/coverage/?countries=all",
        "/practices/thailand-alternatives-to-detention-children-mou/",
    ],
)
def test_page_query_count_does_not_grow_with_the_records_shown(client, url):
    """More records, and more countries and objectives on each, cost no more queries."""
    from practices.models import Objective

    def link(countries, objectives):
        for model in RECORD_MODELS:
            for record in model.objects.published():
                record.countries.add(*Country.objects.filter(alpha2__in=countries))
                record.objectives.add(*Objective.objects.filter(number__in=objectives))

    link(["TH", "PH"], [13])  # every kind now shows on every page
    before = uncached_queries(client, url)
    link(["MX", "FR", "NO", "KE"], [1, 2, 3, 4])
    assert uncached_queries(client, url) == before


@pytest.mark.parametrize(
    ("language", "expected"), [("fr", "Pays"), ("es", "Países"), ("en", "Countries")]
)
def test_home_speaks_the_language_of_its_address(client, language, expected):
    path = {"en": "/", "fr": "/fr/", "es": "/es/"}[language]
    html = client.get(path).content.decode()
    assert f'<html lang="{language}">' in html
    assert f">{expected}</a>" in html


def test_language_switcher_remembers_the_choice(client, settings):
    """The menu's old route still answers: to the page in the language, with the cookie."""
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/objectives/"})
    assert response.status_code == 302 and response["Location"] == "/es/objectives/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert '<html lang="es">' in client.get("/es/objectives/").content.decode()


def test_country_names_follow_the_language(client):
    html = client.get("/fr/countries/").content.decode()
    assert ">Mexique</a>" in html


def test_home_counts_in_french(client):
    html = client.get("/fr/").content.decode()
    practices = Practice.objects.published().count()
    assert f'href="/fr/practices/">{practices}</a>' in html


def test_a_country_with_many_records_shows_the_latest_and_links_to_all(client):
    """A profile stays one screen long however many records a country has."""
    template = Practice.objects.get(slug="thailand-alternatives-to-detention-children-mou")
    chad = Country.objects.get(alpha2="TD")
    for number in range(12):
        make(
            slug=f"chad-practice-{number}",
            title=f"Chad practice {number}",
            text="A practice.",
            source=template.source,
            status=Status.PUBLISHED,
            relations={"countries": [chad]},
        )
    html = page_text(client, "/countries/chad/")
    assert html.count("/practices/chad-practice-") == 10
    assert 'href="/practices/?country=TD">See all 12 practices</a>' in html


def test_the_about_page_states_the_data_licence_as_set(client, settings):
    html = client.get("/about/").content.decode()
    assert 'href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>' in html
    settings.DATA_LICENCE, settings.DATA_LICENCE_URL = "ODbL 1.0", "https://opendatacommons.org/"
    assert (
        'href="https://opendatacommons.org/">ODbL 1.0</a>' in client.get("/about/").content.decode()
    )
