"""Every bad parameter is a 400 whose body names the parameter; never a 500."""

import pytest

pytestmark = pytest.mark.django_db

HUGE = "9" * 40
BAD_REQUESTS = [
    ("/api/practices/", {"country": "XX"}, "country", "Unknown country code: XX"),
    ("/api/practices/", {"country": "PH,Atlantis"}, "country", "ATLANTIS"),
    ("/api/practices/", {"objective": "0"}, "objective", "1 to 23"),
    ("/api/practices/", {"objective": "24"}, "objective", "1 to 23"),
    ("/api/practices/", {"objective": "abc"}, "objective", "not a GCM objective"),
    ("/api/practices/", {"objective": HUGE}, "objective", "not a GCM objective"),
    ("/api/practices/", {"action": "13"}, "action", "such as 13h"),
    ("/api/practices/", {"action": "13z"}, "action", "Unknown GCM action: 13z"),
    ("/api/practices/", {"region": "atlantis"}, "region", "Unknown region"),
    ("/api/practices/", {"theme": "astrology"}, "theme", "Unknown theme: astrology"),
    ("/api/practices/", {"organisation": "acme"}, "organisation", "Unknown organisation"),
    ("/api/practices/", {"source": "nowhere"}, "source", "Unknown source"),
    ("/api/practices/", {"principle": "x"}, "principle", "Unknown guiding principle"),
    ("/api/practices/", {"year": "abc"}, "year", ""),
    ("/api/practices/", {"year": HUGE}, "year", ""),
    ("/api/practices/", {"page": "abc"}, "page", "whole number"),
    ("/api/practices/", {"page": "0"}, "page", "whole number"),
    ("/api/practices/", {"page": HUGE}, "page", "whole number"),
    ("/api/practices/", {"page_size": "-5"}, "page_size", "whole number"),
    ("/api/practices/", {"ordering": "password"}, "ordering", ""),
    ("/api/practices/", {"q": "detention\x00"}, "q", "NUL characters"),
    ("/api/practices/", {"country": "P\x00H"}, "country", "NUL"),
    ("/api/practices/", {"q": "x" * 201}, "q", "at most 200"),
    ("/api/practices/", {"facets": "colour"}, "facets", "Unknown facet: colour"),
    ("/api/practices/", {"cursor": "not-a-cursor"}, "cursor", "Invalid cursor"),
    ("/api/recommendations/", {"kind": "anecdote"}, "kind", ""),
    ("/api/countries/", {"region": "atlantis"}, "region", "Unknown region"),
    ("/api/countries/", {"q": "x\x00"}, "q", ""),
    ("/api/sources/", {"year": HUGE}, "year", ""),
]


@pytest.mark.parametrize(("path", "params", "parameter", "message"), BAD_REQUESTS)
def test_bad_parameter_is_a_400_naming_it(api, path, params, parameter, message):
    response = api.get(path, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert parameter in body
    assert message in " ".join(body[parameter])


def test_bad_parameter_in_a_csv_request_answers_json(api):
    """A client asking for CSV still gets a readable error."""
    response = api.get("/api/practices/", {"format": "csv", "objective": "24"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "objective" in response.json()


def test_page_beyond_the_last_is_not_found(api):
    assert api.get("/api/practices/", {"page": 999}).status_code == 404


def test_unknown_record_country_and_objective_are_not_found(api):
    assert api.get("/api/practices/no-such-practice/").status_code == 404
    assert api.get("/api/countries/XX/").status_code == 404
    assert api.get("/api/objectives/24/").status_code == 404
    assert api.get("/api/objectives/0/").status_code == 404


def test_a_search_of_no_words_finds_nothing_without_error(api):
    """Found by schemathesis: control characters only made the relevance order fail."""
    for q in ("\x84\x81", "!!!", "“”"):
        response = api.get("/api/challenges/", {"q": q})
        assert response.status_code == 200, q
        assert response.json()["count"] == 0
