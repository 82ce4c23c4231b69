"""Countries, regions, objectives and the other reference tables."""

import pytest

from practices.models import Practice

pytestmark = pytest.mark.django_db


def test_root_lists_every_endpoint(api):
    body = api.get("/api/").json()
    assert set(body) >= {
        "practices",
        "challenges",
        "opportunities",
        "recommendations",
        "countries",
        "regions",
        "objectives",
        "principles",
        "themes",
        "organisations",
        "sources",
    }


def test_country_by_alpha2_alpha3_and_slug(api):
    for key in ("PH", "ph", "PHL", "philippines"):
        response = api.get(f"/api/countries/{key}/")
        assert response.status_code == 200, key
        assert response.json()["code"] == "PH"


def test_country_profile_counts_its_records_and_objectives(api):
    """/api/countries/PH/ says how many records of each kind and which objectives they cover."""
    body = api.get("/api/countries/PH/").json()
    assert (
        body["practices_count"]
        == Practice.objects.published().filter(countries__alpha2="PH").count()
    )
    assert body["subregion"]["name"] == "South-eastern Asia"
    coverage = {row["number"]: row["count"] for row in body["objectives_covered"]}
    assert set(coverage) == set(range(1, 24))
    assert coverage[6] >= 1
    practices_link = body["links"]["practices"]
    assert practices_link.endswith("/api/practices/?country=PH")


def test_country_list_counts_and_filters_by_region(api):
    rows = api.get("/api/countries/", {"region": "south-eastern-asia"}).json()["results"]
    by_code = {row["code"]: row for row in rows}
    assert {"PH", "TH", "VN"} <= set(by_code)
    assert by_code["TH"]["practices_count"] == 1
    assert "MX" not in by_code


def test_region_by_code_or_slug_with_children_and_countries(api):
    asia = api.get("/api/regions/142/").json()
    assert asia["name"] == "Asia"
    assert "south-eastern-asia" in {child["slug"] for child in asia["children"]}
    assert "PH" in {country["code"] for country in asia["countries"]}
    assert api.get("/api/regions/asia/").json()["code"] == "142"
    listed = api.get("/api/regions/", {"level": "region"}).json()["results"]
    assert {row["name"]: row["countries_count"] for row in listed}["Asia"] == asia[
        "countries_count"
    ]


def test_objective_13_with_actions_counts_and_countries(api):
    body = api.get("/api/objectives/13/").json()
    assert body["title"].startswith("Use migration detention only as a measure of last resort")
    assert [action["code"] for action in body["actions"]] == ["13h"]
    assert {"TH", "MX"} <= {c["code"] for c in body["countries"]}
    assert body["practices_count"] >= 2
    assert body["links"]["practices"].endswith("?objective=13")


def test_objectives_list_holds_the_23(api):
    body = api.get("/api/objectives/", {"page_size": 100}).json()
    assert [row["number"] for row in body["results"]] == list(range(1, 24))


def test_themes_principles_organisations_and_sources(api):
    assert api.get("/api/themes/alternatives-to-detention/").json()["practices_count"] >= 1
    assert api.get("/api/principles/child-sensitive/").json()["number"] == 8
    ilo = api.get("/api/organisations/", {"q": "labour"}).json()["results"]
    assert [row["acronym"] for row in ilo] == ["ILO"]
    source = api.get("/api/sources/gfmd-working-session-human-rights-of-all-migrants/").json()
    assert "Arturo Cabrera" in source["chair"]
    assert source["recommendations_count"] == 33


def test_record_links_its_related_rows_briefly_with_urls(api):
    row = api.get("/api/practices/", {"action": "13h"}).json()["results"][0]
    assert row["countries"][0] == {
        "code": "MX",
        "alpha3": "MEX",
        "name": "Mexico",
        "url": "http://testserver/api/countries/MX/",
    }
    assert row["source"]["title"].startswith("Thematic Session 1")
    assert row["web_url"] == f"http://testserver/practices/{row['slug']}/"
    assert api.get(row["web_url"]).status_code == 200


def test_challenge_shows_the_practices_that_address_it(api):
    rows = api.get("/api/challenges/", {"q": "unaccompanied minors"}).json()["results"]
    addressed = rows[0]["addressed_by"]
    assert any("thailand" in practice["slug"] for practice in addressed)
    practice = api.get(addressed[0]["url"]).json()
    assert rows[0]["slug"] in {c["slug"] for c in practice["challenges_addressed"]}
