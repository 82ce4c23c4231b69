"""Bulk import and export of records with django-import-export: one resource per kind.

Editors import a session's table from a spreadsheet (CSV or XLSX) after each meeting. A
cell names things as reports write them ("Viet Nam", "Saudi; Philippines", "13; 13h"), and
every name goes through the project's resolvers, so that it means here what it means to
the loader. The resource reads the cells; practices.importing checks every row and writes
the file in bulk, all or nothing: one bad row and nothing is saved. Imported records are
drafts until reviewed, and re-importing an unchanged file changes nothing. The admin and
`manage.py import_records` both import through RecordResource.import_data().
"""

import re
from pathlib import Path

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from import_export import exceptions, resources, widgets
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX
from import_export.resources import Diff
from import_export.results import Result, RowResult

from practices import editing, importing
from practices.models import (
    Challenge,
    Country,
    GuidingPrinciple,
    Objective,
    ObjectiveAction,
    Opportunity,
    Organisation,
    Partner,
    Practice,
    Recommendation,
    Region,
    Source,
    Theme,
)
from practices.resolvers import NameIndex, UnknownName, country_index, organisation_index
from practices.spreadsheets import escape_formula, unescape_formula

COLUMNS = (
    "slug",
    "title",
    "text",
    "countries",
    "organisations",
    "objectives",
    "principles",
    "themes",
    "source",
    "section",
    "language",
)
SEPARATOR = "; "
# The formats a file is read in, by extension, as the admin reads them.
FILE_FORMATS = {".csv": CSV, ".xlsx": XLSX}
ENCODING = "utf-8-sig"  # as Excel writes CSV, byte order mark and all


def cell_text(value) -> str:
    """A cell as text: empty for an empty cell, "6" for a spreadsheet's 6.0, ends trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def split_cell(value, is_known) -> list[str]:
    """The names in a many-valued cell, separated by ";" or by "," (unless the comma is part
    of a name `is_known` accepts, such as "Korea, Republic of")."""
    names = []
    for part in cell_text(value).split(";"):
        part = part.strip()
        if "," in part and not is_known(part):
            names += [name.strip() for name in part.split(",")]
        else:
            names.append(part)
    return [name for name in names if name]


def slug_index(what: str, *also: str):
    """Build a NameIndex of rows by slug, and by the attributes named in `also`."""

    def build(rows) -> NameIndex:
        return NameIndex(
            what, ((row.slug, [row.slug, *(getattr(row, name) for name in also)]) for row in rows)
        )

    return build


class NameLookup:
    """Names to rows through a NameIndex, built on first use and kept until reset(): each
    import resets it, so the tables are read once per import, not once per row."""

    def __init__(self, model, *, key: str = "slug", index):
        self.model = model
        self.key = key
        self.build_index = index
        self.reset()

    def reset(self) -> None:
        self._index = None
        self._rows = None
        self._by_pk = None
        self._resolved = {}  # names seen in this import: a file repeats them row after row

    def rows(self):
        return self.model.objects.all()

    def key_of(self, row) -> str:
        """What a row is exported as, and the key the NameIndex resolves names to."""
        return str(getattr(row, self.key))

    def load(self) -> None:
        """Read the table and build its index, once per import."""
        if self._index is None:
            self._rows = {self.key_of(row): row for row in self.rows()}
            self._index = self.build_index(self._rows.values())

    def resolve(self, name: str):
        """The row a name stands for; UnknownName (a ValueError) otherwise."""
        row = self._resolved.get(name)
        if row is None:
            self.load()
            row = self._resolved[name] = self._rows[self._index.resolve(name)]
        return row

    def knows(self, name: str) -> bool:
        try:
            self.resolve(name)
        except UnknownName:
            return False
        return True

    def by_pk(self, model, pk: int):
        """The row of `model` with this primary key (a stored relation, for the preview)."""
        if self._by_pk is None:
            self.load()
            self._by_pk = {(type(row), row.pk): row for row in self._rows.values()}
        return self._by_pk[(model, pk)]


class ObjectiveLookup(NameLookup):
    """GCM objectives by number ("13") and their actions by code ("13h", "13(h)")."""

    def __init__(self):
        super().__init__(Objective, index=self.objective_index)

    @staticmethod
    def objective_index(rows) -> NameIndex:
        names = {}
        for row in rows:
            if isinstance(row, ObjectiveAction):
                names[row.code] = [row.code, f"{row.objective.number}({row.letter})"]
            else:
                names[str(row.number)] = [str(row.number)]
        return NameIndex("GCM objective or action", names.items())

    def rows(self):
        return [*Objective.objects.all(), *ObjectiveAction.objects.select_related("objective")]

    def key_of(self, row) -> str:
        return row.code if isinstance(row, ObjectiveAction) else str(row.number)


class TextWidget(widgets.CharWidget):
    """A text cell; a spreadsheet's number becomes text ("3", not "3.0"). A text that a
    spreadsheet would run as a formula is written with a "'" in front, which import takes
    off again (practices.spreadsheets)."""

    def clean(self, value, row=None, **kwargs):
        return unescape_formula(cell_text(value))

    def render(self, value, obj=None, **kwargs):
        return escape_formula("" if value is None else str(value))


class LanguageWidget(TextWidget):
    """The language a record is written in, as an ISO 639-1 code; a blank cell is the
    catalogue's default, English (the record's checks name a code that is none)."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row=row, **kwargs).lower() or "en"


