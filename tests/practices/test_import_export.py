"""Bulk import and export of records: resources, spreadsheets and the admin's import pages."""

import html
import io

import openpyxl
import pytest
import tablib
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from import_export.formats.base_formats import CSV, XLSX

from practices.admin_import import RecordImportExportMixin
from practices.models import (
    Challenge,
    Opportunity,
    Practice,
    Recommendation,
    Status,
)
from practices.resources import (
    COLUMNS,
    PRACTICE_COLUMNS,
    RECORD_RESOURCES,
    ChallengeResource,
    PracticeResource,
    RecommendationResource,
)

pytestmark = pytest.mark.django_db

SOURCE = "gfmd-thematic-session-1-hrba-gcm-nip"
GOOD_ROWS = [
    {
        "slug": "viet-nam-child-protection-desks",
        "title": "Child protection desks at border crossings",
        "text": "Viet Nam – child protection desks at border crossings, with IOM support",
        "countries": "Viet Nam",
        "organisations": "IOM",
        "objectives": "13; 13h",
        "principles": "child-sensitive",
        "themes": "Child protection; alternatives-to-detention",
        "source": SOURCE,
        "section": "Table, Practices column (page 7)",
    },
    {
        "slug": "saudi-philippines-joint-labour-committee",
        "title": "A joint committee on the recruitment of household workers",
        "text": "Saudi – Philippines - a joint committee follows the recruitment of workers",
        "countries": "Saudi; Philippines",
        "organisations": "",
        "objectives": "6",
        "principles": "international-cooperation",
        "themes": "labour-rights, bilateral-and-regional-cooperation",
        "source": SOURCE,
        "section": "Table, Practices column (page 7)",
    },
    {
        "slug": "car-civil-registration-campaign",
        "title": "A civil registration campaign for displaced people",
        "text": "CAR – a civil registration campaign reaches displaced people",
        "countries": "CAR",
        "organisations": "",
        "objectives": "4",
        "principles": "",
        "themes": "identity-and-documentation",
        "source": SOURCE,
        "section": "Table, Practices column (page 7)",
    },
]
GOOD_SLUGS = [row["slug"] for row in GOOD_ROWS]
FORMAT_INDEX = {"csv": "0", "xlsx": "1"}


def write_file(path, rows, headers=COLUMNS):
    """Write rows as a real CSV or XLSX file; in XLSX a lone objective is a number cell."""
    if path.suffix == ".csv":
        dataset = tablib.Dataset(
            *([row.get(h, "") for h in headers] for row in rows), headers=headers
        )
        path.write_text(dataset.csv, encoding="utf-8")
        return path
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        cells = [row.get(h, "") for h in headers]
        sheet.append(
            [
                int(c) if h == "objectives" and c.isdigit() else c
                for h, c in zip(headers, cells, strict=True)
            ]
        )
    workbook.save(path)
    return path


def read_file(path) -> tablib.Dataset:
    """Read a file as the admin does, with django-import-export's formats."""
    if path.suffix == ".csv":
        return CSV(encoding="utf-8-sig").create_dataset(path.read_bytes())
    return XLSX().create_dataset(path.read_bytes())


def import_file(path, resource_class=PracticeResource, dry_run=False, **kwargs):
    return resource_class().import_data(
        read_file(path), dry_run=dry_run, raise_errors=False, use_transactions=True, **kwargs
    )


def import_types(result) -> list[str]:
    return [row.import_type for row in result.rows]


@pytest.fixture(params=["csv", "xlsx"])
def good_file(request, tmp_path):
    return write_file(tmp_path / f"session.{request.param}", GOOD_ROWS)


@pytest.fixture(params=["csv", "xlsx"])
def bad_file(request, tmp_path):
    rows = [dict(row) for row in GOOD_ROWS]
    rows[2]["countries"] = "Atlantis"
    return write_file(tmp_path / f"session.{request.param}", rows)


# The resources


