"""The OpenAPI schema is valid, documented and served with its docs from this host only."""

import io
import json
import os
import re
import time
from collections import Counter
from urllib.parse import parse_qs

import pytest
import schemathesis
import yaml
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from jsonschema import Draft4Validator
from openapi_spec_validator import validate as validate_openapi
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from gfmd.wsgi import application

pytestmark = pytest.mark.django_db

load_all_checks()
# Every check schemathesis has. None is left out: the ones that cannot apply to a request
# (use_after_free, ensure_resource_availability: a DELETE in a stateful run; ignored_auth,
# object_level_authorization: operations that require credentials) pass it by.
ALL_CHECKS = CHECKS.get_all()

# Parameters whose well-formed values are not all known rows: a code of no country, a
# slug of no theme, a cursor the server did not make is a documented 400 ("Unknown
# country code: QQ."), as the schema cannot list the rows (they are the data). A case
# naming one is not asked for positive-data acceptance; every other case is.
ROWS_NAMED = {
    "country",
    "region",
    "action",
    "principle",
    "theme",
    "organisation",
    "source",
    "cursor",
}
# Rules between parameters, which a parameter's schema cannot state: a numbered page
# holds at most 200 rows, a cursor walk's 500 (page_size's schema gives the larger bound);
# page_size and per_page, given both, must agree. A case breaking one is a documented 400.
NUMBERED_PAGE_MAX = 200

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "200"))
STATEFUL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", "100"))


@pytest.fixture(scope="module")
def schema_document():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_schema_is_valid_openapi_3(schema_document):
    assert schema_document["openapi"].startswith("3.")
    validate_openapi(schema_document)


def test_every_filter_is_documented_with_its_type(schema_document):
    parameters = {
        p["name"]: p["schema"]
        for p in schema_document["paths"]["/api/practices/"]["get"]["parameters"]
    }
    for name in (
        "country",
        "region",
        "objective",
        "action",
        "principle",
        "theme",
        "organisation",
        "source",
        "year",
        "q",
        "ordering",
        "page",
        "page_size",
        "cursor",
        "facets",
        "format",
    ):
        assert name in parameters, name
    assert parameters["objective"]["items"] == {"type": "integer", "minimum": 1, "maximum": 23}
    assert parameters["year"]["items"] == {"type": "integer", "minimum": 2007, "maximum": 2100}
    responses = schema_document["paths"]["/api/practices/"]["get"]["responses"]
    assert "400" in responses and "text/csv" in responses["200"]["content"]