class StatedWidget(widgets.BooleanWidget):
    """Whether the source states the record's kind: yes unless the cell says no (a file
    made before the column was, or a blank cell, keeps the kind stated)."""

    def clean(self, value, row=None, **kwargs):
        stated = super().clean(value, row=row, **kwargs)
        return True if stated is None else stated

    def render(self, value, obj=None, **kwargs):
        return "1" if value else "0"


class ChoiceWidget(TextWidget):
    """A choice by its value or its English label, whatever the case ("Mostly completed",
    "mostly-completed"); any other text is kept for the model's check to name."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs)
        for choice, label in self.choices:
            if text.lower() in (choice, str(label).lower()):
                return choice
        return text


class YearWidget(TextWidget):
    """A year as four digits ("2019", or a spreadsheet's 2019.0); blank is none."""

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs)
        if not text:
            return None
        if not (text.isascii() and text.isdigit()):
            raise ValueError(_("“%(value)s” is not a year.") % {"value": text[:30]})
        return int(text)


def region_index(regions) -> NameIndex:
    """Regions by M49 code, slug and name (in each language)."""
    return NameIndex(
        "region",
        ((row.code, [row.code, row.slug, row.name, row.name_fr, row.name_es]) for row in regions),
    )


class PartnersWidget(widgets.Widget):
    """A practice's partners in one cell: "IOM [lead]; Association X [implementing]". A
    name the organisations table knows (slug, name, acronym, alias) is that organisation;
    another is kept as the partner's name. Each needs its role, in brackets."""

    PARTNER = re.compile(r"^(?P<name>.*?)\s*\[(?P<role>[^\[\]]*)\]$")

    def __init__(self):
        super().__init__()
        self.lookup = NameLookup(Organisation, index=organisation_index)

    def role(self, text: str) -> str | None:
        text = text.strip().lower()
        for value, label in Partner.Role.choices:
            if text in (value, str(label).lower()):
                return value
        return None

    def clean(self, value, row=None, **kwargs) -> list[editing.PartnerRow]:
        partners, errors = [], []
        for part in unescape_formula(cell_text(value)).split(";"):
            part = part.strip()
            if not part:
                continue
            match = self.PARTNER.match(part)
            role = match and self.role(match["role"])
            if not match or not match["name"].strip():
                errors.append(
                    _(
                        "“%(part)s”: write a partner as its name and its role in brackets, "
                        "such as “IOM [lead]”."
                    )
                    % {"part": part[:60]}
                )
                continue
            if role is None:
                errors.append(
                    _("“%(part)s”: the role is one of %(roles)s.")
                    % {"part": part[:60], "roles": ", ".join(Partner.Role.values)}
                )
                continue
            name = match["name"].strip()
            try:
                organisation = self.lookup.resolve(name)
            except UnknownName:
                organisation = None
            if organisation is None and len(name) > 200:
                errors.append(
                    _("“%(part)s…”: a partner's name has at most 200 characters.")
                    % {"part": part[:60]}
                )
                continue
            partner = editing.PartnerRow(organisation, "" if organisation else name, role)
            if partner in partners:
                errors.append(
                    _("“%(part)s” is named twice with the same role.") % {"part": part[:60]}
                )
                continue
            partners.append(partner)
        if errors:
            raise ValueError(" ".join(errors))
        return partners

    def render(self, value, obj=None, **kwargs):
        return escape_formula(partners_text(value or []))


