"""Filters and search answer the questions users ask of the seed data."""

import pytest

from practices.filtersets import RecordFilterSet
from practices.models import Country, Practice

from .conftest import slugs

pytestmark = pytest.mark.django_db


def country_codes(row):
    return {c["code"] for c in row["countries"]}


def test_practices_of_the_philippines(api):
    """?country=PH lists every published practice naming the Philippines, and only those."""
    response = api.get("/api/practices/", {"country": "PH", "page_size": 100})
    assert response.status_code == 200
    expected = set(
        Practice.objects.published().filter(countries__alpha2="PH").values_list("slug", flat=True)
    )
    assert slugs(response) == expected
    assert response.json()["count"] == len(expected) >= 4
    assert all("PH" in country_codes(row) for row in response.json()["results"])


def test_country_filter_takes_alpha3_and_several_codes(api):
    """PHL means PH; MX,TH (or repeated) means either."""
    by_alpha2 = slugs(api.get("/api/practices/", {"country": "PH", "page_size": 100}))
    assert slugs(api.get("/api/practices/", {"country": "PHL", "page_size": 100})) == by_alpha2
    either = api.get("/api/practices/?country=MX,TH&page_size=100")
    repeated = api.get("/api/practices/?country=MX&country=th&page_size=100")
    assert slugs(either) == slugs(repeated)
    assert {code for row in either.json()["results"] for code in country_codes(row)} >= {
        "MX",
        "TH",
    }


def test_practices_on_objective_13(api):
    """Objective 13 (detention as a last resort) holds Thailand's and Mexico's practices."""
    response = api.get("/api/practices/", {"objective": 13})
    rows = response.json()["results"]
    assert {"TH", "MX"} <= {code for row in rows for code in country_codes(row)}
    assert all(13 in [o["number"] for o in row["objectives"]] for row in rows)


def test_mexico_practice_by_action_13h(api):
    response = api.get("/api/practices/", {"action": "13h"})
    rows = response.json()["results"]
    assert len(rows) == 1
    assert country_codes(rows[0]) == {"MX"}
    assert rows[0]["actions"][0]["code"] == "13h"
    assert rows[0]["actions"][0]["label"] == "13(h)"


def test_search_detention_finds_thailands_practice_first(api):
    """Full-text search ranks the practice about detention above the rest."""
    response = api.get("/api/practices/", {"q": "detention"})
    rows = response.json()["results"]
    assert rows, "no result for detention"
    assert "TH" in country_codes(rows[0])


def test_search_is_stemmed_and_combines_words(api):
    """ "detained children" finds the same practice through stemming, every word required
    while some record has them all (then any of them, and the answer says so)."""
    response = api.get("/api/practices/", {"q": "children detention"})
    assert any("TH" in country_codes(row) for row in response.json()["results"])
    assert "X-Search-Fallback" not in response
    wider = api.get("/api/practices/", {"q": "detention zanzibar"})
    assert wider["X-Search-Fallback"] == "any-word"
    assert wider.json()["count"] == api.get("/api/practices/", {"q": "detention"}).json()["count"]


def test_search_residence_finds_uruguay(api):
    rows = api.get("/api/challenges/", {"q": "residence"}).json()["results"]
    assert any("UY" in country_codes(row) for row in rows)


def test_region_filter_includes_its_sub_regions(api):
    """Asia (142) holds South-eastern Asia's practices: Thailand, the Philippines, Viet Nam."""
    asia = api.get("/api/practices/", {"region": "142", "page_size": 100})
    south_eastern = api.get("/api/practices/", {"region": "south-eastern-asia", "page_size": 100})
    assert slugs(south_eastern) <= slugs(asia)
    assert slugs(south_eastern)
    asian = set(
        Country.objects.filter(subregion__parent__code="142").values_list("alpha2", flat=True)
    )
    for row in asia.json()["results"]:
        assert country_codes(row) & asian


def test_region_filter_reaches_intermediate_regions(api):
    """Central America (an intermediate region of Latin America) holds Mexico's practices."""
    rows = api.get("/api/practices/", {"region": "central-america"}).json()["results"]
    assert any("MX" in country_codes(row) for row in rows)
    latin = api.get("/api/practices/", {"region": "419", "page_size": 100})
    assert {row["slug"] for row in rows} <= slugs(latin)


def test_filters_combine(api):
    """Country and objective together narrow to records meeting both."""
    both = slugs(api.get("/api/practices/", {"country": "PH", "objective": 6, "page_size": 100}))
    ph = slugs(api.get("/api/practices/", {"country": "PH", "page_size": 100}))
    six = slugs(api.get("/api/practices/", {"objective": 6, "page_size": 100}))
    assert both == ph & six