def test_good_file_creates_drafts_with_resolved_names(good_file):
    """Names as reports write them resolve; an action brings its objective; all are drafts."""
    result = import_file(good_file)

    assert not result.has_errors() and not result.has_validation_errors()
    assert import_types(result) == ["new", "new", "new"]
    records = Practice.objects.in_bulk(GOOD_SLUGS, field_name="slug")
    viet_nam, saudi, car = (records[slug] for slug in GOOD_SLUGS)
    assert {record.status for record in records.values()} == {Status.DRAFT}
    assert [c.alpha2 for c in viet_nam.countries.all()] == ["VN"]
    assert [o.number for o in viet_nam.objectives.all()] == [13]
    assert [a.code for a in viet_nam.actions.all()] == ["13h"]
    assert [o.slug for o in viet_nam.organisations.all()] == ["iom"]
    assert {t.slug for t in viet_nam.themes.all()} == {
        "child-protection",
        "alternatives-to-detention",
    }
    assert {c.alpha2 for c in saudi.countries.all()} == {"SA", "PH"}
    assert [o.number for o in saudi.objectives.all()] == [6]
    assert not saudi.actions.exists()
    assert {t.slug for t in saudi.themes.all()} == {
        "labour-rights",
        "bilateral-and-regional-cooperation",
    }
    assert [c.alpha2 for c in car.countries.all()] == ["CF"]
    assert car.source.slug == SOURCE


def test_file_with_one_bad_row_creates_nothing_and_names_row_and_value(bad_file):
    """Row 3 names "Atlantis": the result says so, and rows 1 and 2 are not saved either."""
    result = import_file(bad_file)

    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 3
    assert invalid.error_dict == {"countries": ['Unknown country "Atlantis".']}
    assert not Practice.objects.filter(slug__in=GOOD_SLUGS).exists()


def test_reimporting_the_same_file_changes_nothing(good_file):
    """Every row of a second import is skipped: no save, no new version, no history."""
    import_file(good_file)
    versions = dict(Practice.objects.values_list("slug", "version"))
    history = Practice.history.count()

    result = import_file(good_file)

    assert import_types(result) == ["skip", "skip", "skip"]
    assert dict(Practice.objects.values_list("slug", "version")) == versions
    assert Practice.history.count() == history


def test_changed_row_updates_the_record_and_returns_it_to_draft(tmp_path):
    """A published record changed by an import is a draft again, one version later."""
    seeded = Practice.objects.get(slug="philippines-tripartite-decision-making-maternity-leave")
    assert seeded.status == Status.PUBLISHED
    row = {**PracticeResource.example_row, "countries": "Philippines; Saudi"}

    result = import_file(write_file(tmp_path / "change.csv", [row]))

    assert import_types(result) == ["update"]
    changed = Practice.objects.get(pk=seeded.pk)
    assert changed.status == Status.DRAFT
    assert changed.version == seeded.version + 1
    assert {c.alpha2 for c in changed.countries.all()} == {"PH", "SA"}


def test_editor_may_not_change_a_published_record_by_import(tmp_path):
    """Only a reviewer changes a published record, by form or by import."""
    editor = User.objects.create_user("edith")
    editor.user_permissions.set(
        Permission.objects.filter(codename__in=["add_practice", "change_practice"])
    )
    row = {**PracticeResource.example_row, "title": "Changed by an editor"}

    result = import_file(write_file(tmp_path / "change.csv", [row]), user=editor)

    [invalid] = result.invalid_rows
    assert "You may not change practices in status “published”. Only a reviewer may." in str(
        invalid.error
    )
    assert Practice.objects.get(slug=row["slug"]).status == Status.PUBLISHED


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("objectives", "13; 24", 'Unknown GCM objective or action "24".'),
        ("objectives", "13z", 'Unknown GCM objective or action "13z".'),
        ("organisations", "UNESCO", 'Unknown organisation "UNESCO".'),
        ("principles", "kindness", 'Unknown guiding principle "kindness".'),
        ("themes", "Astrology", 'Unknown theme "Astrology".'),
        ("source", "no-such-report", 'Unknown source "no-such-report".'),
    ],
)
def test_unknown_value_is_reported_by_column_and_value(tmp_path, column, value, message):
    """Every column that names rows refuses a name it does not know, saying which."""
    rows = [{**GOOD_ROWS[0], column: value}]

    result = import_file(write_file(tmp_path / "bad.csv", rows))

    [invalid] = result.invalid_rows
    assert invalid.error_dict[column] == [message]
    assert not Practice.objects.filter(slug=GOOD_SLUGS[0]).exists()


