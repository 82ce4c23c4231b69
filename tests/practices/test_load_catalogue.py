import io
import shutil

import pytest
import yaml
from django.core.management import CommandError, call_command

from practices.models import Challenge, Country, Practice, Recommendation, Region, Theme
from practices.services import DATA_DIR, RECORD_KINDS

pytestmark = pytest.mark.django_db


def load(**options) -> str:
    out = io.StringIO()
    call_command("load_catalogue", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def data_copy(tmp_path):
    """A copy of the curated data files that a test may spoil."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def edit_catalogue(data_dir, name, change):
    """Apply `change` to the parsed catalogue file `name` and write it back."""
    path = data_dir / "catalogue" / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_second_load_changes_nothing_and_says_so():
    """The session already loaded the catalogue once; loading again is a no-op."""
    before = {model: model.objects.count() for model in (Practice, Challenge, Recommendation)}
    output = load()
    assert "Nothing changed." in output
    assert "created" not in output and "updated" not in output
    assert {model: model.objects.count() for model in before} == before


def test_load_reports_counts_by_kind():
    """The loader states how many records of each kind the catalogue holds."""
    output = load()
    for model in (Practice, Challenge, Recommendation):
        count = model.objects.count()
        assert f"{str(model._meta.verbose_name_plural).capitalize()}: {count} " in output


def test_bad_entry_writes_nothing_and_names_itself(data_copy):
    """One unknown country aborts the load: earlier edits in the same run are undone."""
    first = Practice.objects.order_by("pk").first()

    def spoil(data):
        data["entries"][0]["title"] = "Changed by a load that must not land"
        data["entries"].insert(1, {**data["entries"][0], "slug": "a-brand-new-entry"})
        data["entries"][-1]["countries"] = ["Atlantis"]

    edit_catalogue(data_copy, "thematic-session-1.yaml", spoil)
    bad_slug = yaml.safe_load(
        (data_copy / "catalogue" / "thematic-session-1.yaml").read_text(encoding="utf-8")
    )["entries"][-1]["slug"]

    with pytest.raises(CommandError) as error:
        load(data_dir=data_copy)

    message = str(error.value)
    assert "Nothing was loaded" in message
    assert "thematic-session-1.yaml" in message and bad_slug in message
    assert 'Unknown country "Atlantis"' in message
    first.refresh_from_db()
    assert first.title != "Changed by a load that must not land"
    assert not any(
        model.objects.filter(slug="a-brand-new-entry").exists()
        for model in (Practice, Challenge, Recommendation)
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"objectives": [24]}, "unknown GCM objective 24"),
        ({"themes": ["astrology"]}, "unknown theme astrology"),
        ({"actions": ["13z"]}, "unknown GCM action 13z"),
        ({"actions": ["thirteen"]}, 'action "thirteen" is not of the form 13h'),
        ({"organisations": ["ACME"]}, 'Unknown organisation "ACME"'),
        ({"contries": ["Chad"]}, "unknown field(s) contries"),
        ({"kind": "anecdote"}, "kind must be one of"),
        ({"slug": "Not a slug!"}, "slug:"),
    ],
)
def test_each_kind_of_bad_entry_is_named(data_copy, change, expected):
    """Every mistake an editor can make in the data file gets its own clear message."""
    edit_catalogue(
        data_copy, "working-session-human-rights.yaml", lambda d: d["entries"][2].update(change)
    )
    with pytest.raises(CommandError, match=r"working-session-human-rights\.yaml, entry 3") as error:
        load(data_dir=data_copy)
    assert expected in str(error.value)


def test_a_changed_entry_is_updated_in_place(data_copy):
    """Editing the data file and loading again updates that record and nothing else."""
    entry = yaml.safe_load(
        (data_copy / "catalogue" / "thematic-session-1.yaml").read_text(encoding="utf-8")
    )["entries"][0]

    def retitle(data):
        data["entries"][0]["title"] = "A corrected title"
        data["entries"][0]["countries"] = ["Chad"]

    edit_catalogue(data_copy, "thematic-session-1.yaml", retitle)
    output = load(data_dir=data_copy)

    record = RECORD_KINDS[entry["kind"]].objects.get(slug=entry["slug"])
    assert record.title == "A corrected title"
    assert list(record.countries.values_list("alpha2", flat=True)) == ["TD"]
    assert "1 updated" in output
    assert Country.objects.count() == 249


def test_a_reference_entry_with_an_unexpected_key_is_refused(data_copy):
    """A misspelt or stray key in gcm.yaml is named, not ignored."""
    path = data_copy / "gcm.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["objectives"][19]["safer and cheaper transfer"] = None
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(CommandError, match=r"gcm\.yaml objectives, entry 20"):
        load(data_dir=data_copy)


def test_an_entry_says_its_language_and_a_bad_code_is_named(data_copy):
    """An entry's `language` is loaded (English when it says none); a code that is not
    ISO 639-1 is refused, naming the entry."""
    entry = yaml.safe_load(
        (data_copy / "catalogue" / "thematic-session-1.yaml").read_text(encoding="utf-8")
    )["entries"][0]
    model = RECORD_KINDS[entry["kind"]]
    assert model.objects.get(slug=entry["slug"]).language == "en"

    def in_french(data):
        data["entries"][0]["language"] = "fr"

    edit_catalogue(data_copy, "thematic-session-1.yaml", in_french)
    assert "1 updated" in load(data_dir=data_copy)
    assert model.objects.get(slug=entry["slug"]).language == "fr"

    def misspelt(data):
        data["entries"][0]["language"] = "French"

    edit_catalogue(data_copy, "thematic-session-1.yaml", misspelt)
    with pytest.raises(CommandError, match=r"thematic-session-1\.yaml, entry 1.*language"):
        load(data_dir=data_copy)


def test_a_name_in_french_or_spanish_changed_in_a_data_file_is_loaded(data_copy):
    """The reference files' French and Spanish names load like the English ones."""
    path = data_copy / "themes.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[0]["name_es"] = "Acceso a la justicia (corregido)"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    regions = data_copy / "regions.yaml"
    names = yaml.safe_load(regions.read_text(encoding="utf-8"))
    names["002"]["name_fr"] = "Afrique (corrigé)"
    regions.write_text(yaml.safe_dump(names, allow_unicode=True), encoding="utf-8")
    load(data_dir=data_copy)
    assert Theme.objects.get(slug=data[0]["slug"]).name_es == "Acceso a la justicia (corregido)"
    assert Region.objects.get(code="002").name_fr == "Afrique (corrigé)"
