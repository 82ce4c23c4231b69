"""Writes to the catalogue: loading reference data and the seeded records.

`catalogue_load()` reads the curated files in practices/data/ and brings the database
to match them. It is idempotent (a second run changes nothing and reports so) and
atomic (a bad entry aborts the whole load, naming its file and entry).
"""

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from practices import editing, summary
from practices.models import (
    Challenge,
    Country,
    GuidingPrinciple,
    Objective,
    ObjectiveAction,
    Opportunity,
    Organisation,
    Practice,
    Recommendation,
    Region,
    Source,
    Status,
    Theme,
)
from practices.resolvers import UnknownName, country_index, organisation_index

DATA_DIR = Path(__file__).resolve().parent / "data"

RECORD_KINDS = {
    "practice": Practice,
    "challenge": Challenge,
    "opportunity": Opportunity,
    "recommendation": Recommendation,
}
ENTRY_FIELDS = {
    "kind",
    "slug",
    "title",
    "text",
    "language",
    "section",
    "countries",
    "organisations",
    "objectives",
    "actions",
    "principles",
    "themes",
    "recommendation_kind",
    "kind_stated",
    "area",
    "addressed_by",
}
ACTION_CODE = re.compile(r"^(\d{1,2})([a-z])$")


class LoadError(Exception):
    """A data file that cannot be loaded; the message names the file and the entry."""


@dataclass
class LoadReport:
    """How many rows of each table the load created, updated or left as they were, and
    how many records it deleted because their entry now names another kind."""

    counts: dict[str, Counter] = field(default_factory=dict)

    def add(self, model, outcome: str) -> None:
        name = model if isinstance(model, str) else str(model._meta.verbose_name_plural)
        self.counts.setdefault(name, Counter())[outcome] += 1

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] or c["deleted"] for c in self.counts.values())

    def updated(self, model) -> int:
        return self.counts.get(str(model._meta.verbose_name_plural), Counter())["updated"]

    def total(self, model) -> int:
        """The rows of a table the files hold (deleted ones are not)."""
        count = self.counts.get(str(model._meta.verbose_name_plural), Counter())
        return sum(count.values()) - count["deleted"]

    def lines(self) -> list[str]:
        lines = []
        for name, count in self.counts.items():
            total = sum(count.values()) - count["deleted"]
            detail = ", ".join(
                f"{count[o]} {o}"
                for o in ("created", "updated", "unchanged", "deleted")
                if count[o]
            )
            lines.append(f"{name[:1].upper()}{name[1:]}: {total} ({detail})")
        lines.append("Changes applied." if self.changed else "Nothing changed.")
        return lines


def _validated_save(obj, *, where: str) -> None:
    """full_clean() then save(), turning validation errors into a LoadError."""
    try:
        obj.full_clean()
    except ValidationError as error:
        raise LoadError(f"{where}: {_describe(error)}") from None
    obj.save()


def _describe(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)


def _sync(model, key: str, rows: list[dict], report: LoadReport, *, where: str) -> dict:
    """Create or update one row per dict, matched on `key`; return them all by key."""
    existing = model.objects.in_bulk(field_name=key)
    result = {}
    for row in rows:
        obj, outcome = _upsert(
            model, existing.get(row[key]), row, where=f"{where}, {key} {row[key]!r}"
        )
        report.add(model, outcome)
        result[row[key]] = obj
    return result