def test_comma_inside_a_country_name_is_not_a_separator(tmp_path):
    """ "Korea, Republic of" is one country; "Saudi, Philippines" is two."""
    rows = [
        {**GOOD_ROWS[0], "countries": "Korea, Republic of"},
        {**GOOD_ROWS[1], "countries": "Saudi, Philippines"},
    ]

    import_file(write_file(tmp_path / "commas.csv", rows))

    records = Practice.objects.in_bulk(GOOD_SLUGS[:2], field_name="slug")
    assert [c.alpha2 for c in records[GOOD_SLUGS[0]].countries.all()] == ["KR"]
    assert {c.alpha2 for c in records[GOOD_SLUGS[1]].countries.all()} == {"SA", "PH"}


def test_unknown_column_is_an_error_and_nothing_is_saved(tmp_path):
    """A misspelt header is reported rather than silently left out."""
    headers = [("countrys" if h == "countries" else h) for h in COLUMNS]
    rows = [{("countrys" if k == "countries" else k): v for k, v in GOOD_ROWS[0].items()}]

    result = import_file(write_file(tmp_path / "typo.csv", rows, headers=headers))

    assert result.has_errors()
    assert 'Unknown column(s) "countrys"' in str(result.base_errors[0].error)
    assert not Practice.objects.filter(slug=GOOD_SLUGS[0]).exists()


def test_headers_match_whatever_their_case(tmp_path):
    """ "Slug" and " Countries " are the slug and countries columns."""
    headers = [f" {column.title()} " for column in COLUMNS]
    rows = [{f" {k.title()} ": v for k, v in GOOD_ROWS[0].items()}]

    result = import_file(write_file(tmp_path / "titled.csv", rows, headers=headers))

    assert import_types(result) == ["new"]
    assert Practice.objects.get(slug=GOOD_SLUGS[0]).countries.get().alpha2 == "VN"


def test_slug_used_twice_in_a_file_is_an_error(tmp_path):
    """Two rows with one slug would overwrite each other: the second is refused."""
    rows = [GOOD_ROWS[0], {**GOOD_ROWS[1], "slug": GOOD_SLUGS[0]}]

    result = import_file(write_file(tmp_path / "twice.csv", rows))

    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert "already used by row 1" in invalid.error_dict["slug"][0]
    assert not Practice.objects.filter(slug=GOOD_SLUGS[0]).exists()


def test_blank_rows_are_skipped(tmp_path):
    """Empty lines a spreadsheet leaves below the table are not records."""
    blank = dict.fromkeys(COLUMNS, "")

    result = import_file(write_file(tmp_path / "blank.xlsx", [GOOD_ROWS[0], blank]))

    assert import_types(result) == ["new", "skip"]
    assert Practice.objects.filter(slug=GOOD_SLUGS[0]).exists()


def test_name_indexes_are_built_once_per_import(tmp_path):
    """The country table is read once for the whole file, not once per row."""
    rows = [{**GOOD_ROWS[n % 3], "slug": f"row-{n}"} for n in range(9)]
    path = write_file(tmp_path / "many.csv", rows)

    with CaptureQueriesContext(connection) as queries:
        import_file(path, dry_run=True)

    country_table_reads = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "practices_country"' in q["sql"] and "JOIN" not in q["sql"]
    ]
    assert len(country_table_reads) == 1


