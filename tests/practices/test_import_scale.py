"""Import at the scale of a whole meeting: bulk writes with bounded queries, history and
locking kept, the admin's upload cap and temporary files, and `manage.py import_records`."""

import html
import io
import os
import time

import pytest
import tablib
from django.contrib.auth.models import Group, Permission, User
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.test.utils import CaptureQueriesContext

from practices import editing, importing, search
from practices.cache import generation
from practices.models import Practice, Status
from practices.resources import COLUMNS, PracticeResource, RecordImportResult
from tests.records import change, make

pytestmark = pytest.mark.django_db

SOURCE = "gfmd-thematic-session-1-hrba-gcm-nip"
PUBLISHED = "philippines-tripartite-decision-making-maternity-leave"
SHAPES = [
    {
        "countries": "Viet Nam",
        "organisations": "IOM",
        "objectives": "13; 13h",
        "principles": "child-sensitive",
        "themes": "Child protection; alternatives-to-detention",
    },
    {
        "countries": "Saudi; Philippines",
        "organisations": "",
        "objectives": "6",
        "principles": "international-cooperation",
        "themes": "labour-rights, bilateral-and-regional-cooperation",
    },
    {
        "countries": "Korea, Republic of",
        "organisations": "ILO; UNICEF",
        "objectives": "7; 15",
        "principles": "",
        "themes": "identity-and-documentation",
    },
]


def rows(count: int, prefix: str = "scale", title: str = "Regular pathways") -> list[dict]:
    """`count` rows naming countries, organisations, objectives and themes as reports do."""
    return [
        {
            "slug": f"{prefix}-{n:05d}",
            "title": f"{title} {n}",
            "text": f"Row {n}: a practice reported at the session, with its partners.",
            **SHAPES[n % len(SHAPES)],
            "source": SOURCE,
            "section": f"Table, page {n % 40 + 1}",
            "language": "en",
        }
        for n in range(count)
    ]


def dataset(lines: list[dict], headers=COLUMNS) -> tablib.Dataset:
    return tablib.Dataset(*([line[h] for h in headers] for line in lines), headers=headers)


def run(lines, dry_run=False, **kwargs):
    return PracticeResource().import_data(dataset(lines), dry_run=dry_run, **kwargs)


def queries_of(lines, dry_run=False) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = run(lines, dry_run=dry_run)
    assert not result.has_errors() and not result.has_validation_errors()
    return len(captured.captured_queries)


def assert_bounded(small: int, large: int, rows_added: int) -> None:
    """No more queries on PostgreSQL (1,000 rows per INSERT); on SQLite, whose INSERTs
    Django keeps to 999 parameters (58 history rows), at most one more per 10 rows."""
    if connection.vendor == "postgresql":
        assert large == small
    assert large - small <= rows_added / 10, (small, large)


# Queries


def test_a_dry_run_makes_the_same_queries_for_50_rows_and_200():
    """The preview reads tables and stored records once per file, not once per row."""
    small = queries_of(rows(50, "small"), dry_run=True)
    large = queries_of(rows(200, "large"), dry_run=True)

    assert large == small < 30


def test_creating_200_records_takes_few_more_queries_than_creating_50():
    """Records, relation rows and history rows are inserted in bulk."""
    small = queries_of(rows(50, "small"))
    large = queries_of(rows(200, "large"))

    assert small < 60
    assert_bounded(small, large, 150)


def test_updating_200_records_takes_few_more_queries_than_updating_50():
    """Changed records are claimed, written and recorded in bulk, with their relations."""
    run(rows(50, "small"))
    run(rows(200, "large"))
    changed = [{**line, "countries": "Mexico; Chad"} for line in rows(50, "small", "Changed")]
    small = queries_of(changed)
    changed = [{**line, "countries": "Mexico; Chad"} for line in rows(200, "large", "Changed")]
    large = queries_of(changed)

    assert small < 80
    assert_bounded(small, large, 150)
    assert not Practice.objects.filter(slug__startswith="large-").exclude(version=2).exists()


# What a bulk import writes


def test_imported_records_have_their_relations_history_and_search():
    """One history row per record, with the relations as written; search finds it."""
    before = generation()
    run(rows(3), file_name="session.csv")

    record = Practice.objects.get(slug="scale-00000")
    assert (record.status, record.version) == (Status.DRAFT, 1)
    assert [c.alpha2 for c in record.countries.all()] == ["VN"]
    assert [a.code for a in record.actions.all()] == ["13h"]
    [entry] = record.history.all()
    assert (entry.history_type, entry.history_user, entry.version) == ("+", None, 1)
    assert entry.history_change_reason == "Imported from session.csv"
    assert [row.country.alpha2 for row in entry.countries.all()] == ["VN"]
    assert {row.theme.slug for row in entry.themes.all()} == {
        "child-protection",
        "alternatives-to-detention",
    }
    assert search.search(Practice.objects.all(), "partners").filter(pk=record.pk).exists()
    assert generation() > before