def partners_text(partners) -> str:
    """Partners (PartnerRow or Partner) as the cell writes them: slug or name, [role]."""
    return SEPARATOR.join(
        f"{p.organisation.slug if p.organisation else p.name} [{p.role}]"
        for p in sorted(
            partners,
            key=lambda p: (
                p.role,
                p.organisation is None,
                p.organisation.pk if p.organisation else 0,
                p.name,
            ),
        )
    )


class PartnersField(Field):
    """A practice's partners column: read from the cell, written by practices.importing
    with the practice (replacing its partners)."""

    def get_value(self, instance) -> list:
        if instance.pk is None:
            return []
        return list(instance.partners.all())

    def cell(self, partners) -> str:
        return self.widget.render(partners)


class RowWidget(widgets.Widget):
    """A cell naming one row (the source, by slug); exported as the row's key."""

    def __init__(self, lookup: NameLookup):
        super().__init__()
        self.lookup = lookup

    def clean(self, value, row=None, **kwargs):
        name = unescape_formula(cell_text(value))
        return self.lookup.resolve(name) if name else None

    def render(self, value, obj=None, **kwargs):
        """The row's key, quoted if a spreadsheet would run it (a slug may start with -)."""
        return "" if value is None else escape_formula(self.lookup.key_of(value))


class RowsWidget(widgets.ManyToManyWidget):
    """A cell naming many rows, separated by ";" (or ","); exported as keys joined by "; "."""

    def __init__(self, lookup: NameLookup):
        super().__init__(lookup.model, separator=SEPARATOR, field=lookup.key)
        self.lookup = lookup

    def clean(self, value, row=None, **kwargs) -> list:
        """The rows a cell names, each once; every unknown name in the cell is reported."""
        found, unknown = [], []
        for name in split_cell(unescape_formula(cell_text(value)), self.lookup.knows):
            try:
                named = self.lookup.resolve(name)
            except UnknownName as error:
                unknown.append(str(error))
                continue
            if named not in found:
                found.append(named)
        if unknown:
            raise UnknownName(" ".join(unknown))
        return found

    def render(self, value, obj=None, **kwargs):
        return escape_formula(SEPARATOR.join(self.lookup.key_of(row) for row in value or []))


class ObjectivesWidget(RowsWidget):
    """Objective numbers and action codes in one cell: "13; 13h" is objective 13 and action
    13(h). An action brings its objective along, so "13h" alone means the same."""

    def __init__(self):
        super().__init__(ObjectiveLookup())

    def clean(self, value, row=None, **kwargs) -> list:
        """Objectives in number order, then actions: the order export writes them in."""
        named = super().clean(value, row, **kwargs)
        actions = sorted(
            {each for each in named if isinstance(each, ObjectiveAction)},
            key=lambda action: (action.objective.number, action.letter),
        )
        numbers = {each.number for each in named if isinstance(each, Objective)}
        numbers |= {action.objective.number for action in actions}
        return [*(self.lookup.resolve(str(number)) for number in sorted(numbers)), *actions]


class RelationField(Field):
    """A many-to-many column: resolved from the cell, written by practices.importing."""

    def get_value(self, instance) -> list:
        if instance.pk is None:
            return []
        return list(getattr(instance, self.attribute).all())

    def relations(self, rows: list) -> dict[str, list]:
        """The record's relations a cleaned cell sets."""
        return {self.attribute: rows}

    def names(self) -> tuple[str, ...]:
        """The relations the column holds."""
        return (self.attribute,)

    def cell(self, relations: dict[str, list]) -> str:
        """The column's cell for these relations, in one order whatever theirs (the
        preview compares the stored record's cell with the row's)."""
        rows = relations.get(self.attribute, [])
        return self.widget.render(sorted(rows, key=self.widget.lookup.key_of))


