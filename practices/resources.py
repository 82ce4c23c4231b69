"""Bulk import and export of records with django-import-export: one resource per kind.

Editors import a session's table from a spreadsheet (CSV or XLSX) after each meeting. A
cell names things as reports write them ("Viet Nam", "Saudi; Philippines", "13; 13h"), and
every name goes through the project's resolvers, so that it means here what it means to
the loader. An import is all or nothing: one bad row and nothing is saved. Imported
records are drafts until reviewed, and re-importing an unchanged file changes nothing.
"""

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.fields import Field

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
    Source,
    Status,
    Theme,
)
from practices import editing
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
)
SEPARATOR = "; "


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

    def rows(self):
        return self.model.objects.all()

    def key_of(self, row) -> str:
        """What a row is exported as, and the key the NameIndex resolves names to."""
        return str(getattr(row, self.key))

    def resolve(self, name: str):
        """The row a name stands for; UnknownName (a ValueError) otherwise."""
        if self._index is None:
            self._rows = {self.key_of(row): row for row in self.rows()}
            self._index = self.build_index(self._rows.values())
        return self._rows[self._index.resolve(name)]

    def knows(self, name: str) -> bool:
        try:
            self.resolve(name)
        except UnknownName:
            return False
        return True


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


class RowWidget(widgets.Widget):
    """A cell naming one row (the source, by slug); exported as the row's key."""

    def __init__(self, lookup: NameLookup):
        super().__init__()
        self.lookup = lookup

    def clean(self, value, row=None, **kwargs):
        name = cell_text(value)
        return self.lookup.resolve(name) if name else None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else self.lookup.key_of(value)


class RowsWidget(widgets.ManyToManyWidget):
    """A cell naming many rows, separated by ";" (or ","); exported as keys joined by "; "."""

    def __init__(self, lookup: NameLookup):
        super().__init__(lookup.model, separator=SEPARATOR, field=lookup.key)
        self.lookup = lookup

    def clean(self, value, row=None, **kwargs) -> list:
        """The rows a cell names, each once; every unknown name in the cell is reported."""
        found, unknown = [], []
        for name in split_cell(value, self.lookup.knows):
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
        return SEPARATOR.join(self.lookup.key_of(row) for row in value or [])


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
    """A many-to-many column: resolved before the record is saved, set after."""

    def get_value(self, instance) -> list:
        if instance.pk is None:
            return []
        return list(getattr(instance, self.attribute).all())

    def relations(self, rows: list) -> dict[str, list]:
        """The record's relations a cleaned cell sets."""
        return {self.attribute: rows}


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


def relation_keys(rows) -> set[tuple[str, int]]:
    """Rows compared as a set, across models (objectives and actions share a column)."""
    return {(row._meta.label, row.pk) for row in rows}


class RecordResource(resources.ModelResource):
    """The columns every kind of record shares, and the rules of an import."""

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
        use_transactions = True
        clean_model_instances = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._user = None
        self._slug_rows: dict[str, int] = {}

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
        """Import all or nothing: a file with any bad row (an error or an invalid value)
        is rolled back whole, whatever the caller asked for."""
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def before_import(self, dataset, **kwargs):
        """Forget the name indexes of any earlier import, and check the columns."""
        for field in self.fields.values():
            if hasattr(field.widget, "lookup"):
                field.widget.lookup.reset()
        self._user = kwargs.get("user")
        self._slug_rows = {}
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

    def import_instance(self, instance, row, **kwargs):
        """Set the record's fields and resolve its relations, reporting every bad cell by
        its column. Relations are kept on the instance until save_m2m() sets them."""
        errors = {}
        relations = {}
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue
            try:
                if isinstance(field, RelationField):
                    relations[field.column_name] = field.clean(row)
                else:
                    self.import_field(field, instance, row, **kwargs)
            except ValueError as error:
                errors[field.column_name] = ValidationError(str(error), code="invalid")
        instance._imported_relations = relations
        row_number = kwargs.get("row_number")
        first_row = self._slug_rows.setdefault(instance.slug, row_number)
        if instance.slug and first_row != row_number:
            errors.setdefault(
                "slug",
                ValidationError(
                    _('Slug "%(slug)s" is already used by row %(row)s of this file.'),
                    code="duplicate",
                    params={"slug": instance.slug, "row": first_row},
                ),
            )
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Skip blank rows, and rows that would change nothing (relations compared as
        sets), so that re-importing a file saves nothing and bumps no version."""
        if not any(cell_text(value) for value in row.values()):
            return True
        if import_validation_errors or original is None or original.pk is None:
            return False
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue
            if isinstance(field, RelationField):
                wanted = instance._imported_relations[field.column_name]
                if relation_keys(wanted) != relation_keys(field.get_value(original)):
                    return False
            elif field.get_value(instance) != field.get_value(original):
                return False
        return True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's full_clean(), and the rule table (practices.editing): an imported
        record becomes a draft, so changing a stored one means changing it in its status
        and moving it to draft."""
        errors = dict(import_validation_errors or {})
        try:
            self.precheck(instance)
        except editing.NotAllowed as refusal:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                ValidationError(str(refusal), code="not_allowed")
            )
        super().validate_instance(instance, errors, validate_unique)

    def precheck(self, instance) -> None:
        model, user = type(instance), self.user()
        if instance.pk is None:
            editing.check(user, model, editing.Operation.CREATE, Status.DRAFT)
            return
        editing.check(user, model, editing.Operation.CHANGE, instance.status)
        if instance.status != Status.DRAFT:
            editing.check(user, model, editing.Operation.MOVE, Status.DRAFT)

    def user(self):
        """Who imports: the admin's user, or the operator at the command line."""
        return self._user or editing.OPERATOR

    def before_save_instance(self, instance, row, **kwargs):
        """An imported record, new or changed, is a draft until it is reviewed again."""
        instance.status = Status.DRAFT

    def do_instance_save(self, instance, is_create):
        """Every imported row is written by practices.editing: rules, version, history.
        The import applies to the version stored when it runs."""
        relations = {}
        for field in self.get_import_fields():
            rows = getattr(instance, "_imported_relations", {}).get(field.column_name)
            if rows is not None:
                relations |= field.relations(rows)
        if is_create:
            editing.record_create(record=instance, user=self.user(), relations=relations)
            return
        values = {
            field.attribute: getattr(instance, field.attribute)
            for field in self.get_import_fields()
            if not isinstance(field, RelationField)
        }
        stored = type(instance).objects.filter(pk=instance.pk).values_list("version", flat=True)
        saved = editing.record_update(
            record=instance,
            user=self.user(),
            version=stored.first(),
            values={**values, "status": Status.DRAFT},
            relations=relations,
        )
        instance.version = saved.version

    def save_m2m(self, instance, row, **kwargs):
        """Nothing: do_instance_save() has set the relations through the services."""


class PracticeResource(RecordResource):
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
        "section": "Table, Practices column (pages 5-6)",
    }

    class Meta:
        model = Practice


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
    }

    class Meta:
        model = Opportunity


class RecommendationResource(RecordResource):
    kind = Field(attribute="kind", widget=TextWidget())
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
        "kind": "general",
        "area": "Guaranteeing migrants' human rights regardless of their immigration status",
    }

    class Meta:
        model = Recommendation
        fields = (*COLUMNS, "kind", "area")


RECORD_RESOURCES = {
    Practice: PracticeResource,
    Challenge: ChallengeResource,
    Opportunity: OpportunityResource,
    Recommendation: RecommendationResource,
}