def test_an_update_replaces_the_named_relations_and_keeps_the_others():
    """Relations named in the file are set exactly; a column the file lacks is left alone."""
    run(rows(1))
    record = Practice.objects.get(slug="scale-00000")
    headers = [h for h in COLUMNS if h != "organisations"]
    line = {**rows(1)[0], "countries": "Mexico; Viet Nam", "title": "Changed"}
    user = User.objects.create_superuser("rae", password="x-Unguessable-9")

    result = PracticeResource().import_data(dataset([line], headers), user=user)

    assert [row.import_type for row in result.rows] == ["update"]
    record = Practice.objects.get(pk=record.pk)
    assert (record.title, record.version) == ("Changed", 2)
    assert {c.alpha2 for c in record.countries.all()} == {"MX", "VN"}
    assert [o.slug for o in record.organisations.all()] == ["iom"]
    latest = record.history.first()
    assert (latest.history_type, latest.history_user, latest.version) == ("~", user, 2)
    assert {row.country.alpha2 for row in latest.countries.all()} == {"MX", "VN"}
    assert [row.organisation.slug for row in latest.organisations.all()] == ["iom"]


def test_a_record_saved_meanwhile_stops_the_whole_import():
    """Of the import and an editor who both read version 1, one wins: here the editor,
    and the import writes nothing at all, naming the row."""
    record = make(slug="saved-meanwhile", status=Status.DRAFT)
    lines = [{**rows(1)[0], "slug": "saved-meanwhile"}, *rows(2, "fresh")]
    resource = PracticeResource()
    resource.before_import(dataset(lines))
    planned = resource.read_rows(lines)
    plan = importing.records_check(model=Practice, rows=planned, user=editing.OPERATOR)
    change(record, title="Saved by an editor meanwhile")

    plan = importing.records_write(plan=plan)

    assert not plan.written
    [overtaken] = [p for p in plan.rows if p.action == importing.Action.INVALID]
    assert overtaken.row.number == 1
    assert "now version 2" in overtaken.errors["__all__"][0]
    assert Practice.objects.get(pk=record.pk).title == "Saved by an editor meanwhile"
    assert not Practice.objects.filter(slug__startswith="fresh-").exists()


def test_a_slug_taken_meanwhile_stops_the_whole_import():
    """A record saved with a new row's slug after the check: the database refuses the
    insert, and nothing of the file is written."""
    lines = rows(3, "fresh")
    resource = PracticeResource()
    resource.before_import(dataset(lines))
    plan = importing.records_check(
        model=Practice, rows=resource.read_rows(lines), user=editing.OPERATOR
    )
    make(slug="fresh-00002")

    plan = importing.records_write(plan=plan)

    assert not plan.written
    assert isinstance(plan.failure, importing.ImportConflict)
    assert "nothing was imported" in str(plan.failure)
    assert list(
        Practice.objects.filter(slug__startswith="fresh-").values_list("slug", flat=True)
    ) == ["fresh-00002"]


def test_every_bad_row_is_reported_and_nothing_is_written():
    """Three bad rows in 200: each named by number and column, no record saved."""
    lines = rows(200)
    lines[10]["countries"] = "Atlantis"
    lines[120]["source"] = "no-such-report"
    lines[199]["slug"] = lines[0]["slug"]

    result = run(lines)

    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert errors == {
        11: {"countries": ['Unknown country "Atlantis".']},
        121: {"source": ['Unknown source "no-such-report".']},
        200: {"slug": ['Slug "scale-00000" is already used by row 1 of this file.']},
    }
    assert not Practice.objects.filter(slug__startswith="scale-").exists()


# The admin: upload cap and temporary files