def test_schema_endpoint_answers(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi" in response.content


def test_interactive_docs_load_nothing_from_another_host(client):
    """Swagger UI's script and style come from this app (drf-spectacular-sidecar)."""
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(not re.match(r"^(https?:)?//", src) for src in sources), sources
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200


def served_schema() -> dict:
    """The schema /api/schema/ serves."""
    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", "--fail-on-warn", stdout=out)
    return json.loads(out.getvalue())


# Its operations are called in-process through the WSGI application, within the test's
# transaction (tests/api/conftest.py: wsgi_application).
SERVED = served_schema()
RECEIVED = {}  # the query string the application last received


def receiving(app):
    """`app`, noting each request's query string as the application gets it: for a
    nested value, schemathesis's transport sends other text than its report shows."""

    def wsgi(environ, start_response):
        RECEIVED["query"] = environ.get("QUERY_STRING", "")
        return app(environ, start_response)

    return wsgi


app_schema = schemathesis.openapi.from_dict(SERVED)
app_schema.app = receiving(application)


def whole(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def items(query: dict) -> list:
    """Each value of the query, as the server splits them (several, comma-separated)."""
    values = [
        v for value in query.values() for v in (value if isinstance(value, list) else [value])
    ]
    return [part for v in values for part in (v.split(",") if isinstance(v, str) else [v])]


def checks_for(case) -> list:
    """All checks, but positive-data acceptance for a case naming rows by value or
    breaking a rule between parameters, and negative-data rejection for a case with a
    blank in a list (select=slug, or " slug"): the server reads a list's items stripped
    and leaves out the empty ones, as it leaves out an empty parameter."""
    query = case.query or {}
    names = {name.removesuffix("__n") for name in query}
    sizes = {whole(query[name]) for name in ("page_size", "per_page") if query.get(name)}
    too_large = max(sizes, default=0) > NUMBERED_PAGE_MAX and "cursor" not in query
    left_out = set()
    if names & ROWS_NAMED or too_large or len(sizes) > 1:
        left_out.add(positive_data_acceptance)
    if any((isinstance(item, str) and item != item.strip()) or item == "" for item in items(query)):
        left_out.add(negative_data_rejection)
    return [check for check in ALL_CHECKS if check not in left_out]


def received_query_is_valid(case) -> bool:
    """Whether the query string received is valid for the operation, read as a server reads
    text: a number from its digits, a list from repeats (or commas, where explode is
    false), an empty value as none (allowEmptyValue). Schemathesis judges a negative case
    by its generated values: region=5 generated as the number 5 is invalid for a list of
    strings, but on the wire it is the valid text "5" (the M49 code of South America)."""
    declared = {
        p["name"]: p
        for p in SERVED["paths"][case.operation.path]["get"].get("parameters", [])
        if p["in"] == "query"
    }
    sent = parse_qs(RECEIVED.get("query", ""), keep_blank_values=True)
    for name, texts in sent.items():
        parameter = declared.get(name)
        if parameter is None:
            return False
        schema = parameter["schema"]
        if texts == [""] and parameter.get("allowEmptyValue"):
            continue
        if schema.get("type") == "array":
            split = parameter.get("explode") is False
            value = [
                wire(part, schema["items"])
                for text in texts
                for part in (text.split(",") if split else [text])
            ]
        elif len(texts) == 1:
            value = wire(texts[0], schema)
        else:
            return False
        if "format" in schema or "format" in schema.get("items", {}):
            return False  # date-time: not judged here, the failure stands
        if not Draft4Validator(schema).is_valid(value):
            return False
    return True


def wire(text: str, schema: dict):
    """A query value as its schema reads it."""
    kinds = {schema.get("type")} | {option.get("type") for option in schema.get("oneOf", [])}
    return int(text) if "integer" in kinds and re.fullmatch(r"-?[0-9]+", text) else text


def validate(case, response, recorder=None) -> None:
    """All checks (checks_for) on the answer; an accepted "negative" case whose query as
    received is valid (received_query_is_valid) is no failure."""
    try:
        case.validate_response(response, checks=checks_for(case), recorder=recorder)
    except FailureGroup as group:
        if not all(
            isinstance(failure, AcceptedNegativeData) and received_query_is_valid(case)
            for failure in group.exceptions
        ):
            raise


CASES: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_cases():
    """How many cases the property-based runs made (shown with pytest -s)."""
    started = time.monotonic()
    yield
    print(
        f"\nschemathesis: {len(CASES)} read operations, {CASES.total()} cases "
        f"(at most {EXAMPLES} fuzzed each, after the schema's examples and the coverage "
        f"phase), {len(ALL_CHECKS)} checks, {time.monotonic() - started:.0f} s"
    )


@app_schema.include(method="GET").parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_read_operation_passes_every_check(case, wsgi_application):
    """Schemathesis calls each read operation with its coverage cases (each parameter at
    its bounds, missing, of the wrong type...) and generated input, valid and invalid:
    every check holds on each answer."""
    CASES[case.operation.label] += 1
    validate(case, case.call())


def test_stateful_run_follows_the_links_from_lists_to_rows(wsgi_application):
    """Schemathesis's state machine calls a list, then the detail its `retrieve` link names
    with the first row's key, and so on: all checks on every step."""
    steps = []

    class ReadingMachine(app_schema.include(method="GET").as_state_machine()):
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            steps.append(case.operation.label)
            validate(case, response, recorder=getattr(self, "recorder", None))

    started = time.monotonic()
    ReadingMachine.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            stateful_step_count=10,
        )
    )
    followed = sum(1 for label in steps if "{" in label)
    print(
        f"\nschemathesis stateful: {STATEFUL_EXAMPLES} scenarios, {len(steps)} steps, "
        f"{followed} of them details, {time.monotonic() - started:.0f} s"
    )
    assert followed > 0