class ObjectivesField(RelationField):
    """The objectives column, which holds both a record's objectives and its actions."""

    def get_value(self, instance) -> list:
        if instance.pk is None:
            return []
        return [*instance.objectives.all(), *instance.actions.all()]

    def relations(self, rows: list) -> dict[str, list]:
        return {
            "objectives": [row for row in rows if isinstance(row, Objective)],
            "actions": [row for row in rows if isinstance(row, ObjectiveAction)],
        }

    def names(self) -> tuple[str, ...]:
        return ("objectives", "actions")

    def cell(self, relations: dict[str, list]) -> str:
        objectives = sorted(relations.get("objectives", []), key=lambda row: row.number)
        actions = sorted(
            relations.get("actions", []), key=lambda row: (row.objective.number, row.letter)
        )
        return self.widget.render([*objectives, *actions])


class RecordImportResult(Result):
    """The library's Result, which counts blank rows and unchanged ones as skipped alike,
    with the blank ones counted apart; and the rows the admin's preview shows (a page of
    20,000 rows is more than a browser, or an editor, takes)."""

    preview_limit = 1000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.blank_rows = 0

    @property
    def unchanged_rows(self) -> int:
        return self.totals[RowResult.IMPORT_TYPE_SKIP] - self.blank_rows

    def preview_rows(self) -> list:
        return self.valid_rows()[: self.preview_limit]

    def preview_invalid_rows(self) -> list:
        return self.invalid_rows[: self.preview_limit]


class CellDiff(Diff):
    """A row's diff in the preview, from cells: the stored record's and the row's."""

    def __init__(self, left: list[str], right: list[str], new: bool):
        self.left, self.right, self.new = left, right, new


def is_blank(line: dict) -> bool:
    """Empty lines a spreadsheet leaves below its table."""
    return not any(cell_text(value) for value in line.values())


