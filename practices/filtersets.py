"""Filters over records and reference tables, shared by the public pages and the API.

Every parameter is validated: an unknown country code, an objective outside 1-23, a
malformed action or an unknown ordering makes the filterset invalid, and the API answers
400 naming the parameter. Filters on to-many relations match through a subquery on the
record's primary key, so results never repeat and need no DISTINCT.
"""

import copy
import datetime
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.widgets import BaseCSVWidget
from drf_spectacular.utils import extend_schema_field

from practices.models import (
    LANGUAGE_CODES,
    Country,
    GuidingPrinciple,
    ObjectiveAction,
    Organisation,
    Practice,
    Recommendation,
    Region,
    Source,
    Theme,
    is_language_code,
)
from practices.querysets import region_countries_condition
from practices.search import MAX_QUERY_LENGTH, finding

ACTION_CODE = re.compile(r"^(\d{1,2})([a-z])$")


def whole_number(text: str) -> int | None:
    """The number written in ASCII digits, or None: str.isdigit() also passes "¹³" and
    other digits that int() refuses."""
    return int(text) if text.isascii() and text.isdigit() else None


class ValuesWidget(forms.TextInput):
    """Read a parameter given several times or comma-separated: ?country=PH&country=MX,TH.
    Shown (the browsable API's filter form) as one text box of comma-separated values."""

    def format_value(self, value):
        if isinstance(value, list | tuple):
            value = ",".join(str(item) for item in value)
        return super().format_value(value)

    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", None)
        raw = getlist(name) if getlist else [data.get(name)] if name in data else []
        values = [part.strip() for item in raw if item for part in str(item).split(",")]
        return [value for value in values if value]

    def value_omitted_from_data(self, data, files, name):
        return name not in data


def documented(filter_, schema: dict):
    """`filter_` documented in the OpenAPI schema as `schema`, with its label as the
    parameter's description (drf-spectacular drops the label of a filter given a schema)."""
    if filter_.label is not None:
        schema = {**schema, "description": filter_.label}
    return extend_schema_field(schema)(filter_)


class WholeNumberFilter(django_filters.NumberFilter):
    """A whole number from min_value to max_value, documented so: "1.5" is a 400, where
    django-filter's NumberFilter took any decimal (and documented any number)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bounds = {"minimum": self.extra["min_value"], "maximum": self.extra["max_value"]}
        documented(self, {"type": "integer", **bounds})


class SinceField(IsoDateTimeField):
    """An ISO 8601 date-time, in UTC. One UTC cannot hold (0001-01-01T00:00:00+01:00 is
    before year 1 there) is the first or last instant it can: the database's conversion
    overflowed, a 500, for a date-time the schema's format allows."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None or value.tzinfo is None:
            return value
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            bound = datetime.datetime.min if value.year < 5000 else datetime.datetime.max
            return bound.replace(tzinfo=datetime.UTC)


class SinceFilter(django_filters.IsoDateTimeFilter):
    field_class = SinceField


def invalid(message, **params):
    return ValidationError(message, code="invalid", params=params)


class ValuesField(forms.Field):
    """Several values, each checked and resolved to what the filter needs by `resolve`."""

    widget = ValuesWidget
    max_values = 50
    max_length = 100

    def __init__(self, *args, resolve, **kwargs):
        self.resolve = resolve
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        values = list(value or [])
        if len(values) > self.max_values:
            raise invalid(_("At most %(max)d values are allowed."), max=self.max_values)
        for item in values:
            if len(item) > self.max_length or "\x00" in item:
                raise invalid(_("A value is too long or holds a NUL character."))
        return self.resolve(values) if values else []


