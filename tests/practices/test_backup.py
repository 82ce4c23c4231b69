import gzip
import io
import json

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import CommandError, call_command
from simple_history.models import HistoricalChanges

from practices import search
from practices.backup import (
    FORMAT,
    FORMAT_VERSION,
    backup_tables,
    catalogue_models,
    latest_migrations,
    manifest_tables,
)
from practices.models import (
    RECORD_MODELS,
    Country,
    GuidingPrinciple,
    Objective,
    ObjectiveAction,
    Organisation,
    Practice,
    Region,
    Source,
    Theme,
)

pytestmark = pytest.mark.django_db

DETENTION = "thailand-alternatives-to-detention-children-mou"


def run(command: str, *args, **options) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, **options)
    return out.getvalue()


def read(path) -> dict:
    """The backup document at `path`, gunzipped when its name ends in .gz."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def backup(path) -> list[dict]:
    """Back up to `path` and return the file's objects."""
    run("backup_catalogue", str(path))
    return read(path)["objects"]


def canonical(objects: list[dict]) -> list[str]:
    """The objects in an order-insensitive form."""
    return sorted(json.dumps(obj, sort_keys=True) for obj in objects)


def empty_catalogue() -> None:
    """Delete every catalogue row in the test's transaction, dependants first."""
    for model in RECORD_MODELS:  # their relation rows go with them
        model.objects.all().delete()
    for model in catalogue_models():  # history, including the rows the deletes just wrote
        if issubclass(model, HistoricalChanges):
            model.objects.all().delete()
    for model in (Source, Organisation, Theme, GuidingPrinciple, ObjectiveAction, Objective):
        model.objects.all().delete()
    Country.objects.all().delete()
    for level in ("intermediate", "subregion", "region"):
        Region.objects.filter(level=level).delete()
    assert not any(model.objects.exists() for model in catalogue_models(include_auto_created=True))


@pytest.fixture
def reviewer():
    """A reviewer in a group who published an edit: the backup must carry both. Written
    with update() and the history manager, not save(): records are saved by services."""
    user = User.objects.create_user("ana-reviewer", password="not-a-real-password")
    group = Group.objects.create(name="Backup reviewers")
    group.permissions.set(Permission.objects.filter(codename="publish_practice"))
    user.groups.add(group)
    user.user_permissions.set(Permission.objects.filter(codename="change_practice"))
    Practice.objects.filter(slug=DETENTION).update(published_by=user)
    Practice.history.bulk_history_create(
        [Practice.objects.get(slug=DETENTION)], update=True, default_user=user
    )
    User.objects.create_user("bystander")  # referred to by nothing: not backed up
    return user


def test_backup_then_restore_with_accounts_gives_back_the_same_catalogue(tmp_path, reviewer):
    """Back up, empty the catalogue (and the reviewer's account), restore with
    --with-accounts, back up again: the two files hold the same objects."""
    first = backup(tmp_path / "first.json.gz")
    users = [obj["fields"]["username"] for obj in first if obj["model"] == "auth.user"]
    assert users == ["ana-reviewer"]
    assert any(obj["fields"].get("history_user") == ["ana-reviewer"] for obj in first)
    empty_catalogue()
    User.objects.filter(username="ana-reviewer").delete()
    Group.objects.filter(name="Backup reviewers").delete()

    output = run("restore_catalogue", str(tmp_path / "first.json.gz"), with_accounts=True)

    accounts = sum(obj["model"] in ("auth.user", "auth.group") for obj in first)
    assert f"Restored {len(first) - accounts} catalogue rows" in output
    assert "1 created, 0 overwritten; groups: 1 created" in output
    second = backup(tmp_path / "second.json")
    assert canonical(second) == canonical(first)
    restored = User.objects.get(username="ana-reviewer")
    assert list(restored.groups.values_list("name", flat=True)) == ["Backup reviewers"]
    assert Practice.objects.get(slug=DETENTION).published_by == restored


def test_backup_is_one_json_document_whose_manifest_matches_its_objects(tmp_path, reviewer):
    """The file says its format and version, and its manifest names the migrations and,
    for every table (empty ones too), the count and checksum of the rows it holds."""
    run("backup_catalogue", str(tmp_path / "catalogue.json.gz"))
    document = read(tmp_path / "catalogue.json.gz")

    assert (document["format"], document["version"]) == (FORMAT, FORMAT_VERSION)
    manifest = document["manifest"]
    assert manifest["migrations"] == latest_migrations()
    assert set(manifest["migrations"]) == {"auth", "practices"}
    assert list(manifest["tables"]) == backup_tables()
    held = manifest_tables(document["objects"])
    assert {label: entry for label, entry in manifest["tables"].items() if entry["rows"]} == held
    assert manifest["tables"]["practices.practice"]["rows"] == Practice.objects.count()


def test_search_works_after_a_restore(tmp_path):
    """The insert triggers index restored records: "detention" still finds Thailand."""
    path = tmp_path / "catalogue.json"
    backup(path)
    empty_catalogue()
    assert DETENTION not in set(
        search.search(Practice.objects.all(), "detention").values_list("slug", flat=True)
    )
    run("restore_catalogue", str(path))
    found = search.search(Practice.objects.all(), "detention").values_list("slug", flat=True)
    assert DETENTION in set(found)


def test_restore_into_a_database_with_a_catalogue_is_refused(tmp_path):
    """Without --force, a database whose catalogue tables hold rows is left as it is."""
    path = tmp_path / "catalogue.json"
    backup(path)
    before = {model: model.objects.count() for model in catalogue_models()}
    with pytest.raises(CommandError, match=r"already holds catalogue data.*--force"):
        run("restore_catalogue", str(path))
    assert {model: model.objects.count() for model in catalogue_models()} == before


def test_restore_with_force_replaces_the_catalogue(tmp_path):
    """--force deletes the catalogue first: what changed since the backup is gone."""
    first = backup(tmp_path / "first.json")
    Practice.objects.filter(slug=DETENTION).update(title="Changed after the backup")
    Theme.objects.create(name="Added after the backup", slug="added-after-the-backup")
    run("restore_catalogue", str(tmp_path / "first.json"), force=True)
    assert canonical(backup(tmp_path / "second.json")) == canonical(first)


def test_restore_refuses_a_file_that_is_not_a_catalogue_backup(tmp_path):
    """Objects of other tables are refused, and nothing is written."""
    path = tmp_path / "other.json"
    path.write_text(
        json.dumps([{"model": "contenttypes.contenttype", "fields": {"app_label": "x"}}])
    )
    empty_catalogue()
    with pytest.raises(CommandError, match="not a catalogue backup"):
        run("restore_catalogue", str(path))
    assert not Country.objects.exists()