def test_each_list_links_to_the_detail_of_its_rows(schema_document):
    """The OpenAPI links a client (and the stateful run) follows from a list to a row."""
    links = {
        path: operations["get"]["responses"]["200"]["links"]["retrieve"]
        for path, operations in schema_document["paths"].items()
        if path.endswith("/") and "{" not in path
    }
    assert len(links) == 11
    assert links["/api/practices/"] == {
        "operationId": "practices_retrieve",
        "parameters": {"slug": "$response.body#/results/0/slug"},
        "description": "The first row of the page, by its slug.",
    }
    assert links["/api/countries/"]["parameters"] == {"alpha2": "$response.body#/results/0/alpha2"}


def test_the_schema_states_the_data_licence(schema_document):
    assert schema_document["info"]["license"] == {
        "name": "CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }


# What the runs above found, each held by a test of its own.


def test_a_date_time_utc_cannot_hold_reads_as_its_first_instant(api):
    """updated_since before year 1 in UTC was a 500 (the database's overflow)."""
    response = api.get("/api/practices/", {"updated_since": "0001-01-01T00:01:00+01:00"})
    assert response.status_code == 200
    assert response.json()["count"] == api.get("/api/practices/").json()["count"]
    late = api.get("/api/practices/", {"published_since": "9999-12-31T23:59:00-14:00"})
    assert late.status_code == 200 and late.json()["count"] == 0


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_a_whole_list_refuses_a_bad_page_size_as_a_page_does(api, suffix):
    """?format=csv&page_size=-3 was a 200 that ignored page_size."""
    for query in ({"page_size": "-3"}, {"page": "0"}, {"per_page": "x"}):
        response = api.get("/api/practices/", {"format": suffix, **query})
        assert response.status_code == 400, query
        assert list(response.json()) == list(query)
    assert api.get("/api/practices/", {"format": suffix, "page": "last"}).status_code == 200


def test_a_parameter_of_one_value_given_twice_is_refused(api):
    """?q=a&q=b searched for b alone; several values stay welcome where a filter takes them."""
    response = api.get("/api/practices/?q=residence&q=zzz")
    assert response.status_code == 400
    assert list(response.json()) == ["q"]
    assert (
        api.get("/api/practices/?country=UY&country=MX&select=slug&select=title").status_code == 200
    )


def test_an_empty_kind_is_no_kind(api):
    """?kind= was a 400 ("Select a valid choice"), where every other empty filter is none."""
    everything = api.get("/api/recommendations/").json()["count"]
    assert api.get("/api/recommendations/?kind=").json()["count"] == everything
    assert api.get("/api/recommendations/?kind=general,practical").status_code == 200


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_the_exports_are_read_only_operations_of_their_own(api, suffix):
    """/api/practices.csv took a POST (DRF's format suffixes); it lists GET alone now."""
    response = api.get(f"/api/practices.{suffix}", {"country": "UY"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        {"csv": "text/csv", "jsonl": "application/x-ndjson"}[suffix]
    )
    refused = api.post(f"/api/practices.{suffix}", {})
    assert refused.status_code == 405
    assert "POST" not in refused["Allow"]
    assert api.get("/api/practices/uruguay.csv").status_code == 404


def test_a_negation_has_a_name_generated_clients_can_give_it(api):
    """country__n is -country, which openapi-python-client names `country` too."""
    minus = api.get("/api/practices/", {"-country": "UY", "page_size": 200}).json()
    suffixed = api.get("/api/practices/", {"country__n": "UY", "page_size": 200}).json()
    assert suffixed == minus and minus["count"] > 0
