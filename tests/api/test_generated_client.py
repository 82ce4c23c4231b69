"""A Python client generated from the live schema by openapi-python-client calls every read
operation, each parameter at least once, on the seeded catalogue: every answer parses into
the schema's typed model, with no field the schema does not know."""

import datetime
import enum
import importlib
import inspect
import io
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import attrs
import httpx
import pytest
from django.core.management import call_command

from practices.citations import FORMATS
from practices.selectors import FACETS

pytestmark = pytest.mark.django_db

BIN = Path(sys.executable).parent
PACKAGE = "gfmd_api_client"
# The generator's own settings: no formatter run over its output, and JSON Lines, RIS and
# BibTeX read as text (it knows JSON, "+json" such as CSL-JSON, text/* and octet-stream
# bodies only).
TEXT_TYPES = ["application/x-ndjson", FORMATS["ris"].media_type, FORMATS["bibtex"].media_type]
CONFIG = "post_hooks: []\ncontent_type_overrides:\n" + "".join(
    f'  "{media_type}": "text/plain"\n' for media_type in TEXT_TYPES
)
# Left out by the server when not asked for (?facets=), so not set then.
ONLY_WHEN_ASKED = {"facets"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The schema as /api/schema/ serves it, and the client package generated from it
    (no network: the schema is read from a file), importable for this module's tests."""
    folder = tmp_path_factory.mktemp("generated")
    schema_file = folder / "schema.json"
    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", "--fail-on-warn", stdout=out)
    schema_file.write_text(out.getvalue())
    (folder / "config.yaml").write_text(CONFIG)
    command = [
        str(BIN / "openapi-python-client"),
        "generate",
        "--path",
        str(schema_file),
        "--output-path",
        str(folder / PACKAGE),
        "--meta",
        "none",
        "--config",
        str(folder / "config.yaml"),
        "--fail-on-warning",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield json.loads(out.getvalue()), importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


class Caller:
    """Calls operations through the generated client, checks each answer's type and
    counts what was called with which parameters."""

    def __init__(self, schema: dict, package, application):
        self.package = package
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.client = package.Client(base_url="http://testserver").set_httpx_client(
            httpx.Client(
                transport=httpx.WSGITransport(app=application), base_url="http://testserver"
            )
        )
        self.operations = {}  # operationId: (module, {status: expected type})
        for methods in schema["paths"].values():
            operation = methods.get("get")
            if operation is None:
                continue
            name = operation["operationId"]
            module = importlib.import_module(f"{PACKAGE}.api.{operation['tags'][0]}.{name}")
            self.operations[name] = (module, self.answers(operation))
        self.calls = 0
        self.statuses = defaultdict(int)
        self.used = defaultdict(set)  # operationId: the parameters it was called with
        self.called = set()

    def answers(self, operation) -> dict:
        """Status: the class its JSON body parses into, or str for text."""
        expected = {}
        for status, response in operation["responses"].items():
            media_type, content = next(iter(response["content"].items()))
            if media_type == "application/json":
                expected[int(status)] = getattr(self.models, content["schema"]["$ref"][21:])
            elif content["schema"].get("type") == "array":  # CSL-JSON: its items
                expected[int(status)] = list
            else:
                expected[int(status)] = str
        return expected

    def __call__(self, name: str, status: int = 200, **parameters):
        module, expected = self.operations[name]
        response = module.sync_detailed(client=self.client, **self.typed(module, parameters))
        self.calls += 1
        self.statuses[int(response.status_code)] += 1
        self.used[name] |= set(parameters)
        self.called.add(name)
        said = response.content[:300]
        assert response.status_code == status, (name, parameters, said)
        assert isinstance(response.parsed, expected[status]), (name, parameters, said)
        if expected[status] not in (str, list):  # a CSL item holds more than id and type
            complete = status == 200 and "select" not in parameters
            assert_typed(response.parsed, complete=complete, where=name)
        return response.parsed

    def typed(self, module, parameters: dict) -> dict:
        """The values as the generated signature takes them: enum members for enums."""
        signature = inspect.signature(module.sync_detailed).parameters
        typed = {}
        for name, value in parameters.items():
            assert name in signature, f"{module.__name__} takes no {name}"
            enums = [
                cls
                for cls in map(
                    lambda n: getattr(self.models, n, None),
                    re.findall(r"[A-Z]\w+", str(signature[name].annotation)),
                )
                if isinstance(cls, type) and issubclass(cls, enum.Enum)
            ]
            typed[name] = to_enum(value, enums)
        return typed

    def unused(self) -> dict[str, set[str]]:
        """Each operation's parameters that no call gave."""
        missing = {}
        for name, (module, _expected) in self.operations.items():
            declared = set(inspect.signature(module.sync_detailed).parameters) - {"client"}
            if name not in self.called or declared - self.used[name]:
                missing[name] = declared - self.used[name]
        return missing


def to_enum(value, enums):
    if isinstance(value, list):
        return [to_enum(item, enums) for item in value]
    for cls in enums:
        if isinstance(value, str) and value in {member.value for member in cls}:
            return cls(value)
    return value


def assert_typed(value, *, complete: bool, where: str) -> None:
    """Every object in `value` is a generated model holding no field the schema does not
    name (a map the schema types, such as facets, holds what it types); `complete`: every
    field is set (a record's fields are optional in the schema for ?select= only)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            assert_typed(item, complete=complete, where=f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            assert_typed(item, complete=complete, where=f"{where}.{key}")
        return
    if not attrs.has(type(value)):
        return
    assert not isinstance(value, dict), where
    for field in attrs.fields(type(value)):
        item = getattr(value, field.name)
        if field.name == "additional_properties":
            if str(field.type) == "dict[str, Any]":  # no map declared: nothing unknown
                assert item == {}, f"{where}: fields unknown to the schema {sorted(item)}"
            else:
                assert_typed(item, complete=complete, where=where)
            continue
        if complete and field.name not in ONLY_WHEN_ASKED:
            assert type(item).__name__ != "Unset", f"{where}.{field.name} missing"
        assert_typed(item, complete=complete, where=f"{where}.{field.name}")


@pytest.fixture
def call(generated, wsgi_application):
    schema, package = generated
    caller = Caller(schema, package, wsgi_application)
    yield caller
    caller.client.get_httpx_client().close()


RECORDS = ("practices", "challenges", "opportunities", "recommendations")
# Reference tables and the key of their rows' detail.
REFERENCES = {
    "countries": "alpha2",
    "regions": "code",
    "objectives": "number",
    "principles": "slug",
    "themes": "slug",
    "organisations": "slug",
    "sources": "slug",
}
SINCE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
SOME_YEAR = 2019


def walk(call, name: str, **parameters) -> list:
    """Every row of a list, following `next` to the end (a cursor walk where `cursor` is
    given, pages otherwise)."""
    page = call(name, **parameters)
    rows = list(page.results)
    while page.next_:
        query = parse_qs(urlparse(page.next_).query)
        step = (
            {"cursor": query["cursor"][0]} if "cursor" in query else {"page": int(query["page"][0])}
        )
        page = call(name, **{**parameters, **step})
        rows += page.results
    assert len(rows) == page.count, name
    return rows


def record_cases(call, kind: str, rows: list, listed) -> list[tuple[dict, int | None]]:
    """Each filter of a record list once, with a value the catalogue has: the parameters
    and how many records they match (None: not worked out here)."""
    facets = {name: items for name, items in listed.facets.additional_properties.items()}
    total = listed.count
    cases, chosen = [], {}
    for facet in FACETS:
        items = facets[facet]
        if items:
            value, count = items[0].value, items[0].count
        else:  # none of this kind's records has one: a row of the reference table
            value, count = reference_value(call, facet), 0
        chosen[facet] = value, count
        cases.append(({facet: [value]}, count))
        cases.append(({f"{facet}_n": [value]}, total - count))
    year, count = chosen["year"]
    cases.append(({"year_from": year, "year_to": year}, count))
    action = next((row.actions[0].code for row in rows if row.actions), "13h")
    principle = next(
        (row.principles[0].slug for row in rows if row.principles),
        call("principles_list").results[0].slug,
    )
    word = next(w for w in re.findall(r"[A-Za-z]{6,}", rows[0].title + " " + rows[0].text))
    cases += [
        ({"action": [action]}, None),
        ({"principle": [principle]}, None),
        ({"q": word}, None),
        ({"ordering": ["-year", "title"]}, total),
        ({"sample": 5, "seed": 7}, min(5, total)),
        ({"updated_since": SINCE}, total),
        ({"published_since": SINCE}, None),
        ({"select": ["slug", "title", "countries"]}, total),
        ({"lang": "fr"}, total),
        ({"language": [rows[0].language]}, None),
    ]
    if kind == "recommendations":
        cases.append(({"kind": [rows[0].kind.value]}, None))
    if kind == "practices":  # the seeded practices leave their implementation empty
        cases += [
            ({"scope": ["global"]}, 0),
            ({"implementation_status": ["ongoing", "completed"]}, 0),
            ({"implemented_since": 2019}, 0),
        ]
    return cases


# Facet: the reference table of its values, and the key a value is.
FACET_TABLES = {
    "country": ("countries", "alpha2"),
    "region": ("regions", "slug"),
    "objective": ("objectives", "number"),
    "theme": ("themes", "slug"),
    "organisation": ("organisations", "slug"),
    "source": ("sources", "slug"),
    "year": ("sources", "year"),
}


def reference_value(call, facet: str):
    """A value of `facet` from its reference table (the seeded sources have no year)."""
    table, key = FACET_TABLES[facet]
    return getattr(call(f"{table}_list").results[0], key) or SOME_YEAR


def exercise_records(call, kind: str) -> None:
    """A record list with each parameter, walked to its end, each record's detail, and
    its exports with each filter."""
    name = f"{kind}_list"
    listed = call(name, facets=list(FACETS), format_="json")
    assert listed.count > 0
    rows = walk(call, name, cursor="", page_size=40)
    assert len({row.slug for row in rows}) == listed.count
    for row in rows:
        assert call(f"{kind}_retrieve", slug=row.slug, format_="json").slug == row.slug
    chosen = call(f"{kind}_retrieve", slug=rows[0].slug, select=["slug", "title"], lang="es")
    assert chosen.title == rows[0].title and type(chosen.text).__name__ == "Unset"
    last = call(name, page="last", page_size=7)
    assert 0 < len(last.results) <= 7 and not last.next_
    assert len(call(name, page=1, per_page=3).results) == min(3, listed.count)
    for parameters, count in record_cases(call, kind, rows, listed):
        page = call(name, **parameters)
        if count is not None:
            assert page.count == count, (name, parameters)
        lines = call(f"{name}_jsonl", **parameters).splitlines()
        assert len(lines) == page.count, (name, parameters)
        model = type(page.results[0]) if page.results else None
        for line in lines:
            assert_typed(model.from_dict(json.loads(line)), complete=False, where=name)
        table = call(f"{name}_csv", **parameters)
        assert table.startswith("slug," if "select" in parameters else "url,"), table[:80]
        if "select" in parameters:  # a citation needs the whole record: not an export's
            continue
        for suffix in FORMATS:
            text = call(f"{name}_{suffix}", **parameters)
            assert citation_count(suffix, text) == page.count, (name, suffix, parameters)


def citation_count(suffix: str, text: str) -> int:
    """How many citations a download holds (each format read back in
    tests/practices/test_citations.py)."""
    if suffix == "csljson":  # the generated client's CSL items
        return len(text)
    end = "ER  - " if suffix == "ris" else "@misc{"
    return sum(1 for line in text.splitlines() if line.startswith(end))


def exercise_references(call, kind: str, key: str) -> None:
    """A reference list with each parameter, page by page to its end, each row's detail,
    and its exports."""
    name = f"{kind}_list"
    rows = walk(call, name, page_size=50, format_="json")
    for row in rows:
        detail = call(f"{kind}_retrieve", **{key: str(getattr(row, key))}, format_="json")
        assert getattr(detail, key) == getattr(row, key)
    call(f"{kind}_retrieve", **{key: str(getattr(rows[0], key))}, lang="es")
    assert call(name, page="last", per_page=7, lang="fr").results
    module = call.operations[name][0]
    declared = inspect.signature(module.sync_detailed).parameters
    first = rows[0]
    values = {
        "q": (getattr(first, "name", None) or first.title)[:4],
        "region": [call("regions_list", level="subregion").results[0].code],
        "level": first.level.value if hasattr(first, "level") else None,
        "kind": first.kind.value if hasattr(first, "kind") else None,
        "year": [getattr(first, "year", None) or SOME_YEAR],
        "lang": "fr",
    }
    for parameter in ("q", "region", "level", "kind", "year"):
        if parameter in declared:
            count = call(name, **{parameter: values[parameter]}).count
            assert count > 0 or parameter == "year", (name, parameter)
    for suffix in [s for s in ("csv", "jsonl", *FORMATS) if f"{name}_{s}" in call.operations]:
        export = call.operations[f"{name}_{suffix}"][0]
        for parameter in set(inspect.signature(export.sync_detailed).parameters) - {"client"}:
            call(f"{name}_{suffix}", **{parameter: values[parameter]})
        text = call(f"{name}_{suffix}")
        count = len(text) if isinstance(text, list) else len(text.splitlines())
        assert count >= len(rows), (name, suffix)


def test_every_read_operation_answers_its_typed_model(call):
    """Each read operation with each of its parameters at least once, each list walked to
    its end, each row's detail: every answer parses into the schema's typed model."""
    for kind in RECORDS:
        exercise_records(call, kind)
    for kind, key in REFERENCES.items():
        exercise_references(call, kind, key)
    assert call.unused() == {}
    print(
        f"\ngenerated client: {len(call.operations)} read operations, {call.calls} calls "
        f"(by status: {dict(sorted(call.statuses.items()))})"
    )


def test_bad_input_answers_the_typed_error(call):
    """A 400 parses into the schema's Error, naming the parameter; a 404 into Detail."""
    for kind in RECORDS:
        exports = [f"{kind}_list_{suffix}" for suffix in ("csv", "jsonl", *FORMATS)]
        for name in (f"{kind}_list", *exports):
            error = call(name, status=400, country=["ZZ"])
            assert "country" in error.additional_properties, error
        assert "page_size" in call(f"{kind}_list", status=400, page_size=0).additional_properties
        assert call(f"{kind}_retrieve", status=404, slug="no-such-record").detail
    for kind, key in REFERENCES.items():
        assert (
            "page_size"
            in call(f"{kind}_list", status=400, page=1, page_size=0).additional_properties
        )
        missing = "99" if key == "number" else "no-such-row"
        assert call(f"{kind}_retrieve", status=404, **{key: missing}).detail
    print(f"\ngenerated client, bad input: {call.calls} calls")
