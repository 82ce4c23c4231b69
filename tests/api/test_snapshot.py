"""manage.py export_snapshot: the published catalogue as a Frictionless Data Package, each
table as the API gives it."""

import csv
import hashlib
import io
import json

import frictionless
import pytest
from django.core.management import CommandError, call_command

from api import snapshots
from practices.models import Challenge, Country, Objective, Opportunity, Practice, Status, Theme
from practices.snapshots import LATEST, PACKAGE, snapshot_names
from tests.records import change, make

pytestmark = pytest.mark.django_db

SITE = "http://testserver"  # the test client's address: the API's urls match the snapshot's
FORMULA = '=HYPERLINK("http://example.org","click")'


def export(root, *args) -> str:
    out = io.StringIO()
    call_command("export_snapshot", "--output", str(root), *args, stdout=out)
    return out.getvalue()


def package_of(folder) -> dict:
    return json.loads((folder / PACKAGE).read_text(encoding="utf-8"))


def csv_rows(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture
def made_up():
    """A draft, a record in review and two published records, one written like formulas,
    linked to countries, an objective, a theme and a challenge."""
    philippines, mexico = Country.objects.get(alpha2="PH"), Country.objects.get(alpha2="MX")
    relations = {
        "countries": [philippines, mexico],
        "objectives": [Objective.objects.get(number=13)],
        "themes": [Theme.objects.order_by("pk").first()],
    }
    draft = make(slug="a-draft-practice", relations=relations)
    make(slug="a-practice-in-review", status=Status.IN_REVIEW, relations=relations)
    formula = make(
        slug="a-formula-practice",
        title=FORMULA,
        text="-1 for the cell, +1 for the reader, @once",
        section="=1+1",
        status=Status.PUBLISHED,
        relations=relations,
    )
    challenge = make(
        Challenge,
        slug="a-published-challenge",
        status=Status.PUBLISHED,
        relations={"addressed_by": [formula, draft]},
    )
    return {"draft": draft, "formula": formula, "challenge": challenge}


@pytest.fixture
def snapshot(tmp_path, made_up):
    """One snapshot of the seeded catalogue and the made-up records; its folder."""
    root = tmp_path / "snapshots"
    export(root, "--base-url", SITE)
    return root / snapshot_names(root)[-1]


def test_the_snapshot_is_a_valid_frictionless_data_package(snapshot):
    """frictionless validates every file against its schema, keys, size and hash."""
    report = frictionless.validate(str(snapshot / PACKAGE))
    errors = report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"])
    assert report.valid, errors[:20]
    assert len(report.tasks) == len(package_of(snapshot)["resources"])


def test_a_changed_file_or_a_key_naming_nothing_fails_the_validation(snapshot):
    """The validation is no formality: sizes, hashes and foreign keys are checked."""
    links = snapshot / "practice-countries.csv"
    links.write_text(links.read_text().replace(",PH", ",XX"))
    report = frictionless.validate(str(snapshot / PACKAGE))
    assert {"hash-count", "byte-count", "foreign-key"} <= {e[0] for e in report.flatten(["type"])}


def test_a_kind_without_published_records_is_still_a_valid_package(tmp_path):
    """Its CSV has a header and no rows; its empty JSON Lines file is described as a file."""
    Opportunity.objects.update(status=Status.DRAFT)
    root = tmp_path / "snapshots"
    export(root)
    folder = root / snapshot_names(root)[-1]
    assert (folder / "opportunities.jsonl").read_bytes() == b""
    assert len(csv_rows(folder / "opportunities.csv")) == 0
    report = frictionless.validate(str(folder / PACKAGE))
    assert report.valid, report.flatten(["taskNumber", "type", "note"])[:20]


def test_every_table_is_there_as_csv_and_json_lines_with_its_links(snapshot):
    """Records and reference tables twice; each relation of a record as a link table."""
    paths = {resource["path"] for resource in package_of(snapshot)["resources"]}
    tables = [
        "practices",
        "challenges",
        "opportunities",
        "recommendations",
        "countries",
        "regions",
        "objectives",
        "actions",
        "principles",
        "themes",
        "organisations",
        "sources",
    ]
    assert {f"{table}.{suffix}" for table in tables for suffix in ("csv", "jsonl")} <= paths
    assert {"practice-countries.csv", "recommendation-themes.csv"} <= paths
    assert "practice-challenges.csv" in paths and "challenge-practices.csv" not in paths
    assert {path.name for path in snapshot.iterdir()} == paths | {PACKAGE}


def test_drafts_and_records_in_review_are_not_in_the_snapshot(snapshot, made_up):
    """Only published records, and only links between published records."""
    practices = {row["slug"] for row in csv_rows(snapshot / "practices.csv")}
    assert "a-formula-practice" in practices
    assert practices == set(Practice.objects.published().values_list("slug", flat=True))
    everything = "".join(path.read_text(encoding="utf-8") for path in snapshot.iterdir())
    assert "a-draft-practice" not in everything
    assert "a-practice-in-review" not in everything
    links = csv_rows(snapshot / "practice-challenges.csv")
    assert {"practice": "a-formula-practice", "challenge": "a-published-challenge"} in links
    statuses = {row["status"] for row in csv_rows(snapshot / "challenges.csv")}
    assert statuses == {Status.PUBLISHED}


def test_each_files_size_and_sha256_are_those_in_the_datapackage(snapshot):
    """`bytes` and `hash` ("sha256:<hex>") of every resource match the file."""
    for resource in package_of(snapshot)["resources"]:
        content = (snapshot / resource["path"]).read_bytes()
        assert resource["bytes"] == len(content), resource["path"]
        assert resource["hash"] == f"sha256:{hashlib.sha256(content).hexdigest()}"


def test_every_foreign_key_names_a_row_of_its_table(snapshot):
    """Each key a CSV column holds is a key of the table it refers to."""
    package = package_of(snapshot)
    by_name = {resource["name"]: resource for resource in package["resources"]}
    checked = 0
    for resource in package["resources"]:
        rows = csv_rows(snapshot / resource["path"]) if resource["format"] == "csv" else []
        for key in resource["schema"].get("foreignKeys", []):
            target = by_name[key["reference"]["resource"] or resource["name"]]
            known = {row[key["reference"]["fields"]] for row in csv_rows(snapshot / target["path"])}
            values = {row[key["fields"]] for row in rows if row[key["fields"]]}
            assert values <= known, (resource["name"], key, values - known)
            checked += len(values)
    assert checked > 500
    links = csv_rows(snapshot / "practice-countries.csv")
    assert {"practice": "a-formula-practice", "country": "PH"} in links


def test_formula_like_cells_are_quoted_as_in_every_csv(snapshot):
    """A cell starting with = + - @ gets a leading quote; the JSON keeps the text as it is."""
    row = next(r for r in csv_rows(snapshot / "practices.csv") if r["slug"] == "a-formula-practice")
    assert row["title"] == "'" + FORMULA
    assert row["text"] == "'-1 for the cell, +1 for the reader, @once"
    assert row["section"] == "'=1+1"
    lines = (snapshot / "practices.jsonl").read_text(encoding="utf-8").splitlines()
    item = next(json.loads(line) for line in lines if "a-formula-practice" in line)
    assert item["title"] == FORMULA


@pytest.mark.parametrize(
    "table, url",
    [
        ("practices", "/api/practices/"),
        ("challenges", "/api/challenges/"),
        ("opportunities", "/api/opportunities/"),
        ("recommendations", "/api/recommendations/"),
        ("countries", "/api/countries/"),
        ("regions", "/api/regions/"),
        ("objectives", "/api/objectives/"),
        ("principles", "/api/principles/"),
        ("themes", "/api/themes/"),
        ("organisations", "/api/organisations/"),
        ("sources", "/api/sources/"),
    ],
)
def test_each_table_is_byte_for_byte_what_the_api_exports(snapshot, client, table, url):
    """One producer: the snapshot's CSV and JSON Lines are the API's whole-list exports."""
    for format in ("csv", "jsonl"):
        response = client.get(url, {"format": format})
        assert response.status_code == 200
        exported = b"".join(response.streaming_content)
        assert (snapshot / f"{table}.{format}").read_bytes() == exported, format


def test_the_package_states_its_licence_version_and_content(snapshot, settings):
    """Licence from the settings, the snapshot's name as version, a content hash."""
    package = package_of(snapshot)
    assert package["licenses"] == [
        {"title": settings.DATA_LICENCE, "path": settings.DATA_LICENCE_URL}
    ]
    assert package["version"] == snapshot.name
    assert package["content_hash"].startswith("sha256:")
    assert package["homepage"] == f"{SITE}/data/"
    practices = next(r for r in package["resources"] if r["name"] == "practices")
    assert practices["schema"]["primaryKey"] == ["slug"]
    fields = {f["name"]: f for f in practices["schema"]["fields"]}
    assert fields["created"]["type"] == "datetime"
    assert fields["status"]["constraints"] == {"enum": ["published"]}


def test_the_content_hash_moves_only_when_the_catalogue_does(tmp_path, made_up):
    """Two snapshots of the same catalogue share a content hash; a publication moves it."""
    root = tmp_path / "snapshots"
    export(root)
    export(root)
    change(made_up["draft"], status=Status.PUBLISHED)
    export(root)
    first, second, third = (package_of(root / name) for name in snapshot_names(root))
    assert first["content_hash"] == second["content_hash"] != third["content_hash"]
    assert first["version"] != second["version"]


def test_running_twice_keeps_two_snapshots_and_latest_names_the_newest(tmp_path):
    """Each run a new folder; LATEST names the last one."""
    root = tmp_path / "snapshots"
    output = export(root)
    export(root)
    names = snapshot_names(root)
    assert len(names) == 2
    assert (root / LATEST).read_text().strip() == names[-1]
    assert f"Wrote snapshot {names[0]}" in output
    assert not list(root.glob(".tmp-*"))


def test_keep_deletes_all_but_the_newest_snapshots(tmp_path):
    """--keep N leaves the N newest."""
    root = tmp_path / "snapshots"
    for _ in range(3):
        export(root)
    newest = snapshot_names(root)[-1]
    output = export(root, "--keep", "2")
    names = snapshot_names(root)
    assert len(names) == 2 and names[0] == newest
    assert "Deleted 2 older snapshots" in output


def test_a_failed_export_leaves_nothing_behind(tmp_path, monkeypatch):
    """A snapshot is there whole or not at all; LATEST still names the one before."""
    root = tmp_path / "snapshots"
    export(root)
    before = snapshot_names(root)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(snapshots, "data_package", broken)
    with pytest.raises(CommandError, match="disk full"):
        export(root)
    assert snapshot_names(root) == before
    assert (root / LATEST).read_text().strip() == before[0]
    assert not list(root.glob(".tmp-*"))


@pytest.mark.parametrize(
    "args, named",
    [
        (["--keep", "0"], "--keep"),
        (["--keep", "many"], "--keep"),
        (["--base-url", "ftp://example.org"], "--base-url"),
        (["--base-url", "https://example.org/catalogue?x=1"], "--base-url"),
        (["--no-such-option"], "--no-such-option"),
    ],
)
def test_a_bad_option_is_a_command_error_naming_it(tmp_path, args, named):
    """Nothing is written, and the message names the option."""
    root = tmp_path / "snapshots"
    with pytest.raises(CommandError, match=named):
        export(root, *args)
    assert snapshot_names(root) == []


def test_an_output_that_is_a_file_is_a_command_error(tmp_path):
    """--output must be a folder (or a folder that can be made)."""
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    with pytest.raises(CommandError, match=r"--output .*a-file is not a folder"):
        export(path)


def test_export_reads_the_records_a_chunk_at_a_time(tmp_path, monkeypatch):
    """The rows are streamed: the number of queries grows with the chunks, not the rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(chunk: int) -> int:
        monkeypatch.setattr(snapshots, "CHUNK", chunk)
        with CaptureQueriesContext(connection) as captured:
            export(tmp_path / f"chunk-{chunk}")
        return len(captured.captured_queries)

    published = Practice.objects.published().count()
    assert queries(published // 2) > queries(10_000)