@pytest.fixture
def uploads(settings, tmp_path):
    """The admin's uploads wait in tmp_path (a storage of their own, as on a cluster)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "import_export": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path / "import-uploads"


def refused(group: str) -> str:
    """What the rule table says to a member of `group` changing a published practice."""
    member = User.objects.create_user(f"member-of-{group}")
    member.groups.set(Group.objects.filter(name=group))
    return editing.refusal(member, Practice, editing.Operation.CHANGE, Status.PUBLISHED)


def kept(folder) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def login(*, groups=(), superuser=False) -> Client:
    call_command("setup_roles", stdout=io.StringIO())
    if superuser:
        user = User.objects.create_superuser("sam", password="x-Unguessable-9")
    else:
        user = User.objects.create_user("edith", password="x-Unguessable-9", is_staff=True)
        user.groups.set(Group.objects.filter(name__in=groups))
    client = Client()
    client.force_login(user)
    return client


def upload(client, lines, name="session.csv"):
    content = io.BytesIO(dataset(lines).csv.encode("utf-8"))
    content.name = name
    client.uploaded = len(content.getvalue())
    return client.post(
        "/admin/practices/practice/import/",
        {"resource": "0", "format": "0", "import_file": content},
    )


def confirm(client, preview):
    return client.post(
        "/admin/practices/practice/process_import/", preview.context["confirm_form"].initial
    )


def shown(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def test_a_confirmed_import_leaves_no_file_behind(uploads):
    """The preview keeps the file for the confirm, which imports it and deletes it."""
    client = login(superuser=True)

    preview = upload(client, rows(3))

    assert len(kept(uploads)) == 1
    response = confirm(client, preview)
    assert response.status_code == 302
    assert kept(uploads) == []
    assert Practice.objects.filter(slug__startswith="scale-").count() == 3


def test_the_preview_sums_up_and_shows_at_most_its_limit_of_rows(uploads, monkeypatch):
    """A big file's preview counts every row and lists the first ones, with their diffs:
    the stored record's cells against the row's."""
    monkeypatch.setattr(RecordImportResult, "preview_limit", 2)
    run(rows(1))
    lines = [{**rows(1)[0], "countries": "Viet Nam; Chad"}, *rows(3, "more")]

    response = upload(login(superuser=True), lines)

    page = html.unescape(response.content.decode())
    assert "4 rows: 3 new, 1 to update, 0 unchanged, 0 blank." in page
    assert "The first 2 are shown." in page
    assert page.count('<tr class="new">') + page.count('<tr class="update">') == 2
    assert '<td><ins style="background:#e6ffe6;">TD; </ins><span>VN</span></td>' in page


def test_a_preview_with_errors_leaves_no_file_behind(uploads):
    """No confirm is offered, so the file is not kept."""
    lines = rows(3)
    lines[1]["countries"] = "Atlantis"

    response = upload(login(superuser=True), lines)

    page = html.unescape(response.content.decode())
    assert 'Unknown country "Atlantis".' in page
    assert "1 row has errors, and nothing is imported until it is corrected." in page
    assert kept(uploads) == []


def test_a_confirm_that_fails_imports_nothing_says_why_and_leaves_no_file(uploads):
    """A record published between an editor's preview and confirm: the confirm refuses,
    shows the error instead of success, and deletes the file."""
    record = make(slug="scale-00000", status=Status.DRAFT)
    client = login(groups=["Editors"])
    preview = upload(client, [{**rows(1)[0], "title": "An editor's change"}])
    assert "confirm_form" in preview.context
    change(record, status=Status.PUBLISHED)

    response = confirm(client, preview)

    assert response.status_code == 302
    assert response["Location"] == "/admin/practices/practice/import/"
    assert "Nothing was imported" in shown(response)
    assert refused("Editors") in shown(response)
    assert Practice.objects.get(pk=record.pk).title != "An editor's change"
    assert kept(uploads) == []


def test_a_preview_nobody_confirmed_is_swept_after_an_hour(uploads):
    """The next upload deletes files older than an hour; a later confirm of the old
    preview asks for the file again."""
    client = login(superuser=True)
    abandoned = upload(client, rows(2, "abandoned"))
    [old] = kept(uploads)
    two_hours_ago = time.time() - 2 * 3600
    os.utime(uploads / old, (two_hours_ago, two_hours_ago))

    upload(client, rows(2, "fresh"))

    assert len(kept(uploads)) == 1 and old not in kept(uploads)
    late = confirm(client, abandoned)
    assert late.status_code == 302
    assert "upload it again" in shown(late)
    assert not Practice.objects.filter(slug__startswith="abandoned-").exists()


def test_a_file_over_the_limit_is_refused_with_the_size_the_limit_and_the_command(
    uploads, settings
):
    """The form names the file's size, the limit and the command for bigger files."""
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    client = login(superuser=True)

    response = upload(client, rows(20))

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    size = filesizeformat(client.uploaded)
    assert f"This file is {size}; the admin imports files up to 1.0\xa0KB." in page
    assert "manage.py import_records FILE --kind practice" in page
    assert "confirm_form" not in response.context
    assert kept(uploads) == []
    assert not Practice.objects.filter(slug__startswith="scale-").exists()


def test_the_import_page_states_the_limit():
    """Editors see the limit, and the command for bigger files, before they upload."""
    page = login(superuser=True).get("/admin/practices/practice/import/").content.decode()

    assert "Files up to 20.0\xa0MB" in html.unescape(page)
    assert "manage.py import_records FILE --kind practice" in page


# The command


