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
    assert set(manifest["migrations"]) == {"auth", "practices", "submissions"}
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


def test_restore_leaves_existing_accounts_as_they_are_without_with_accounts(tmp_path, reviewer):
    """An account changed since the backup keeps its password hash, groups and flags: the
    file's are not written; the records still point to it, matched by username."""
    path = tmp_path / "catalogue.json"
    backup(path)
    reviewer.set_password("changed-after-the-backup")
    reviewer.is_staff = True
    reviewer.save()
    reviewer.groups.set([Group.objects.create(name="Joined after the backup")])
    before = User.objects.get(pk=reviewer.pk)

    output = run("restore_catalogue", str(path), force=True)

    after = User.objects.get(pk=reviewer.pk)
    assert (after.password, after.is_staff, after.is_active) == (before.password, True, True)
    assert list(after.groups.values_list("name", flat=True)) == ["Joined after the backup"]
    assert Practice.objects.get(slug=DETENTION).published_by == after
    assert "1 matched by username and left as they are, 0 created inactive" in output


def test_restore_creates_missing_accounts_inactive_without_password_or_groups(tmp_path, reviewer):
    """A user the records name but the database lacks comes back so the history keeps its
    name, but cannot sign in and holds no group or permission."""
    path = tmp_path / "catalogue.json"
    backup(path)
    User.objects.filter(username="ana-reviewer").delete()

    output = run("restore_catalogue", str(path), force=True)

    created = User.objects.get(username="ana-reviewer")
    assert not created.is_active and not created.has_usable_password()
    assert not created.is_staff and not created.is_superuser
    assert not created.groups.exists() and not created.user_permissions.exists()
    assert Practice.objects.get(slug=DETENTION).published_by == created
    assert Practice.history.filter(slug=DETENTION, history_user=created).exists()
    assert "0 matched by username and left as they are, 1 created inactive" in output


def test_restore_with_accounts_overwrites_same_named_accounts_and_says_so(tmp_path, reviewer):
    """--with-accounts writes the file's password hash, flags and groups over the account
    of the same name, and the command counts what it overwrote."""
    path = tmp_path / "catalogue.json"
    backup(path)
    backed_up = User.objects.get(pk=reviewer.pk).password
    reviewer.set_password("changed-after-the-backup")
    reviewer.is_staff = True
    reviewer.save()
    reviewer.groups.clear()

    output = run("restore_catalogue", str(path), force=True, with_accounts=True)

    after = User.objects.get(username="ana-reviewer")
    assert (after.pk, after.password, after.is_staff) == (reviewer.pk, backed_up, False)
    assert list(after.groups.values_list("name", flat=True)) == ["Backup reviewers"]
    assert "Accounts from the file: 0 created, 1 overwritten" in output
    assert "groups: 0 created, 1 overwritten" in output


def snapshot() -> dict:
    """Rows in every catalogue table, relation tables included, and in the accounts."""
    models = [*catalogue_models(include_auto_created=True), User, Group]
    return {model._meta.label: model.objects.count() for model in models}


def dangling_backup(path) -> None:
    """A backup whose manifest matches its rows, one of which names a missing source: it
    passes every check on the file and fails only once rows are written."""
    run("backup_catalogue", str(path))
    document = read(path)
    practice = next(obj for obj in document["objects"] if obj["model"] == "practices.practice")
    practice["fields"]["source"] = 999_999
    document["manifest"]["tables"].update(manifest_tables(document["objects"]))
    path.write_text(json.dumps(document), encoding="utf-8")


def test_a_restore_failing_with_force_leaves_a_populated_database_unchanged(tmp_path):
    """--force empties the catalogue in the restore's transaction: when a row then fails,
    the catalogue is back as it was, every table with the rows it had."""
    path = tmp_path / "dangling.json"
    dangling_backup(path)
    Practice.objects.filter(slug=DETENTION).update(title="Changed after the backup")
    before = snapshot()

    with pytest.raises(
        CommandError, match=r"Nothing was restored\. .*refers to rows it does not hold"
    ):
        run("restore_catalogue", str(path), force=True)

    assert snapshot() == before
    assert Practice.objects.get(slug=DETENTION).title == "Changed after the backup"


def test_a_restore_failing_into_an_empty_database_writes_nothing(tmp_path, reviewer):
    """Into an empty catalogue, a failing restore leaves it empty, and the account it
    created for the file's user is gone with the rest."""
    path = tmp_path / "dangling.json"
    dangling_backup(path)
    empty_catalogue()
    User.objects.filter(username="ana-reviewer").delete()
    before = snapshot()

    with pytest.raises(
        CommandError, match=r"Nothing was restored\. .*refers to rows it does not hold"
    ):
        run("restore_catalogue", str(path))

    assert snapshot() == before
    assert not User.objects.filter(username="ana-reviewer").exists()


def test_a_restore_gives_back_the_names_in_every_language_and_records_languages(tmp_path):
    """The reference rows' French and Spanish names and each record's language are in the
    backup and come back with a restore."""
    Practice.objects.filter(slug=DETENTION).update(language="fr")
    backup(tmp_path / "names.json")
    Objective.objects.filter(number=13).update(title_fr="", short_title_es="")
    Region.objects.filter(code="002").update(name_es="")
    run("restore_catalogue", str(tmp_path / "names.json"), force=True)
    objective = Objective.objects.get(number=13)
    assert objective.title_fr.startswith("Ne recourir au placement en rétention")
    assert objective.short_title_es == "Alternativas a la detención"
    assert Region.objects.get(code="002").name_es == "África"
    assert Practice.objects.get(slug=DETENTION).language == "fr"
