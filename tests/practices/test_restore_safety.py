"""restore_catalogue refuses, with its reason and before writing anything, what is not a
whole backup written here: files of other kinds, damaged or edited files, other versions."""

import copy
import gzip
import io
import json

import pytest
from django.contrib.auth.models import Group, User
from django.core import serializers
from django.core.management import CommandError, call_command

from practices.backup import (
    TableDigest,
    catalogue_backup,
    catalogue_models,
    latest_migrations,
    manifest_tables,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded_document(tmp_path_factory, django_db_setup, django_db_blocker) -> dict:
    """A backup of the seeded catalogue, written once for the module."""
    path = tmp_path_factory.mktemp("backup") / "seeded.json"
    with django_db_blocker.unblock():
        catalogue_backup(path=path)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def document(seeded_document) -> dict:
    """The seeded backup, for this test to damage."""
    return copy.deepcopy(seeded_document)


def dumped(document) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def refused(path, data: bytes, **options) -> str:
    """Restore `data` written at `path` (with --force) and return the command's error,
    checking that nothing was written."""
    path.write_bytes(data)
    models = [*catalogue_models(include_auto_created=True), User, Group]
    before = {model: model.objects.count() for model in models}
    with pytest.raises(CommandError) as refusal:
        call_command("restore_catalogue", str(path), force=True, stdout=io.StringIO(), **options)
    assert {model: model.objects.count() for model in models} == before
    message = str(refusal.value)
    assert message.startswith(f"Nothing was restored. {path}")
    return message


def objects_of(document, label: str) -> list[dict]:
    return [obj for obj in document["objects"] if obj["model"] == label]


def test_a_fixture_of_only_users_and_groups_is_refused_and_leaves_accounts_alone(tmp_path):
    """The outside tester's file, a well-formed fixture of a user and a group, is refused
    for having no manifest, and the same-named account keeps its password."""
    user = User.objects.create_user("ana", password="the-real-one")
    group = Group.objects.create(name="Editors")
    user.groups.add(group)
    stored = user.password
    user.set_password("from-the-file")
    fixture = serializers.serialize(
        "json", [group, user], use_natural_foreign_keys=True, use_natural_primary_keys=True
    )

    message = refused(tmp_path / "accounts.json", fixture.encode())

    assert "not a catalogue backup with a manifest: it is a bare list" in message
    assert User.objects.get(username="ana").password == stored


def test_a_backup_of_only_users_and_groups_is_refused_naming_the_missing_tables(tmp_path, document):
    """A file whose manifest matches its rows but lists only the accounts' tables is not a
    whole backup: the error names the catalogue's tables it lacks."""
    document["objects"] = [obj for obj in document["objects"] if obj["model"].startswith("auth.")]
    tables = document["manifest"]["tables"]
    document["manifest"]["tables"] = {
        label: entry for label, entry in tables.items() if label.startswith("auth.")
    }

    message = refused(tmp_path / "accounts.json", dumped(document))

    assert "is not a whole catalogue backup: its manifest lacks" in message
    for table in ("practices.region", "practices.country", "practices.objective"):
        assert table in message


def test_a_truncated_gzip_file_is_refused_as_truncated(tmp_path, document):
    """A .gz cut short (a copy that stopped halfway) is refused as truncated."""
    compressed = gzip.compress(dumped(document))

    message = refused(tmp_path / "cut.json.gz", compressed[: len(compressed) // 2])

    assert "is truncated: its gzip data ends before the end-of-stream marker" in message


@pytest.mark.parametrize("keep", [0.5, -1], ids=["halfway", "last-brace"])
def test_a_file_cut_inside_its_json_is_refused_as_truncated(tmp_path, document, keep):
    """An uncompressed file cut anywhere, even just before its last brace, is refused as
    truncated, with where its JSON stops."""
    data = dumped(document).rstrip()
    cut = data[: int(len(data) * keep)] if keep > 0 else data[:keep]

    message = refused(tmp_path / "cut.json", cut)

    assert "is truncated: its JSON stops at line" in message


def test_a_file_that_is_not_json_is_refused_saying_so(tmp_path):
    """A file of another kind (here a CSV export) is refused as not JSON."""
    message = refused(tmp_path / "export.csv", b"title,slug\nA record,a-record\n")

    assert "is not JSON (Expecting value at line 1, column 1): not a catalogue backup" in message


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_file_not_in_utf8_is_refused_naming_the_encoding(tmp_path, document, encoding):
    """A backup re-saved in another encoding is refused as bad encoding, not UTF-8."""
    objects_of(document, "practices.practice")[0]["fields"]["title"] = "Café de la migración"
    data = json.dumps(document, ensure_ascii=False).encode(encoding, errors="replace")

    message = refused(tmp_path / "recoded.json", data)

    assert "is not UTF-8 text (bad encoding: byte" in message


def test_a_foreign_json_document_is_refused_as_a_foreign_file(tmp_path):
    """JSON that does not say it is a catalogue backup is refused as a foreign file."""
    data = json.dumps({"objects": [], "manifest": {}}).encode()

    message = refused(tmp_path / "foreign.json", data)

    assert 'does not say "format": "gfmd-catalogue-backup" (a foreign file)' in message


def test_a_backup_in_another_format_version_is_refused_naming_both(tmp_path, document):
    """A backup of a later format is refused, saying which version it is and which is read."""
    document["version"] = 3

    message = refused(tmp_path / "later.json", dumped(document))

    assert "in format version 3; this version of the application reads format version 2" in message


def test_a_backup_without_its_manifest_is_refused(tmp_path, document):
    """A backup whose manifest was taken out cannot be checked, so it is refused."""
    del document["manifest"]

    message = refused(tmp_path / "bare.json", dumped(document))

    assert "has no complete manifest" in message


def test_a_backup_missing_a_row_is_refused_naming_the_table_and_counts(tmp_path, document):
    """A row taken out of a table is found by the count: the error names the table."""
    practices = objects_of(document, "practices.practice")
    document["objects"].remove(practices[-1])

    message = refused(tmp_path / "short.json", dumped(document))

    expected = f"practices.practice: {len(practices) - 1} rows, the manifest says {len(practices)}"
    assert "does not match its manifest (the file is truncated or was edited)" in message
    assert expected in message


def test_a_backup_with_an_edited_row_is_refused_naming_the_table(tmp_path, document):
    """A row changed in the file, counts intact, is found by its table's checksum."""
    objects_of(document, "practices.country")[0]["fields"]["name"] = "Edited by hand"

    message = refused(tmp_path / "edited.json", dumped(document))

    assert "practices.country: its rows do not match the manifest's checksum" in message
    assert "practices.practice" not in message


def test_a_backup_of_an_earlier_migration_is_refused_naming_both(tmp_path, document):
    """A backup written at an earlier migration of practices is refused, naming the
    migration it was written at and the database's."""
    here = latest_migrations()["practices"]
    document["manifest"]["migrations"]["practices"] = "0006_catalogue_state"

    message = refused(tmp_path / "earlier.json", dumped(document))

    assert (
        "was written at migration practices.0006_catalogue_state, but this database is at "
        f"practices.{here}"
    ) in message


def test_a_backup_of_a_migration_the_database_lacks_is_refused_naming_it(tmp_path, document):
    """A backup written by a later version of the application, at a migration this
    database does not have, is refused naming that migration."""
    document["manifest"]["migrations"]["auth"] = "0099_from_a_later_version"

    message = refused(tmp_path / "later.json", dumped(document))

    assert "migration auth.0099_from_a_later_version, which this database does not have" in message


def test_a_backup_without_reference_data_is_refused_naming_the_empty_tables(tmp_path, document):
    """A file with every table listed and matching, but no country, is not a catalogue."""
    document["objects"] = [
        obj for obj in document["objects"] if obj["model"] != "practices.country"
    ]
    document["manifest"]["tables"]["practices.country"] = TableDigest().as_dict()

    message = refused(tmp_path / "no-countries.json", dumped(document))

    assert "holds no rows of practices.country" in message


def resigned(document) -> dict:
    """The document with its manifest's tables made to match its rows again."""
    document["manifest"]["tables"].update(manifest_tables(document["objects"]))
    return document


def unknown_field(document) -> dict:
    objects_of(document, "practices.practice")[0]["fields"]["no_such_field"] = 1
    return resigned(document)


def nameless_user(document) -> dict:
    document["objects"].insert(0, {"model": "auth.user", "fields": {"email": "a@b.org"}})
    return resigned(document)


def not_a_row(document) -> dict:
    document["objects"].append(["practices.country", 1])
    return document


DAMAGE = {
    "empty file": lambda document: b"",
    "deeply nested": lambda document: b"[" * 100_000,
    "a bare number": lambda document: b"42",
    "objects not a list": lambda document: dumped({**document, "objects": {}}),
    "a manifest entry without rows": lambda document: dumped(
        {**document, "manifest": {**document["manifest"], "tables": {"auth.user": {}}}}
    ),
    "an object that is not a row": lambda document: dumped(not_a_row(document)),
    "a row with an unknown field": lambda document: dumped(unknown_field(document)),
    "a user without a username": lambda document: dumped(nameless_user(document)),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_no_damage_gives_a_bare_traceback_or_an_empty_reason(tmp_path, document, damage):
    """Whatever the file holds, the command fails with a sentence saying why, names the
    file, and writes nothing (refused() checks the counts)."""
    message = refused(tmp_path / "damaged.json", damage(document))

    reason = message.removeprefix(f"Nothing was restored. {tmp_path / 'damaged.json'}")
    assert len(reason.split()) >= 4
