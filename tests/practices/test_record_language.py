"""A record's language is an ISO 639-1 code at every door: the service (and so the admin),
an imported file, and the lists' filter (the API's writes: tests/api/test_names_by_language.py)."""

import pytest
from django.core.exceptions import ValidationError

from practices.models import Practice, is_language_code
from tests.practices.test_import_export import GOOD_ROWS, import_file, write_file
from tests.records import change, make

pytestmark = pytest.mark.django_db

NOT_CODES = ["zz", "EN", "eng", "e", "", "f1", "qq"]


@pytest.mark.parametrize("code", ["en", "fr", "es", "ar", "zh", "pt"])
def test_iso_639_1_codes_are_languages(code):
    assert is_language_code(code)


@pytest.mark.parametrize("code", NOT_CODES)
def test_what_is_no_iso_639_1_code_is_not_a_language(code):
    assert not is_language_code(code)


@pytest.mark.parametrize("code", ["zz", "EN", "qq"])
def test_the_service_refuses_a_language_that_is_none(code):
    """Two lower-case letters were enough; "zz" named no language."""
    with pytest.raises(ValidationError) as error:
        make(slug="a-record-in-no-language", language=code)
    assert "language" in error.value.message_dict
    assert "ISO 639-1" in " ".join(error.value.message_dict["language"])
    record = make(slug="a-record-in-portuguese", language="pt")
    with pytest.raises(ValidationError):
        change(record, language=code)
    assert Practice.objects.get(slug="a-record-in-portuguese").language == "pt"


def test_an_imported_file_gives_each_records_language(tmp_path):
    """The column takes a code in any case; a blank cell is English, the default; a code
    that is none makes the row invalid, naming the column, and nothing is written."""
    rows = [
        {**GOOD_ROWS[0], "language": "FR"},
        {**GOOD_ROWS[1], "language": ""},
    ]
    result = import_file(write_file(tmp_path / "languages.csv", rows))
    assert not result.invalid_rows
    assert Practice.objects.get(slug=GOOD_ROWS[0]["slug"]).language == "fr"
    assert Practice.objects.get(slug=GOOD_ROWS[1]["slug"]).language == "en"

    bad = [{**GOOD_ROWS[2], "language": "zz"}]
    result = import_file(write_file(tmp_path / "bad-language.csv", bad))
    [invalid] = result.invalid_rows
    assert "language" in invalid.error_dict
    assert not Practice.objects.filter(slug=GOOD_ROWS[2]["slug"]).exists()


@pytest.mark.parametrize("code", ["zz", "eng"])
def test_the_lists_filter_by_language_refuses_a_code_that_is_none(client, code):
    response = client.get("/api/practices/", {"language": code})
    assert response.status_code == 400
    assert "ISO 639-1" in response.json()["language"][0]
