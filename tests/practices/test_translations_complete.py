"""The French and Spanish catalogues are complete: every entry translated, none fuzzy, each
with as many plural forms as its language has, and each keeping its msgid's placeholders.

Whether the catalogues are up to date with the source (makemessages) is not tested here:
that needs GNU gettext and a run over the whole tree. After changing interface text, run
the makemessages command in the README, translate, and these tests hold the rest."""

import re
import shutil

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

LANGUAGES = ["fr", "es"]

# %(name)s / %(count)d, and {name} for python-brace-format entries.
PERCENT = re.compile(r"%\(\w+\)[sdif]")
BRACE = re.compile(r"\{\w*\}")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"))


def active(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def nplurals(po: polib.POFile) -> int:
    found = re.search(r"nplurals\s*=\s*(\d+)", po.metadata["Plural-Forms"])
    assert found, po.metadata["Plural-Forms"]
    return int(found.group(1))


def placeholders(entry: polib.POEntry, text: str) -> set[str]:
    found = set(PERCENT.findall(text)) if "python-format" in entry.flags else set()
    if "python-brace-format" in entry.flags:
        found |= set(BRACE.findall(text))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated(language):
    po = catalogue(language)
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    assert untranslated == []
    assert po.percent_translated() == 100


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_entry_is_fuzzy(language):
    assert [entry.msgid for entry in catalogue(language).fuzzy_entries()] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_entries_have_every_form_of_the_language(language):
    # Spanish has three forms (the second for millions): a missing form shows English.
    po = catalogue(language)
    forms = nplurals(po)
    wrong = [
        entry.msgid
        for entry in active(po)
        if entry.msgid_plural
        and (
            sorted(entry.msgstr_plural) != list(range(forms))
            or not all(entry.msgstr_plural.values())
        )
    ]
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language):
    wrong = []
    for entry in active(catalogue(language)):
        if entry.msgid_plural:
            # A singular form may leave out the count ("Cette fiche..."); the last keeps all.
            wanted = placeholders(entry, entry.msgid_plural)
            last = entry.msgstr_plural[max(entry.msgstr_plural)]
            given = placeholders(entry, last)
            extra = set().union(*(placeholders(entry, s) for s in entry.msgstr_plural.values()))
            if given != wanted or not extra <= wanted | placeholders(entry, entry.msgid):
                wrong.append(entry.msgid)
        elif placeholders(entry, entry.msgstr) != placeholders(entry, entry.msgid):
            wrong.append(entry.msgid)
    assert wrong == []


def test_the_catalogues_hold_every_message_of_the_source(tmp_path, settings, monkeypatch):
    """makemessages, run as the README says on a copy of the catalogues, finds no message
    of the code or templates that is missing, untranslated or fuzzy: text added without
    its French and Spanish fails here (needs GNU gettext, which scripts/test installs)."""
    assert shutil.which("msgmerge"), "GNU gettext is missing: apt-get install gettext"
    # On a copy of the code, templates and catalogues: makemessages writes beside what it
    # reads (and would update the catalogue of any locale folder under the current one).
    tree = tmp_path / "tree"
    shutil.copytree(
        settings.BASE_DIR,
        tree,
        ignore=shutil.ignore_patterns(
            ".*", "tests", "staticfiles", "snapshots", "__pycache__", "*.sqlite3", "*.png"
        ),
    )
    settings.LOCALE_PATHS = [tree / "locale"]
    monkeypatch.chdir(tree)
    call_command(
        "makemessages",
        locale=LANGUAGES,
        no_location=True,
        ignore_patterns=["tests"],
        verbosity=0,
    )
    for language in LANGUAGES:
        po = polib.pofile(str(tree / "locale" / language / "LC_MESSAGES" / "django.po"))
        missing = [
            entry.msgid for entry in active(po) if not entry.translated() or "fuzzy" in entry.flags
        ]
        assert missing == [], (language, missing)