@pytest.mark.parametrize("model", [Practice, Challenge, Opportunity, Recommendation])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_of_seed_records_imports_back_unchanged(tmp_path, model, suffix):
    """Export writes the import columns, and importing the export changes nothing."""
    resource_class = RECORD_RESOURCES[model]
    dataset = resource_class().export()
    path = tmp_path / f"export{suffix}"
    if suffix == ".csv":
        path.write_text(CSV().export_data(dataset), encoding="utf-8")
    else:
        path.write_bytes(XLSX().export_data(dataset))
    versions = dict(model.objects.values_list("slug", "version"))
    history = model.history.count()

    result = import_file(path, resource_class)

    columns = [field.column_name for field in resource_class().get_import_fields()]
    assert dataset.headers == columns
    assert len(dataset) == model.objects.count() > 0
    assert set(import_types(result)) == {"skip"}
    assert dict(model.objects.values_list("slug", "version")) == versions
    assert model.history.count() == history
    assert not model.objects.exclude(status=Status.PUBLISHED).exists()


def test_export_reads_a_fixed_number_of_queries_whatever_the_rows():
    """Relations are prefetched: one record or all of them cost the same queries."""
    resource = ChallengeResource()
    one = Challenge.objects.filter(pk=Challenge.objects.values("pk")[:1])

    with CaptureQueriesContext(connection) as for_one:
        resource.export(queryset=one)
    with CaptureQueriesContext(connection) as for_all:
        resource.export(queryset=Challenge.objects.all())

    assert len(for_all) == len(for_one)


def test_export_writes_codes_and_objectives_before_actions():
    """Countries as ISO codes, "13; 13h" for an objective and its action."""
    mexico = Practice.objects.filter(
        slug="mexico-national-working-group-gcm-objective-13h"
    ).with_related()
    [row] = PracticeResource().export(queryset=mexico).dict

    assert row["countries"] == "MX"
    assert row["objectives"] == "13; 13h"


def test_kind_specific_columns_follow_the_shared_ones():
    """Challenges add addressed_by; recommendations add kind, whether it is stated, and area."""
    assert ChallengeResource().get_export_headers() == [*COLUMNS, "addressed_by"]
    assert RecommendationResource().get_export_headers() == [
        *COLUMNS,
        "kind",
        "kind_stated",
        "area",
    ]
    assert PracticeResource().get_export_headers() == [*COLUMNS, *PRACTICE_COLUMNS]


@pytest.mark.parametrize("model", [Practice, Challenge, Opportunity, Recommendation])
def test_untouched_template_imports_as_a_no_op(model):
    """The template's example row is a real seeded record, written as editors write it."""
    resource_class = RECORD_RESOURCES[model]

    result = resource_class().import_data(resource_class.template_dataset())

    assert not result.has_errors() and not result.has_validation_errors()
    assert import_types(result) == ["skip"]


# The admin


@pytest.fixture
def wired():
    """The admin tests need RecordAdmin to put RecordImportExportMixin first in its bases."""
    assert RecordImportExportMixin in type(admin.site._registry[Practice]).__mro__


@pytest.fixture
def superuser_client(wired):
    client = Client()
    client.force_login(User.objects.create_superuser("sam", password="x-Unguessable-9"))
    return client


