"""Formula (CSV) injection: every CSV and XLSX the app writes keeps a record's text as
text, and the admin's import takes back exactly what its export wrote."""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.test import Client

from practices.cache import catalogue_changed
from practices.models import Practice, Status, Theme
from practices.resources import COLUMNS
from practices.spreadsheets import escape_formula, unescape_formula

pytestmark = pytest.mark.django_db

# What a spreadsheet would run, and what it would not but escaping must leave intact.
FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-5",
    "@SUM(A1:A2)",
    "\tcmd",
    "\r=1",
]
LOOKALIKES = ["'=already quoted", "''+twice", "'plain quote", "a = b", "", "'"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FORMATS = {"csv": "0", "xlsx": "1"}


@pytest.mark.parametrize("text", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_is_quoted(text):
    """=, +, -, @, tab and carriage return get a "'" in front, negative numbers too."""
    assert escape_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["plain", "a = b", "5", "'plain quote", "", "'"])
def test_a_cell_no_spreadsheet_would_run_is_left_alone(text):
    """Only a leading trigger counts; a quote before an ordinary text is ordinary text."""
    assert escape_formula(text) == text


@pytest.mark.parametrize("text", FORMULAS + LOOKALIKES)
def test_unescaping_an_escaped_cell_gives_the_text_back_exactly(text):
    """Import undoes export exactly, even for a text that already starts with "'="."""
    assert unescape_formula(escape_formula(text)) == text


def test_import_takes_off_only_a_quote_before_a_trigger():
    """ "'=x" imports as "=x"; "'abc" stays "'abc"."""
    assert unescape_formula("'=x") == "=x"
    assert unescape_formula("'abc") == "'abc"


def published_practices(count: int) -> list[Practice]:
    return list(Practice.objects.published().order_by("pk")[:count])


def practices_with(texts: list[str]) -> dict[str, str]:
    """Give published practices these titles and texts; their texts by slug."""
    practices = published_practices(len(texts))
    for practice, text in zip(practices, texts, strict=True):
        Practice.objects.filter(pk=practice.pk).update(text=text, title=text or "x")
    Practice.objects.filter(pk=practices[0].pk).update(section="-5 (page 1)")
    catalogue_changed()
    return {practice.slug: text for practice, text in zip(practices, texts, strict=True)}


@pytest.fixture
def formula_practices():
    """Published practices whose title, text and section a spreadsheet would run."""
    return practices_with(FORMULAS + LOOKALIKES[:3])


@pytest.fixture
def portable_practices():
    """The same without the lone carriage return, which CSV readers and XLSX's XML turn
    into a line feed whatever the escaping: a file cannot carry it back."""
    return practices_with([text for text in FORMULAS if "\r" not in text] + LOOKALIKES[:3])


def streamed_csv(response) -> list[list[str]]:
    content = response.getvalue() if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def by_slug(rows) -> dict[str, dict]:
    """A table's rows (header first) as dictionaries, by their slug cell."""
    header = rows[0]
    return {row["slug"]: row for row in (dict(zip(header, r, strict=True)) for r in rows[1:])}


def assert_no_cell_starts_a_formula(rows) -> None:
    running = [cell for row in rows for cell in row if str(cell or "").startswith(TRIGGERS)]
    assert running == []


def test_api_csv_of_a_record_list_quotes_formulas(api, formula_practices):
    """?format=csv on /api/practices/ writes =HYPERLINK(...) as "'=HYPERLINK(...)"."""
    response = api.get("/api/practices/", {"format": "csv"})

    rows = streamed_csv(response)
    assert_no_cell_starts_a_formula(rows)
    records = by_slug(rows)
    for slug, text in formula_practices.items():
        assert records[slug]["text"] == escape_formula(text)


def test_api_csv_of_one_record_quotes_formulas(api, formula_practices):
    """?format=csv on one record goes through the same rule."""
    slug = next(iter(formula_practices))

    response = api.get(f"/api/practices/{slug}/", {"format": "csv"})

    header, row = streamed_csv(response)
    assert_no_cell_starts_a_formula([row])
    assert dict(zip(header, row, strict=True))["text"] == "'" + formula_practices[slug]


def test_api_csv_of_a_reference_list_quotes_formulas(api):
    """The lists serialised one row at a time (themes here) are covered too."""
    theme = Theme.objects.order_by("pk").first()
    Theme.objects.filter(pk=theme.pk).update(name="=1+2", description="@cmd")
    catalogue_changed()

    rows = streamed_csv(api.get("/api/themes/", {"format": "csv"}))

    assert_no_cell_starts_a_formula(rows)
    row = by_slug(rows)[theme.slug]
    assert (row["name"], row["description"]) == ("'=1+2", "'@cmd")


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(User.objects.create_superuser("sam", password="x-Unguessable-9"))
    return client


def admin_export(client, file_format: str):
    fields = {f"practiceresource_{column}": "on" for column in COLUMNS}
    response = client.post(
        "/admin/practices/practice/export/",
        {"format": EXPORT_FORMATS[file_format], "resource": "0", **fields},
    )
    assert response.status_code == 200
    return response.content


def exported_rows(content: bytes, file_format: str) -> list[list]:
    if file_format == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"] == []
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_admin_export_writes_formulas_as_quoted_text(
    superuser_client, formula_practices, file_format
):
    """Every cell of the admin's CSV and XLSX export is text no spreadsheet would run."""
    rows = exported_rows(admin_export(superuser_client, file_format), file_format)

    assert_no_cell_starts_a_formula(rows)
    records = by_slug(rows)
    for slug, text in formula_practices.items():
        expected, found = escape_formula(text), records[slug]["text"] or ""
        if file_format == "xlsx":
            # A lone CR in XML text reads back as a line feed, or as a CR where openpyxl
            # parses with lxml (installed with python-docx): either way the text is safe.
            expected, found = expected.replace("\r", "\n"), found.replace("\r", "\n")
        assert found == expected
    assert records[next(iter(formula_practices))]["section"] == "'-5 (page 1)"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_admin_export_imports_back_unchanged(superuser_client, portable_practices, file_format):
    """Importing the admin's own export reports no change and leaves every text as it was."""
    content = admin_export(superuser_client, file_format)
    before = dict(Practice.objects.values_list("slug", "text"))
    versions = dict(Practice.objects.values_list("slug", "version"))
    upload = io.BytesIO(content)
    upload.name = f"practices.{file_format}"

    preview = superuser_client.post(
        "/admin/practices/practice/import/",
        {"resource": "0", "format": EXPORT_FORMATS[file_format], "import_file": upload},
    )

    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert {row.import_type for row in result.rows} == {"skip"}
    superuser_client.post(
        "/admin/practices/practice/process_import/", preview.context["confirm_form"].initial
    )
    assert dict(Practice.objects.values_list("slug", "text")) == before
    assert dict(Practice.objects.values_list("slug", "version")) == versions
    assert (
        not Practice.objects.filter(slug__in=portable_practices)
        .exclude(status=Status.PUBLISHED)
        .exists()
    )


@pytest.mark.parametrize("kind", ["practice", "challenge", "opportunity", "recommendation"])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_admin_import_templates_hold_no_formula(superuser_client, kind, file_format):
    """The template spreadsheets, written without the resources' widgets, are text too."""
    response = superuser_client.get(f"/admin/practices/{kind}/import-template/{file_format}/")

    assert response.status_code == 200
    assert_no_cell_starts_a_formula(exported_rows(response.content, file_format))