def _upsert(model, obj, values: dict, *, where: str):
    """Create `obj` from `values`, or update it where they differ; say which happened."""
    if obj is None:
        obj, outcome = model(**values), "created"
    elif any(getattr(obj, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(obj, name, value)
        outcome = "updated"
    else:
        return obj, "unchanged"
    _validated_save(obj, where=where)
    return obj, outcome


def _checked(rows, keys: set[str], where: str, optional: frozenset = frozenset()) -> list[dict]:
    """Rows of a data file, each a mapping with exactly the expected keys, and any of the
    `optional` ones (its names in French and Spanish), those missing given as ""."""
    if not isinstance(rows, list):
        raise LoadError(f"{where}: expected a list")
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not keys <= set(row) <= keys | optional:
            found = ", ".join(sorted(row)) if isinstance(row, dict) else repr(row)
            raise LoadError(
                f"{where}, entry {number}: expected the keys {', '.join(sorted(keys))} "
                f"(and maybe {', '.join(sorted(optional)) or 'no other'}); found {found}"
            )
    return [{**dict.fromkeys(optional, ""), **row} for row in rows]


# The names in French and Spanish a reference row may carry (tests/practices/
# test_reference_translations.py holds the shipped data files to having them all).
NAMES = frozenset({"name_fr", "name_es"})
TITLES = frozenset({"short_title", "title_fr", "title_es", "short_title_fr", "short_title_es"})


def _read_yaml(path: Path):
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as error:
        raise LoadError(f"{path.name}: cannot be read: {error}") from None


def _load_regions_and_countries(data_dir: Path, report: LoadReport) -> None:
    path = data_dir / "countries.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    levels = [
        ("region_code", "region_name", Region.Level.REGION, None),
        ("subregion_code", "subregion_name", Region.Level.SUBREGION, "region_code"),
        ("intermediate_code", "intermediate_name", Region.Level.INTERMEDIATE, "subregion_code"),
    ]
    translated = _region_names(data_dir)
    regions: dict[str, Region] = {}
    for code_col, name_col, level, parent_col in levels:
        wanted = {
            row[code_col]: {
                "code": row[code_col],
                "name": row[name_col],
                **translated.get(row[code_col], dict.fromkeys(NAMES, "")),
                "slug": slugify(row[name_col]),
                "level": level,
                "parent": regions[row[parent_col]] if parent_col else None,
            }
            for row in rows
            if row[code_col]
        }
        regions |= _sync(Region, "code", list(wanted.values()), report, where=path.name)

    aliases = _read_yaml(data_dir / "country_aliases.yaml") or {}
    extra_names: dict[str, list[str]] = {}
    for alias, code in aliases.items():
        extra_names.setdefault(code, []).append(alias)
    unknown = set(extra_names) - {row["alpha2"] for row in rows}
    if unknown:
        raise LoadError(f"country_aliases.yaml: unknown ISO code(s) {', '.join(sorted(unknown))}")

    countries = [
        {
            "alpha2": row["alpha2"],
            "alpha3": row["alpha3"],
            "numeric": row["numeric"],
            "name": row["name"],
            "official_name": row["official_name"],
            "name_fr": row["name_fr"],
            "name_es": row["name_es"],
            "slug": slugify(row["name"]),
            "subregion": regions.get(row["subregion_code"]),
            "intermediate_region": regions.get(row["intermediate_code"]),
            "alternative_names": [
                *filter(None, row["alternative_names"].split("|")),
                *extra_names.get(row["alpha2"], []),
            ],
        }
        for row in rows
    ]
    _sync(Country, "alpha2", countries, report, where=path.name)


def _region_names(data_dir: Path) -> dict[str, dict]:
    """M49 code: the region's names in French and Spanish (regions.yaml, if present)."""
    path = data_dir / "regions.yaml"
    if not path.exists():
        return {}
    names = _read_yaml(path) or {}
    if not isinstance(names, dict):
        raise LoadError(f"{path.name}: expected a mapping of M49 codes")
    rows = _checked(list(names.values()), set(), path.name, NAMES)
    return dict(zip((str(code) for code in names), rows, strict=True))


def _load_gcm(data_dir: Path, report: LoadReport) -> None:
    path = data_dir / "gcm.yaml"
    data = _read_yaml(path)
    objectives = _sync(
        Objective,
        "number",
        [
            {**o, "slug": slugify(o["title"])}
            for o in _checked(
                data["objectives"], {"number", "title"}, f"{path.name} objectives", TITLES
            )
        ],
        report,
        where=path.name,
    )
    for action in _checked(data["actions"], {"objective", "letter", "text"}, path.name):
        objective = objectives.get(action["objective"])
        if objective is None:
            raise LoadError(f"{path.name}: action {action} names no known objective")
        obj, created = ObjectiveAction.objects.get_or_create(
            objective=objective, letter=action["letter"], defaults={"text": action["text"]}
        )
        outcome = "created" if created else "unchanged"
        if not created and obj.text != action["text"]:
            obj.text = action["text"]
            _validated_save(obj, where=f"{path.name}, action {obj}")
            outcome = "updated"
        report.add(ObjectiveAction, outcome)
    principles = _checked(
        data["principles"],
        {"number", "slug", "name", "description"},
        f"{path.name} principles",
        NAMES,
    )
    _sync(GuidingPrinciple, "number", principles, report, where=path.name)


def _load_vocabularies(data_dir: Path, report: LoadReport) -> None:
    themes = _checked(
        _read_yaml(data_dir / "themes.yaml"), {"slug", "name", "description"}, "themes.yaml", NAMES
    )
    _sync(Theme, "slug", themes, report, where="themes.yaml")
    organisations = _checked(
        _read_yaml(data_dir / "organisations.yaml"),
        {"slug", "name", "acronym", "kind", "aliases"},
        "organisations.yaml",
        NAMES,
    )
    _sync(Organisation, "slug", organisations, report, where="organisations.yaml")


class _Lookups:
    """Everything an entry may refer to, fetched once for the whole load."""

    def __init__(self):
        self.countries = Country.objects.in_bulk(field_name="alpha2")
        self.country_names = country_index(self.countries.values())
        organisations = Organisation.objects.in_bulk(field_name="slug")
        self.organisations = organisations
        self.organisation_names = organisation_index(organisations.values())
        self.objectives = Objective.objects.in_bulk(field_name="number")
        self.actions = {
            action.code: action for action in ObjectiveAction.objects.select_related("objective")
        }
        self.principles = GuidingPrinciple.objects.in_bulk(field_name="slug")
        self.themes = Theme.objects.in_bulk(field_name="slug")


def _pick(table: dict, keys, what: str, where: str) -> list:
    missing = [str(k) for k in keys if k not in table]
    if missing:
        raise LoadError(f"{where}: unknown {what} {', '.join(missing)}")
    return [table[k] for k in keys]


def _entry_relations(entry: dict, lookups: _Lookups, where: str) -> dict[str, list]:
    """Resolve an entry's names and codes to rows; any unknown one is a LoadError."""
    try:
        countries = [
            lookups.countries[lookups.country_names.resolve(name, where=where)]
            for name in entry.get("countries") or []
        ]
        organisations = [
            lookups.organisations[lookups.organisation_names.resolve(name, where=where)]
            for name in entry.get("organisations") or []
        ]
    except UnknownName as error:
        raise LoadError(str(error)) from None
    actions = []
    for code in entry.get("actions") or []:
        if not ACTION_CODE.match(str(code)):
            raise LoadError(f'{where}: action "{code}" is not of the form 13h')
        actions += _pick(lookups.actions, [str(code)], "GCM action", where)
    numbers = list(entry.get("objectives") or [])
    numbers += [a.objective.number for a in actions if a.objective.number not in numbers]
    return {
        "countries": countries,
        "organisations": organisations,
        "objectives": _pick(lookups.objectives, numbers, "GCM objective", where),
        "actions": actions,
        "principles": _pick(lookups.principles, entry.get("principles") or [], "principle", where),
        "themes": _pick(lookups.themes, entry.get("themes") or [], "theme", where),
    }


def _write_record(model, existing, values: dict, relations: dict[str, list], *, where: str):
    """Create or update a seeded record through practices.editing, as the operator; say
    which happened. Only what differs is written, so a second load changes nothing."""
    try:
        if existing is None:
            record = editing.record_create(
                record=model(**values), user=editing.OPERATOR, relations=relations
            )
            return record, "created"
        changed_values = {k: v for k, v in values.items() if getattr(existing, k) != v}
        changed_relations = {
            name: rows
            for name, rows in relations.items()
            if {row.pk for row in getattr(existing, name).all()} != {row.pk for row in rows}
        }
        if not changed_values and not changed_relations:
            return existing, "unchanged"
        record = editing.record_update(
            record=existing,
            user=editing.OPERATOR,
            version=existing.version,
            values=changed_values,
            relations=changed_relations,
        )
    except ValidationError as error:
        raise LoadError(f"{where}: {_describe(error)}") from None
    return record, "updated"


def _load_catalogue_file(path: Path, lookups: _Lookups, report: LoadReport, seen: set) -> list:
    data = _read_yaml(path)
    if not isinstance(data, dict) or "source" not in data or "entries" not in data:
        raise LoadError(f"{path.name}: expected a mapping with 'source' and 'entries'")
    source_row = dict(data["source"])
    source = _sync(Source, "slug", [source_row], report, where=path.name)[source_row["slug"]]

    pending_links = []
    stored = _stored_slugs(source)
    for number, entry in enumerate(data["entries"], start=1):
        where = f"{path.name}, entry {number} ({entry.get('slug', 'no slug')})"
        unknown = set(entry) - ENTRY_FIELDS
        if unknown:
            raise LoadError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        model = RECORD_KINDS.get(entry.get("kind"))
        if model is None:
            raise LoadError(f"{where}: kind must be one of {', '.join(RECORD_KINDS)}")
        if entry.get("slug") in seen:
            raise LoadError(f"{where}: slug {entry['slug']!r} is used twice")
        seen.add(entry.get("slug"))
        if not entry.get("countries") and not entry.get("objectives") and not entry.get("themes"):
            raise LoadError(f"{where}: an entry needs at least an objective or a theme")
        relations = _entry_relations(entry, lookups, where)

        values = {
            "title": entry.get("title", ""),
            "text": " ".join(str(entry.get("text", "")).split()),
            # The language the report wrote the entry in: the seed reports are English.
            "language": entry.get("language", "en"),
            "section": entry.get("section", ""),
            "source": source,
            "status": Status.PUBLISHED,
        }
        if model is Recommendation:
            values["kind"] = entry.get("recommendation_kind", "")
            values["kind_stated"] = entry.get("kind_stated", True)
            values["area"] = entry.get("area", "")
        elif "kind_stated" in entry:
            raise LoadError(f"{where}: only a recommendation's kind can be unstated")
        values["slug"] = entry.get("slug")
        _delete_other_kinds(model, values["slug"], stored, report)
        existing = model.objects.prefetch_related(*relations).filter(slug=values["slug"]).first()
        obj, outcome = _write_record(model, existing, values, relations, where=where)
        report.add(model, outcome)
        if model is Challenge:
            pending_links.append((obj, entry.get("addressed_by") or [], where))
        elif entry.get("addressed_by"):
            raise LoadError(f"{where}: only a challenge can be addressed by practices")
    return pending_links


def _stored_slugs(source: Source) -> dict:
    """The slugs of the stored records of each kind that cite `source`."""
    return {
        model: set(model.objects.filter(source=source).values_list("slug", flat=True))
        for model in RECORD_KINDS.values()
    }


def _delete_other_kinds(model, slug: str, stored: dict, report: LoadReport) -> None:
    """Delete the record of another kind that an earlier load made from this entry (same
    slug, same source): the entry was re-read as `model` (an opportunity found to be a
    challenge), and a fresh load would not have it."""
    for other, slugs in stored.items():
        if other is model or slug not in slugs:
            continue
        record = other.objects.get(slug=slug)
        editing.record_delete(record=record, user=editing.OPERATOR, version=record.version)
        slugs.discard(slug)
        report.add(other, "deleted")


def _link_challenges(pending_links: list, report: LoadReport) -> None:
    """Link challenges to practices once every file's practices exist."""
    practices = Practice.objects.in_bulk(field_name="slug")
    for challenge, slugs, where in pending_links:
        wanted = _pick(practices, slugs, "practice", where)
        challenge = Challenge.objects.prefetch_related("addressed_by").get(pk=challenge.pk)
        _, outcome = _write_record(Challenge, challenge, {}, {"addressed_by": wanted}, where=where)
        report.add("challenges' practices", outcome)


def catalogue_load(*, data_dir: Path = DATA_DIR) -> LoadReport:
    """Bring the database to match the reference data and catalogue files."""
    report = LoadReport()
    with transaction.atomic():
        _load_regions_and_countries(data_dir, report)
        if any(report.updated(model) for model in (Region, Country)):
            summary.rebuild()  # a country that moved region moves its records' counts
        _load_gcm(data_dir, report)
        _load_vocabularies(data_dir, report)
        lookups = _Lookups()
        seen: set = set()
        pending_links = []
        for path in sorted((data_dir / "catalogue").glob("*.yaml")):
            pending_links += _load_catalogue_file(path, lookups, report, seen)
        _link_challenges(pending_links, report)
    return report