class ValuesFilter(django_filters.Filter):
    """A filter of several values, resolved by its field and applied by `method`."""

    field_class = ValuesField

    def __init__(self, *args, item_schema=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Documented in the OpenAPI schema as a repeatable parameter of such items.
        self.item_schema = item_schema or {"type": "string"}
        documented(self, {"type": "array", "items": self.item_schema})

    def filter(self, qs, value):
        if not value:
            return qs
        return super().filter(qs, value)


def check_known(values, known, what):
    """Raise a ValidationError naming the values that are not in `known`."""
    missing = [str(v)[:30] for v in values if v not in known]
    if missing:
        raise invalid(_("Unknown %(what)s: %(values)s."), what=what, values=", ".join(missing))


def resolve_languages(values) -> list[str]:
    """ISO 639-1 codes, as records hold them: "en", "fr"."""
    codes = [value.strip().lower() for value in values]
    wrong = [code[:30] for code in codes if not is_language_code(code)]
    if wrong:
        raise invalid(_("Not an ISO 639-1 language code: %(values)s."), values=", ".join(wrong))
    return codes


def resolve_countries(values) -> set[int]:
    codes = [code.upper() for code in values]
    found = Country.objects.filter(Q(alpha2__in=codes) | Q(alpha3__in=codes))
    pks, known = set(), set()
    for pk, alpha2, alpha3 in found.values_list("pk", "alpha2", "alpha3"):
        pks.add(pk)
        known |= {alpha2, alpha3}
    check_known(codes, known, _("country code"))
    return pks


def numbers_between(values, low: int, high: int, message) -> list[int]:
    """The values as whole numbers from `low` to `high`; `message` names the first that
    is not one (its "%(value)s")."""
    numbers = [whole_number(item) for item in values]
    for item, number in zip(values, numbers, strict=True):
        if number is None or not low <= number <= high:
            raise invalid(message, value=item[:30])
    return numbers


def resolve_objectives(values) -> list[int]:
    return numbers_between(
        values, 1, 23, _('"%(value)s" is not a GCM objective: use a number from 1 to 23.')
    )


def resolve_actions(values) -> set[int]:
    codes = [code.lower() for code in values]
    wanted = Q(pk__in=[])
    for code in codes:
        parsed = ACTION_CODE.match(code)
        if not parsed:
            raise invalid(_('"%(code)s" is not a GCM action such as 13h.'), code=code[:30])
        wanted |= Q(objective__number=int(parsed[1]), letter=parsed[2])
    actions = list(ObjectiveAction.objects.filter(wanted).select_related("objective"))
    check_known(codes, {a.code for a in actions}, _("GCM action"))
    return {a.pk for a in actions}


def resolve_organisations(values) -> set[int]:
    lowered = [v.lower() for v in values]
    found = Organisation.objects.filter(Q(slug__in=lowered) | Q(acronym__in=values))
    pks, known = set(), set()
    for pk, slug, acronym in found.values_list("pk", "slug", "acronym"):
        pks.add(pk)
        known |= {slug, acronym.lower()}
    check_known(lowered, known, _("organisation"))
    return pks


def slugs_of(model):
    """A resolver of slugs of `model` to primary keys."""

    def resolve(values) -> set[int]:
        slugs = [v.lower() for v in values]
        found = dict(model.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        check_known(slugs, set(found), model._meta.verbose_name)
        return set(found.values())

    return resolve


def resolve_regions(values) -> list[Region]:
    """M49 regions by code ("19" or "019") or slug."""
    codes = [value.zfill(3) for value in values if whole_number(value) is not None]
    slugs = [value.lower() for value in values]
    regions = list(Region.objects.filter(Q(code__in=codes) | Q(slug__in=slugs)))
    known = {region.code for region in regions} | {region.slug for region in regions}
    missing = [
        value[:30]
        for value in values
        if value.lower() not in known
        and not (whole_number(value) is not None and value.zfill(3) in known)
    ]
    if missing:
        raise invalid(_("Unknown region: %(value)s."), value=", ".join(missing))
    return regions


def resolve_years(values) -> list[int]:
    return numbers_between(
        values, 2007, 2100, _('"%(value)s" is not a year of a GFMD source: use 2007 to 2100.')
    )


class RegionFilter(ValuesFilter):
    """Rows in any of the regions given, their sub-regions or their intermediate regions."""

    def __init__(self, *args, relation="", **kwargs):
        self.relation = relation  # the records' relation to countries, or "" for countries
        super().__init__(
            *args,
            resolve=resolve_regions,
            item_schema={"type": "string", "maxLength": 100},
            **kwargs,
        )

    def filter(self, qs, regions):
        if not regions:
            return qs
        condition = Q(pk__in=[])
        for region in regions:
            condition |= region_countries_condition(region)
        if self.relation:
            return matching(qs, self.relation, condition)
        return qs.filter(condition)


class RepeatedCSVWidget(BaseCSVWidget, forms.Select):
    """Keys given comma-separated, repeated, or both: ?ordering=-year,title is
    ?ordering=-year&ordering=title (django-filter's CSV widget keeps the last one only)."""

    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", None)
        if getlist is None or name not in data:
            return super().value_from_datadict(data, files, name)
        return [part.strip() for item in getlist(name) for part in item.split(",") if part.strip()]


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering with the primary key as the last key, so that pages never overlap."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", RepeatedCSVWidget)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "pk") if value else qs