class RecordResource(resources.ModelResource):
    """The columns every kind of record shares, and how a file of them is imported."""

    slug = Field(attribute="slug", widget=TextWidget())
    title = Field(attribute="title", widget=TextWidget())
    text = Field(attribute="text", widget=TextWidget())
    countries = RelationField(
        attribute="countries",
        widget=RowsWidget(NameLookup(Country, key="alpha2", index=country_index)),
    )
    organisations = RelationField(
        attribute="organisations",
        widget=RowsWidget(NameLookup(Organisation, index=organisation_index)),
    )
    objectives = ObjectivesField(attribute="objectives", widget=ObjectivesWidget())
    principles = RelationField(
        attribute="principles",
        widget=RowsWidget(NameLookup(GuidingPrinciple, index=slug_index("guiding principle"))),
    )
    themes = RelationField(
        attribute="themes",
        widget=RowsWidget(NameLookup(Theme, index=slug_index("theme", "name"))),
    )
    source = Field(
        attribute="source", widget=RowWidget(NameLookup(Source, index=slug_index("source")))
    )
    section = Field(attribute="section", widget=TextWidget())
    language = Field(attribute="language", widget=LanguageWidget())

    #: Relations read with each record, besides those of RecordQuerySet.with_related().
    extra_prefetch: tuple[str, ...] = ()
    #: The template spreadsheet's example row, by column: a real seeded record, written as
    #: an editor would write it, so that importing the untouched template changes nothing.
    example_row: dict[str, str] = {}

    class Meta:
        fields = COLUMNS
        import_id_fields = ["slug"]
        skip_unchanged = True
        report_skipped = True

    def __init__(self, *, diffs: bool = True, **kwargs):
        """`diffs`: whether a dry run gives each row's diff (the admin's preview shows
        them; the command has no use for them)."""
        super().__init__(**kwargs)
        self.diffs = diffs
        self._user = None

    def get_queryset(self):
        return self._meta.model.objects.with_related().prefetch_related(*self.extra_prefetch)

    def filter_export(self, queryset, **kwargs):
        """Read every relation in a fixed number of queries, whatever the number of rows."""
        if not isinstance(queryset, QuerySet):
            return queryset
        return queryset.prefetch_related(None).with_related().prefetch_related(*self.extra_prefetch)

    @classmethod
    def template_dataset(cls) -> tablib.Dataset:
        """The import columns and one example row: the template editors start from."""
        headers = [field.column_name for field in cls().get_import_fields()]
        return tablib.Dataset([cls.example_row[header] for header in headers], headers=headers)

    @classmethod
    def get_result_class(cls):
        return RecordImportResult

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """Read every row with the widgets, then import the file all or nothing with
        practices.importing: written in bulk when no row is bad, and never in a dry run
        (the admin's preview). The result is the library's, row by row, for its pages.

        `progress(stage, done, total)`, if given, hears how far reading and checking are.
        """
        result = self.get_result_class()()
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(dataset)
        try:
            self.before_import(dataset, **kwargs)
            self._check_import_id_fields(dataset.headers)
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
            return result
        if collect_failed_rows:
            result.add_dataset_headers(dataset.headers)
        progress = kwargs.get("progress")
        lines = [dict(zip(dataset.headers, values, strict=False)) for values in dataset]
        rows = self.read_rows(lines, progress)
        plan = importing.records_import(
            model=self._meta.model,
            rows=[row for row in rows if row is not None],
            user=self.user(),
            dry_run=dry_run,
            reason=self.reason(kwargs.get("file_name")),
            progress=progress,
        )
        self.report(
            result,
            plan,
            lines,
            diffs=dry_run and self.diffs,
            retain=kwargs.get("retain_instance_in_row_result", False),
            collect_failed_rows=collect_failed_rows,
        )
        if plan.failure is not None:
            self.handle_import_error(result, plan.failure, raise_errors)
        if raise_errors and result.invalid_rows:
            invalid = result.invalid_rows[0]
            raise exceptions.ImportError(invalid.error, number=invalid.number)
        return result

    def before_import(self, dataset, **kwargs):
        """Forget the name indexes of any earlier import, and check the columns."""
        for field in self.fields.values():
            if hasattr(field.widget, "lookup"):
                field.widget.lookup.reset()
        self._user = kwargs.get("user")
        self._check_columns(dataset)

    def _check_columns(self, dataset) -> None:
        """Headers are matched whatever their case; an unknown one is an error, not a column
        silently left out."""
        if not dataset.headers:
            return
        dataset.headers = [cell_text(header).lower() for header in dataset.headers]
        columns = [field.column_name for field in self.get_import_fields()]
        unknown = [header for header in dataset.headers if header and header not in columns]
        if unknown:
            raise ValueError(
                _("Unknown column(s) %(unknown)s: the columns are %(columns)s.")
                % {
                    "unknown": ", ".join(f'"{header}"' for header in unknown),
                    "columns": ", ".join(columns),
                }
            )

    def user(self):
        """Who imports: the admin's user, or the operator at the command line."""
        return self._user or editing.OPERATOR

    @staticmethod
    def reason(file_name: str | None) -> str:
        """What the history says of an imported change."""
        if file_name:
            return _("Imported from %(file)s") % {"file": file_name}
        return _("Imported")

    def read_rows(self, lines: list[dict], progress=None) -> list[importing.ImportRow | None]:
        """Each line's cells read with the widgets; None for a blank line."""
        fields = self.get_import_fields()
        rows = []
        for number, line in enumerate(lines, 1):
            rows.append(None if is_blank(line) else self.read_row(number, line, fields))
            if progress and (number % importing.PROGRESS_EVERY == 0 or number == len(lines)):
                progress("read", number, len(lines))
        return rows

    def read_row(self, number: int, line: dict, fields) -> importing.ImportRow:
        """One line's values and related rows, and every cell that could not be read, by
        column."""
        row = importing.ImportRow(number, values={})
        for field in fields:
            if field.column_name not in line:
                continue
            try:
                value = field.clean(line)
            except ValueError as error:
                row.errors[field.column_name] = [str(error)]
                continue
            if isinstance(field, RelationField):
                row.relations |= field.relations(value)
            elif isinstance(field, PartnersField):
                row.partners = value
            else:
                row.values[field.attribute] = value
        return row

    def report(self, result, plan, lines, *, diffs, retain, collect_failed_rows) -> None:
        """The plan as the library's row results, in the file's order."""
        planned = {p.row.number: p for p in plan.rows}
        blank = [""] * len(result.diff_headers)
        for number, line in enumerate(lines, 1):
            diffs = diffs and number <= result.preview_limit  # the rows a preview shows
            row_result = self.get_row_result_class()()
            each = planned.get(number)
            if each is None:
                row_result.import_type = RowResult.IMPORT_TYPE_SKIP
                row_result.diff = blank if diffs else None
                result.blank_rows += 1
            elif each.action == importing.Action.INVALID:
                row_result.import_type = RowResult.IMPORT_TYPE_INVALID
                row_result.validation_error = ValidationError(each.errors)
                result.append_invalid_row(number, line, row_result.validation_error)
                if collect_failed_rows:
                    result.append_failed_row(line, row_result.validation_error)
            else:
                row_result.import_type = str(each.action)
                row_result.add_instance_info(each.record)
                if retain or self._meta.store_instance:
                    row_result.instance = each.record
                    row_result.original = each.stored
                if diffs:
                    row_result.diff = self.diff(each).as_html()
            result.increment_row_result_total(row_result)
            result.append_row_result(row_result)

    def diff(self, planned) -> CellDiff:
        """The stored record's cells against the row's (all the row's, for a new one)."""
        stored = planned.stored
        before = self.related(planned.links)
        after = {**before, **planned.row.relations}
        stored_partners = planned.partners or []
        row_partners = planned.row.partners
        right = self.cells(
            planned.record, after, stored_partners if row_partners is None else row_partners
        )
        left = (
            self.cells(stored, before, stored_partners) if stored is not None else [""] * len(right)
        )
        return CellDiff(left, right, new=stored is None)

    def related(self, links: dict[str, dict[int, int]]) -> dict[str, list]:
        """Stored relations as rows, from the name lookups (no query per record)."""
        model = self._meta.model
        lookups = {
            name: field.widget.lookup
            for field in self.get_import_fields()
            if isinstance(field, RelationField)
            for name in field.names()
        }
        return {
            name: [
                lookups[name].by_pk(model._meta.get_field(name).related_model, pk) for pk in related
            ]
            for name, related in links.items()
            if name in lookups
        }

    def cells(self, record, relations: dict[str, list], partners=()) -> list[str]:
        """A record's cells as export writes them."""
        return [
            field.cell(relations)
            if isinstance(field, RelationField)
            else field.cell(partners)
            if isinstance(field, PartnersField)
            else field.export(record)
            for field in self.get_import_fields()
        ]