def client_with(*codenames):
    user = User.objects.create_user("pat", password="x-Unguessable-9", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def upload(client, path):
    with path.open("rb") as handle:
        return client.post(
            "/admin/practices/practice/import/",
            {"resource": "0", "format": FORMAT_INDEX[path.suffix[1:]], "import_file": handle},
        )


def test_admin_import_previews_then_creates_drafts_on_confirm(superuser_client, good_file):
    """Upload shows a preview and a confirm button; confirming creates the records."""
    preview = upload(superuser_client, good_file)

    assert preview.status_code == 200
    assert import_types(preview.context["result"]) == ["new", "new", "new"]
    assert 'name="confirm"' in preview.content.decode()
    assert not Practice.objects.filter(slug__in=GOOD_SLUGS).exists()

    confirm = superuser_client.post(
        "/admin/practices/practice/process_import/", preview.context["confirm_form"].initial
    )

    assert confirm.status_code == 302
    records = Practice.objects.filter(slug__in=GOOD_SLUGS)
    assert records.count() == 3
    assert set(records.values_list("status", flat=True)) == {Status.DRAFT}


def test_admin_preview_of_a_bad_file_names_the_error_and_offers_no_confirm(
    superuser_client, bad_file
):
    """The preview lists row 3's unknown country and has no confirm button."""
    response = upload(superuser_client, bad_file)

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert 'Unknown country "Atlantis".' in page
    assert 'name="confirm"' not in page
    assert "confirm_form" not in response.context
    assert not Practice.objects.filter(slug__in=GOOD_SLUGS).exists()


def test_import_page_links_the_templates(superuser_client):
    """The import page offers the template spreadsheet in both formats."""
    page = superuser_client.get("/admin/practices/practice/import/").content.decode()

    assert "/admin/practices/practice/import-template/xlsx/" in page
    assert "/admin/practices/practice/import-template/csv/" in page


def test_csv_template_has_the_columns_and_the_example_row(superuser_client):
    """The CSV template answers with the columns and one realistic example row."""
    response = superuser_client.get("/admin/practices/challenge/import-template/csv/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    dataset = tablib.Dataset().load(response.content.decode("utf-8-sig"), format="csv")
    assert dataset.headers == [*COLUMNS, "addressed_by"]
    assert dataset.dict == [ChallengeResource.example_row]


def test_xlsx_template_has_the_columns_and_the_example_row(superuser_client):
    """The XLSX template answers with the columns and the Philippines practice."""
    response = superuser_client.get("/admin/practices/practice/import-template/xlsx/")

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, example = (list(row) for row in sheet.iter_rows(values_only=True))
    assert header == [*COLUMNS, *PRACTICE_COLUMNS]
    assert dict(zip(header, example, strict=True))["countries"] == "Philippines"
    assert example[0] == PracticeResource.example_row["slug"]


def test_template_in_another_format_is_not_found(superuser_client):
    """Only csv and xlsx templates exist."""
    response = superuser_client.get("/admin/practices/practice/import-template/json/")

    assert response.status_code == 404


def test_admin_export_writes_the_import_columns(superuser_client):
    """The admin's export of practices is a CSV with the import columns, one row each."""
    fields = {f"practiceresource_{column}": "on" for column in COLUMNS}
    response = superuser_client.post(
        "/admin/practices/practice/export/", {"format": "0", "resource": "0", **fields}
    )

    assert response.status_code == 200
    dataset = tablib.Dataset().load(response.content.decode("utf-8"), format="csv")
    assert dataset.headers == list(COLUMNS)
    assert len(dataset) == Practice.objects.count()


def test_user_without_add_and_change_permission_cannot_import(wired):
    """Viewing is not enough: no import button, the import page and template are 403."""
    client = client_with("view_practice", "add_practice")

    changelist = client.get("/admin/practices/practice/")

    assert changelist.status_code == 200
    assert "/admin/practices/practice/import/" not in changelist.content.decode()
    assert client.get("/admin/practices/practice/import/").status_code == 403
    assert client.get("/admin/practices/practice/import-template/csv/").status_code == 403
    assert client.get("/admin/practices/practice/export/").status_code == 200


def test_editor_with_add_and_change_permission_may_import(wired):
    """An editor's add and change permissions open the import page and its button."""
    client = client_with("view_practice", "add_practice", "change_practice")

    changelist = client.get("/admin/practices/practice/")

    assert "/admin/practices/practice/import/" in changelist.content.decode()
    assert client.get("/admin/practices/practice/import/").status_code == 200