def write_csv(path, lines, headers=COLUMNS):
    path.write_text(dataset(lines, headers).csv, encoding="utf-8")
    return path


def command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_records", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports_a_file_and_sums_it_up(tmp_path):
    """Rows new, changed, unchanged and blank, counted apart."""
    run(rows(2, "known"))
    lines = [*rows(3), rows(1, "known")[0], {**rows(2, "known")[1], "title": "Changed"}]
    lines.append(dict.fromkeys(COLUMNS, ""))

    out, _ = command(write_csv(tmp_path / "meeting.csv", lines))

    assert "Created 3, updated 1; unchanged 1, skipped 1 blank rows." in out
    assert Practice.objects.filter(slug__startswith="scale-").count() == 3
    assert Practice.objects.get(slug="known-00001").title == "Changed"


def test_command_reads_xlsx_as_well(tmp_path):
    """A spreadsheet saved by Excel imports like its CSV."""
    path = tmp_path / "meeting.xlsx"
    path.write_bytes(dataset(rows(2)).export("xlsx"))

    out, _ = command(path)

    assert "Created 2, updated 0" in out
    record = Practice.objects.get(slug="scale-00001")
    assert {c.alpha2 for c in record.countries.all()} == {"SA", "PH"}


def test_command_with_a_bad_row_writes_nothing_and_fails(tmp_path):
    """Every error is printed with its row and column, and the exit status is not 0."""
    lines = rows(5)
    lines[3]["countries"] = "Atlantis"
    lines[4]["objectives"] = "24"
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 bad rows"):
        call_command("import_records", str(write_csv(tmp_path / "bad.csv", lines)), stderr=err)

    assert 'Row 4, countries: Unknown country "Atlantis".' in err.getvalue()
    assert 'Row 5, objectives: Unknown GCM objective or action "24".' in err.getvalue()
    assert not Practice.objects.filter(slug__startswith="scale-").exists()


def test_command_as_an_editor_may_not_change_a_published_record(tmp_path):
    """--user applies the rule table to that account: the command is no back door."""
    call_command("setup_roles", stdout=io.StringIO())
    editor = User.objects.create_user("edith")
    editor.groups.set(Group.objects.filter(name="Editors"))
    row = {**PracticeResource.example_row, "title": "Changed by an editor"}
    path = write_csv(tmp_path / "change.csv", [row])
    err = io.StringIO()

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_records", str(path), "--user", "edith", stderr=err)

    assert f"Row 1: {refused('Editors')}" in err.getvalue()
    assert Practice.objects.get(slug=PUBLISHED).status == Status.PUBLISHED


def test_command_dry_run_writes_nothing(tmp_path):
    """--dry-run checks every row and says what it would do."""
    out, _ = command(write_csv(tmp_path / "meeting.csv", rows(4)), "--dry-run")

    assert "Would create 4, update 0" in out
    assert "Dry run: nothing was written." in out
    assert not Practice.objects.filter(slug__startswith="scale-").exists()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_command_shows_its_progress_on_a_terminal(tmp_path):
    """A line rewritten as rows are read, checked and written; none when not a terminal."""
    terminal = Terminal()

    call_command(
        "import_records",
        str(write_csv(tmp_path / "m.csv", rows(3))),
        stdout=io.StringIO(),
        stderr=terminal,
    )

    shown = terminal.getvalue()
    assert "\r  3 / 3 rows read" in shown
    assert "\r  3 / 3 rows checked" in shown
    assert "\r  writing 3 rows" in shown
    _, err = command(write_csv(tmp_path / "n.csv", rows(2, "more")))
    assert err == ""


def test_command_imports_other_kinds_and_refuses_other_files(tmp_path):
    """--kind picks the resource; a file that is not CSV or XLSX, or an unknown account,
    is an error."""
    row = {**PracticeResource.example_row, "slug": "a-recommendation"}
    lines = [{**row, "kind": "general", "area": "Detention"}]
    path = write_csv(tmp_path / "recs.csv", lines, [*COLUMNS, "kind", "area"])

    out, _ = command(path, "--kind", "recommendation")

    assert "Created 1" in out
    with pytest.raises(CommandError, match=r"\.csv and \.xlsx"):
        command(tmp_path / "recs.ods")
    with pytest.raises(CommandError, match="No account named 'nobody'"):
        command(path, "--user", "nobody")


def test_command_user_needs_add_permission_for_new_rows(tmp_path):
    """An account without add permission creates nothing."""
    viewer = User.objects.create_user("vic")
    viewer.user_permissions.set(Permission.objects.filter(codename="view_practice"))

    with pytest.raises(CommandError):
        command(write_csv(tmp_path / "new.csv", rows(2)), "--user", "vic")

    assert not Practice.objects.filter(slug__startswith="scale-").exists()