# A practice's implementation: importable (the contact too: the editors' own data, which
# only the admin shows), left empty in the example (a seeded record guesses none of it).
PRACTICE_COLUMNS = (*Practice.IMPLEMENTATION_FIELDS, "contact")


class PracticeResource(RecordResource):
    scope = Field(attribute="scope", widget=ChoiceWidget(Practice.Scope.choices))
    scope_region = Field(
        attribute="scope_region",
        widget=RowWidget(NameLookup(Region, key="code", index=region_index)),
    )
    start_year = Field(attribute="start_year", widget=YearWidget())
    end_year = Field(attribute="end_year", widget=YearWidget())
    implementation_status = Field(
        attribute="implementation_status",
        widget=ChoiceWidget(Practice.Implementation.choices),
    )
    partners = PartnersField(attribute="partners", widget=PartnersWidget())
    results = Field(attribute="results", widget=TextWidget())
    lessons = Field(attribute="lessons", widget=TextWidget())
    innovation = Field(attribute="innovation", widget=TextWidget())
    principles_applied = Field(attribute="principles_applied", widget=TextWidget())
    contact = Field(attribute="contact", widget=TextWidget())
    extra_prefetch = ("partners__organisation",)
    example_row = {
        "slug": "philippines-tripartite-decision-making-maternity-leave",
        "title": (
            "Tapping labour, business and government in decision making; expanded maternity "
            "leave; social dialogue"
        ),
        "text": (
            "Philippines – tap labor, business and governments in decision making, norm "
            "setting and standard setting; expanded maternity leave; social dialogue with "
            "labor and business industry partners"
        ),
        "countries": "Philippines",
        "organisations": "",
        "objectives": "6",
        "principles": "whole-of-society; gender-responsive",
        "themes": "Social dialogue; Labour rights; Gender",
        "source": "gfmd-thematic-session-1-hrba-gcm-nip",
        "section": "Table, Practices column (pages 6-7)",
        "language": "en",
        **dict.fromkeys(PRACTICE_COLUMNS, ""),
    }

    class Meta:
        model = Practice
        fields = (*COLUMNS, *PRACTICE_COLUMNS)