def matching(queryset, relation: str, condition: Q | None = None, **lookups):
    """Rows of `queryset` linked by `relation` to a row meeting `condition` (a Q on the
    related model) or `lookups` (on the related row: pk__in=..., number__in=...), without
    duplicates.

    The subquery reads the through table alone: joining the records to it again, as
    `relation__...` lookups do, made PostgreSQL walk the records once more (19 ms against
    3 ms for a country and an objective on 100,000 practices).
    """
    field = queryset.model._meta.get_field(relation)
    record, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    links = field.remote_field.through.objects.filter(
        **{f"{target}__{lookup}": value for lookup, value in lookups.items()}
    )
    if condition is not None:
        links = links.filter(**{f"{target}__in": field.related_model.objects.filter(condition)})
    return queryset.filter(pk__in=links.values(f"{record}_id"))


class RecordFilterSet(django_filters.FilterSet):
    """Filters for practices, challenges, opportunities and recommendations."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter deep-copies every filter (and its form field) for each request; a
        # shallow copy is enough, as nothing here changes a filter's settings after it is
        # declared, and it is a few per cent of an API list's time. The filters still get
        # instances of their own, with their own model and parent.
        declared = type(self).base_filters
        self.base_filters = {}
        super().__init__(data, queryset, request=request, prefix=prefix)
        del self.base_filters
        self.filters = {name: copy.copy(filter_) for name, filter_ in declared.items()}
        for filter_ in self.filters.values():
            filter_.model = self.queryset.model
            filter_.parent = self
            if filter_.method is not None:  # bind filter_<name>() to this copy
                filter_.method = filter_.method

    q = documented(
        django_filters.CharFilter(
            method="filter_search",
            max_length=MAX_QUERY_LENGTH,
            label=_(
                "Full-text search over title and text, in relevance order: records with "
                "every word (the last word, and any ending in *, as prefixes; a country's "
                "name or code also finds its records); when none has them all, records "
                "with any of them, and the answer's X-Search-Fallback header says "
                "any-word."
            ),
        ),
        {"type": "string", "maxLength": MAX_QUERY_LENGTH},
    )
    country = ValuesFilter(
        method="filter_country",
        resolve=resolve_countries,
        item_schema={"type": "string", "pattern": "^[A-Za-z]{2,3}$"},
        label=_("ISO 3166-1 alpha-2 or alpha-3 code; several allowed (any of them)."),
    )
    region = RegionFilter(
        relation="countries",
        label=_("UN M49 region code or slug, with its sub-regions; several allowed."),
    )
    objective = ValuesFilter(
        method="filter_objective",
        resolve=resolve_objectives,
        item_schema={"type": "integer", "minimum": 1, "maximum": 23},
        label=_("GCM objective number (1-23); several allowed (any of them)."),
    )
    action = ValuesFilter(
        method="filter_action",
        resolve=resolve_actions,
        item_schema={"type": "string", "pattern": "^[0-9]{1,2}[a-z]$"},
        label=_("GCM action as objective number and letter, such as 13h; several allowed."),
    )
    principle = ValuesFilter(
        method="filter_principle",
        resolve=slugs_of(GuidingPrinciple),
        label=_("Guiding principle slug; several allowed."),
    )
    theme = ValuesFilter(
        method="filter_theme",
        resolve=slugs_of(Theme),
        label=_("Theme slug; several allowed."),
    )
    organisation = ValuesFilter(
        method="filter_organisation",
        resolve=resolve_organisations,
        label=_("Organisation slug or acronym; several allowed."),
    )
    source = ValuesFilter(
        method="filter_source",
        resolve=slugs_of(Source),
        label=_("Source slug; several allowed."),
    )
    year = ValuesFilter(
        method="filter_year",
        resolve=resolve_years,
        item_schema={"type": "integer", "minimum": 2007, "maximum": 2100},
        label=_("Year of the source (2007 onwards); several allowed."),
    )
    language = ValuesFilter(
        method="filter_language",
        resolve=resolve_languages,
        item_schema={"type": "string", "enum": list(LANGUAGE_CODES)},
        label=_(
            "The language the record is written in, as an ISO 639-1 code (en, fr, es); "
            "several allowed (any of them)."
        ),
    )
    year_from = WholeNumberFilter(
        field_name="source__year",
        lookup_expr="gte",
        min_value=2007,
        max_value=2100,
        label=_("Sources of this year or later."),
    )
    year_to = WholeNumberFilter(
        field_name="source__year",
        lookup_expr="lte",
        min_value=2007,
        max_value=2100,
        label=_("Sources of this year or earlier."),
    )
    updated_since = SinceFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_(
            "Records changed at or after this ISO 8601 date-time (2026-11-30T00:00:00Z): "
            "harvest only what changed since the last run."
        ),
    )
    published_since = SinceFilter(
        field_name="published_at",
        lookup_expr="gte",
        label=_("Records published at or after this ISO 8601 date-time."),
    )
    ordering = StableOrderingFilter(
        fields=(("title", "title"), ("source__year", "year"), ("updated_at", "updated")),
        label=_("Order by title, year or updated; prefix with - to reverse."),
    )

    sample = WholeNumberFilter(
        method="keep",
        min_value=1,
        max_value=10000,
        label=_(
            "A pseudo-random sample of this many of the matching records, the same for the "
            "same seed; in sample order unless ordering is given."
        ),
    )
    seed = WholeNumberFilter(
        method="keep",
        min_value=0,
        max_value=999999,
        label=_("Which sample (0 by default): another seed, another sample."),
    )

    def filter_queryset(self, queryset):
        """With `q` and no explicit ordering, the most relevant records come first; with
        `sample`, the sample's own order. `q` is applied last, over the other filters:
        when no record they allow has all its words, records with any of them are shown
        (practices.search.finding)."""
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        ordered = bool(data.get("ordering"))
        if data.get("q", "").strip():
            queryset = finding(queryset, data["q"])
        if data.get("sample"):
            queryset = sampled(queryset, int(data["sample"]), int(data.get("seed") or 0))
            if not ordered:
                return queryset.order_by("sample_key", "pk")
        if data.get("q", "").strip() and not ordered:
            queryset = queryset.order_by("-rank", "pk")
        return queryset

    def keep(self, queryset, name, value):
        """sample and seed act together, in filter_queryset()."""
        return queryset

    def filter_search(self, queryset, name, value):
        """`q` acts after the other filters, in filter_queryset()."""
        return queryset

    def filter_country(self, queryset, name, pks):
        return matching(queryset, "countries", pk__in=pks)

    def filter_objective(self, queryset, name, numbers):
        return matching(queryset, "objectives", number__in=numbers)

    def filter_action(self, queryset, name, pks):
        return matching(queryset, "actions", pk__in=pks)

    def filter_principle(self, queryset, name, pks):
        return matching(queryset, "principles", pk__in=pks)

    def filter_theme(self, queryset, name, pks):
        return matching(queryset, "themes", pk__in=pks)

    def filter_organisation(self, queryset, name, pks):
        return matching(queryset, "organisations", pk__in=pks)

    def filter_source(self, queryset, name, pks):
        return queryset.filter(source__in=pks)

    def filter_year(self, queryset, name, years):
        return queryset.filter(source__year__in=years)

    def filter_language(self, queryset, name, codes):
        return queryset.filter(language__in=codes)


def sampled(queryset, size: int, seed: int):
    """`size` of the records of `queryset`, chosen by a hash of their id and `seed` that
    both engines compute alike (two rounds of Knuth's multiplicative hashing, within 64-bit
    integers for ids below ten million): the same sample everywhere for the same seed."""
    mixed = ((F("id") + seed) * 2654435761) % 4294967296
    key = (mixed * 1597334677 + seed) % 4294967296
    chosen = queryset.annotate(sample_key=key).order_by("sample_key", "pk").values("pk")[:size]
    if queryset.query.extra_tables:
        # SQLite's search joins its FTS5 table by SQL naming the record table, which a
        # subquery renames: as a subquery it matched the wrong records (none, for q=detention).
        chosen = [row["pk"] for row in chosen]
    return queryset.filter(pk__in=chosen).annotate(sample_key=key)


class ExcludeFilter(django_filters.Filter):
    """`-country=MX`: the records linked to none of the values, by negating the filter of
    the same name (its values read and checked the same way)."""

    field_class = ValuesField

    def __init__(self, positive, **kwargs):
        self.positive = positive
        super().__init__(resolve=positive.extra["resolve"], **kwargs)
        documented(self, {"type": "array", "items": positive.item_schema})

    def filter(self, qs, value):
        if not value:
            return qs
        positive = copy.copy(self.positive)
        positive.model, positive.parent = self.model, self.parent
        if positive.method is not None:  # bind filter_<name>() to this copy
            positive.method = positive.method
        matched = positive.filter(self.model.objects.all(), value)
        return qs.exclude(pk__in=matched.values("pk"))


# Each negation has two spellings: -country, and country__n (NetBox's), which generated
# clients can name beside country (openapi-python-client makes `country` of both).
NEGATED = ("country", "region", "objective", "theme", "organisation", "source", "year")
NEGATION_SUFFIX = "__n"
for _name in NEGATED:
    _negation = ExcludeFilter(
        RecordFilterSet.declared_filters[_name],
        label=format_lazy(
            _("Leave out records matching any of these {name} values (also spelt -{name})."),
            name=_name,
        ),
    )
    for _spelling in (f"-{_name}", f"{_name}{NEGATION_SUFFIX}"):
        RecordFilterSet.declared_filters[_spelling] = _negation
        RecordFilterSet.base_filters[_spelling] = _negation


class RecommendationFilterSet(RecordFilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=Recommendation.Kind.choices,
        widget=ValuesWidget,  # ?kind= is no kind, as every other empty filter is
        label=_("Kind of recommendation."),
    )

    class Meta:
        model = Recommendation
        fields = ["kind"]


class PracticeFilterSet(RecordFilterSet):
    """A practice's implementation besides: where (scope), how far (status), since when."""

    scope = django_filters.MultipleChoiceFilter(
        choices=Practice.Scope.choices,
        widget=ValuesWidget,
        label=_("Scope of implementation: countries, region or global; several allowed."),
    )
    implementation_status = django_filters.MultipleChoiceFilter(
        choices=Practice.Implementation.choices,
        widget=ValuesWidget,
        label=_("Implementation status; several allowed (any of them)."),
    )
    implemented_since = WholeNumberFilter(
        field_name="start_year",
        lookup_expr="gte",
        min_value=1945,
        max_value=2100,
        label=_("Practices whose implementation started in this year or later."),
    )

    class Meta:
        model = Practice
        fields = ["scope", "implementation_status", "implemented_since"]