def test_theme_organisation_source_and_principle_filters(api):
    assert api.get("/api/practices/", {"theme": "alternatives-to-detention"}).json()["count"] >= 1
    unicef = api.get("/api/practices/", {"organisation": "UNICEF"}).json()["results"]
    assert unicef and all("unicef" in {o["slug"] for o in row["organisations"]} for row in unicef)
    source = "gfmd-working-session-human-rights-of-all-migrants"
    assert api.get("/api/recommendations/", {"source": source}).json()["count"] == 33
    assert api.get("/api/practices/", {"principle": "child-sensitive"}).json()["count"] >= 1


def test_recommendations_filter_by_kind(api):
    response = api.get("/api/recommendations/", {"kind": "further-discussion"})
    assert response.json()["count"] == 3
    assert {row["kind"] for row in response.json()["results"]} == {"further-discussion"}


def test_year_filter_matches_the_source_year(api):
    """The seed sources carry no year, so a year matches nothing (and is not an error)."""
    response = api.get("/api/practices/", {"year": 2019})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_ordering_by_title_both_ways_and_default_is_stable(api):
    titles = [
        r["title"]
        for r in api.get("/api/practices/?ordering=title&page_size=100").json()["results"]
    ]
    assert titles == sorted(titles)
    reverse = [
        r["title"]
        for r in api.get("/api/practices/?ordering=-title&page_size=100").json()["results"]
    ]
    assert reverse == titles[::-1]
    first = api.get("/api/practices/?page_size=100").json()["results"]
    second = api.get("/api/practices/?page_size=100").json()["results"]
    assert [r["slug"] for r in first] == [r["slug"] for r in second]


def test_facets_count_by_country_objective_theme_and_year(api):
    """One request gives a filter panel's counts for the current filters."""
    response = api.get(
        "/api/practices/", {"objective": 13, "facets": "country,objective,theme,year"}
    )
    facets = response.json()["facets"]
    countries = {f["value"]: f["count"] for f in facets["country"]}
    assert countries["TH"] == 1 and countries["MX"] == 1
    objectives = {f["value"]: f["count"] for f in facets["objective"]}
    assert objectives[13] == response.json()["count"]
    assert facets["year"] == []
    assert all(f["label"] for f in facets["theme"])


def test_cursor_walks_the_whole_table_saying_how_long_it_is(api):
    """?cursor= starts a keyset walk; following next visits every record once; each
    page says how many there are in all."""
    seen, url = [], "/api/practices/?cursor=&page_size=7"
    while url:
        body = api.get(url).json()
        assert body["count"] == Practice.objects.published().count()
        seen += [row["slug"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == Practice.objects.published().count()


def test_a_page_size_over_the_cap_is_a_400_naming_the_cap(api):
    response = api.get("/api/countries/", {"page_size": 1000})
    assert response.status_code == 400
    assert response.json()["page_size"] == ["At most 200."]
    assert len(api.get("/api/countries/", {"page_size": 200}).json()["results"]) == 200


def test_search_results_come_in_relevance_order(api):
    """Without ?ordering, q sorts by rank; with it, the asked order wins."""
    from practices.models import Practice
    from practices.search import search

    ranked = list(
        search(Practice.objects.published(), "migrants rights")
        .order_by("-rank", "pk")
        .values_list("slug", flat=True)
    )
    response = api.get("/api/practices/", {"q": "migrants rights", "page_size": 100})
    assert [row["slug"] for row in response.json()["results"]] == ranked
    assert len(ranked) > 1
    by_title = api.get("/api/practices/", {"q": "migrants rights", "ordering": "title"})
    titles = [row["title"] for row in by_title.json()["results"]]
    assert titles == sorted(titles)


def test_each_filterset_has_filters_of_its_own_bound_to_it():
    """RecordFilterSet copies its filters shallowly: each copy is still its own, with
    its method filters calling the filterset that holds them."""
    first = RecordFilterSet({"country": "PH"}, queryset=Practice.objects.all())
    second = RecordFilterSet({"country": "MX"}, queryset=Practice.objects.all())
    for name, filter_ in first.filters.items():
        assert filter_ is not second.filters[name]
        assert filter_ is not RecordFilterSet.base_filters[name]
        assert filter_.parent is first and second.filters[name].parent is second
    assert first.filters["country"].filter.f is first.filters["country"]