class ChallengeResource(RecordResource):
    addressed_by = RelationField(
        attribute="addressed_by",
        widget=RowsWidget(NameLookup(Practice, index=slug_index("practice"))),
    )
    extra_prefetch = ("addressed_by",)
    example_row = {
        "slug": "abolishing-slavery-among-migrant-workers",
        "title": "Abolishing slavery systems among migrant workers",
        "text": "Abolishing slavery system among migrant workers",
        "countries": "",
        "organisations": "",
        "objectives": "6; 10",
        "principles": "human-rights",
        "themes": "Labour rights; Trafficking and smuggling",
        "source": "gfmd-thematic-session-1-hrba-gcm-nip",
        "section": "Table, Challenges column (page 1)",
        "language": "en",
        "addressed_by": "philippines-key-agencies-against-kafala",
    }

    class Meta:
        model = Challenge
        fields = (*COLUMNS, "addressed_by")


class OpportunityResource(RecordResource):
    example_row = {
        "slug": "philippines-social-dialogue-tripartism",
        "title": (
            "Social dialogue and tripartism to mainstream labour rights in the national action plan"
        ),
        "text": (
            "Philippines - Strategic value of “social dialogue” and “tripartism” as mechanism "
            "to mainstream labor rights in national action plan. This brings about stronger "
            "buy in and consensus among sectors involved."
        ),
        "countries": "Philippines",
        "organisations": "",
        "objectives": "6",
        "principles": "whole-of-society",
        "themes": "Social dialogue; Labour rights; National implementation planning",
        "source": "gfmd-thematic-session-1-hrba-gcm-nip",
        "section": "Table, Opportunities column (page 3)",
        "language": "en",
    }

    class Meta:
        model = Opportunity


class RecommendationResource(RecordResource):
    kind = Field(attribute="kind", widget=TextWidget())
    kind_stated = Field(attribute="kind_stated", widget=StatedWidget())
    area = Field(attribute="area", widget=TextWidget())
    example_row = {
        "slug": "avoid-detention-especially-of-migrant-children",
        "title": "Avoiding detention, especially of migrant children",
        "text": (
            "There are three key elements for ensuring the protection of migrants’ rights: … "
            "b) detention, especially of migrant children, should be avoided"
        ),
        "countries": "",
        "organisations": "",
        "objectives": "13",
        "principles": "human-rights; child-sensitive",
        "themes": "Alternatives to detention; Child protection",
        "source": "gfmd-working-session-human-rights-of-all-migrants",
        "section": "Paragraph 5 a), general recommendations",
        "language": "en",
        "kind": "general",
        "kind_stated": "1",
        "area": "Guaranteeing migrants' human rights regardless of their immigration status",
    }

    class Meta:
        model = Recommendation
        fields = (*COLUMNS, "kind", "kind_stated", "area")


RECORD_RESOURCES = {
    Practice: PracticeResource,
    Challenge: ChallengeResource,
    Opportunity: OpportunityResource,
    Recommendation: RecommendationResource,
}


def dataset_from_file(path: Path) -> tablib.Dataset:
    """A CSV or XLSX file read as the admin reads an upload."""
    format_class = FILE_FORMATS.get(path.suffix.lower())
    if format_class is None:
        raise ValueError(_("%(file)s: import reads .csv and .xlsx files.") % {"file": path.name})
    file_format = format_class(encoding=ENCODING)
    return file_format.create_dataset(path.read_bytes())


def error_lines(result) -> list[str]:
    """Every error of an import, one line each, rows by number and column."""
    lines = [str(error.error) for error in result.base_errors]
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            where = (
                _("Row %(row)s") % {"row": row.number}
                if column == NON_FIELD_ERRORS
                else _("Row %(row)s, %(column)s") % {"row": row.number, "column": column}
            )
            lines += [f"{where}: {message}" for message in messages]
    return lines