class NameSearchFilterSet(django_filters.FilterSet):
    """`q` over a reference table's names."""

    q = documented(
        django_filters.CharFilter(method="filter_q", max_length=100, label=_("Search by name.")),
        {"type": "string", "maxLength": 100},
    )
    # Names in every language the catalogue holds: "Afrique" finds Africa.
    search_fields: tuple[str, ...] = ("name", "name_fr", "name_es")

    def filter_q(self, queryset, name, value):
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(condition)


class CountryFilterSet(NameSearchFilterSet):
    search_fields = ("name", "name_fr", "name_es", "official_name", "alpha2", "alpha3")
    region = RegionFilter(
        label=_("M49 region code or slug, with its sub-regions; several allowed.")
    )

    class Meta:
        model = Country
        fields = []


class RegionFilterSet(NameSearchFilterSet):
    level = django_filters.ChoiceFilter(choices=Region.Level.choices)

    class Meta:
        model = Region
        fields = ["level"]


class OrganisationFilterSet(NameSearchFilterSet):
    search_fields = ("name", "name_fr", "name_es", "acronym")
    kind = django_filters.ChoiceFilter(choices=Organisation.Kind.choices)

    class Meta:
        model = Organisation
        fields = ["kind"]


class SourceFilterSet(NameSearchFilterSet):
    search_fields = ("title", "session", "meeting")
    year = ValuesFilter(
        field_name="year",
        lookup_expr="in",
        resolve=resolve_years,
        item_schema={"type": "integer", "minimum": 2007, "maximum": 2100},
        label=_("Year of the source (2007 onwards); several allowed."),
    )

    class Meta:
        model = Source
        fields = []
