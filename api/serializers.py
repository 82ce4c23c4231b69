"""JSON shapes of the API: brief linked forms for related rows, full forms for records."""

import contextlib
import copy
import functools
from urllib.parse import quote, urlencode

from django.core.exceptions import ValidationError as ModelValidationError
from django.db.models import Q
from django.urls import NoReverseMatch
from django.urls import reverse as django_reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from practices import editing, shapes
from practices.cache import generation
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
    Status,
    Theme,
)


class LinkField(serializers.HyperlinkedIdentityField):
    """The API URL of a row, by one of its fields (a slug, a code, a number)."""

    def __init__(self, view_name, lookup_field="slug", **kwargs):
        super().__init__(view_name=f"api:{view_name}", lookup_field=lookup_field, **kwargs)

    def get_url(self, obj, view_name, request, format):
        """The row's own URL, without the ?format= of the request that listed it.

        Reversing a URL per related row was most of a list page's serialisation time, so
        each view's path is reversed once, made absolute once per request, and the row's
        key put in its place.
        """
        key = getattr(obj, self.lookup_field)
        if key in (None, ""):
            return None
        prefix, suffix = absolute_template(request, view_name, self.lookup_url_kwarg)
        return f"{prefix}{quote(str(key), safe='')}{suffix}"

    def to_representation(self, value):
        """A plain string (DRF's Hyperlink keeps the row, which nothing here needs)."""
        return self.get_url(value, self.view_name, self.context.get("request"), None)


def absolute_template(request, view_name: str, kwarg: str) -> tuple[str, str]:
    """url_template() with the request's scheme and host, worked out once per request."""
    prefix, suffix = url_template(view_name, kwarg)
    if request is None:
        return prefix, suffix
    memo = getattr(request, "_link_templates", None)
    if memo is None:
        memo = {}
        request._link_templates = memo
    if view_name not in memo:
        memo[view_name] = (request.build_absolute_uri(prefix), suffix)
    return memo[view_name]


@functools.cache
def url_template(view_name: str, kwarg: str) -> tuple[str, str]:
    """A view's path split around its key: ("/api/objectives/", "/")."""
    for sentinel in ("zzsentinelzz", "99"):
        try:
            path = django_reverse(view_name, kwargs={kwarg: sentinel})
        except NoReverseMatch:
            continue
        prefix, _, suffix = path.rpartition(sentinel)
        return prefix, suffix
    raise NoReverseMatch(f"Cannot reverse {view_name} with a {kwarg}")


def absolute(request, view_name, *args) -> str:
    """An absolute URL when there is a request, without DRF's preserved ?format=."""
    url = django_reverse(view_name, args=args)
    return request.build_absolute_uri(url) if request else url


# Brief forms: what a row shows of the rows it links to.


class ShapedBrief:
    """A brief serializer whose output is practices.shapes' brief, the one producer of that
    shape; its fields stay for the OpenAPI schema."""

    brief = None

    def to_representation(self, instance):
        request = self.context.get("request")
        base = request.build_absolute_uri("/")[:-1] if request else ""
        return shapes.absolute(self.brief(instance), base)


class RegionBriefSerializer(ShapedBrief, serializers.ModelSerializer):
    brief = staticmethod(shapes.region_brief)
    url = LinkField("region-detail", lookup_field="code")

    class Meta:
        model = Region
        fields = ["code", "name", "slug", "level", "url"]


class CountryBriefSerializer(ShapedBrief, serializers.ModelSerializer):
    brief = staticmethod(shapes.country_brief)
    code = serializers.CharField(source="alpha2", read_only=True)
    url = LinkField("country-detail", lookup_field="alpha2")

    class Meta:
        model = Country
        fields = ["code", "alpha3", "name", "url"]


class ObjectiveBriefSerializer(ShapedBrief, serializers.ModelSerializer):
    brief = staticmethod(shapes.objective_brief)
    url = LinkField("objective-detail", lookup_field="number")

    class Meta:
        model = Objective
        fields = ["number", "title", "url"]


class ActionBriefSerializer(ShapedBrief, serializers.ModelSerializer):
    brief = staticmethod(shapes.action_brief)
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(source="__str__", read_only=True)
    objective = serializers.IntegerField(source="objective.number", read_only=True)

    class Meta:
        model = ObjectiveAction
        fields = ["code", "label", "objective", "letter", "text"]


class PrincipleBriefSerializer(ShapedBrief, serializers.ModelSerializer):
    brief = staticmethod(shapes.principle_brief)
    url = LinkField("principle-detail")

    class Meta:
        model = GuidingPrinciple
        fields = ["number", "slug", "name", "url"]


class ThemeBriefSerializer(ShapedBrief, serializers.ModelSerializer):
    brief = staticmethod(shapes.theme_brief)
    url = LinkField("theme-detail")

    class Meta:
        model = Theme
        fields = ["slug", "name", "url"]


class OrganisationBriefSerializer(ShapedBrief, serializers.ModelSerializer):
    brief = staticmethod(shapes.organisation_brief)
    url = LinkField("organisation-detail")

    class Meta:
        model = Organisation
        fields = ["slug", "name", "acronym", "kind", "url"]


class SourceBriefSerializer(ShapedBrief, serializers.ModelSerializer):
    brief = staticmethod(shapes.source_brief)
    url = LinkField("source-detail")

    class Meta:
        model = Source
        fields = ["slug", "title", "year", "url"]


class PracticeBriefSerializer(serializers.ModelSerializer):
    url = LinkField("practice-detail")

    class Meta:
        model = Practice
        fields = ["slug", "title", "url"]


# Records.


class RecordSerializer(serializers.ModelSerializer):
    """A record with its related rows in brief, its API URL and its public page."""

    url = LinkField("")  # set per kind in __init__
    web_url = serializers.SerializerMethodField(help_text=_("The record's public page."))
    countries = CountryBriefSerializer(many=True, read_only=True)
    organisations = OrganisationBriefSerializer(many=True, read_only=True)
    objectives = ObjectiveBriefSerializer(many=True, read_only=True)
    actions = ActionBriefSerializer(many=True, read_only=True)
    principles = PrincipleBriefSerializer(many=True, read_only=True)
    themes = ThemeBriefSerializer(many=True, read_only=True)
    source = SourceBriefSerializer(read_only=True)
    created = serializers.DateTimeField(source="created_at", read_only=True)
    updated = serializers.DateTimeField(source="updated_at", read_only=True)

    class Meta:
        fields = [
            "url",
            "web_url",
            "slug",
            "title",
            "text",
            "language",
            "countries",
            "organisations",
            "objectives",
            "actions",
            "principles",
            "themes",
            "source",
            "section",
            "status",
            "created",
            "updated",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["url"] = LinkField(f"{self.Meta.model._meta.model_name}-detail")

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, record) -> str:
        request = self.context.get("request")
        url = record.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class PartnerSerializer(serializers.Serializer):
    """A partner of a practice: an organisation of the table (its slug) or a name, and
    its role."""

    organisation = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Organisation.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("The organisation's slug, or null for a partner named only."),
    )
    name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("The partner's name (the organisation's, in the request's language)."),
    )
    role = serializers.ChoiceField(choices=Partner.Role.choices)

    def validate(self, data):
        if not data.get("organisation") and not data.get("name", "").strip():
            raise serializers.ValidationError(
                {"name": _("Name the organisation (its slug) or give the partner's name.")}
            )
        return data


class PracticeSerializer(RecordSerializer):
    challenges_addressed = serializers.SerializerMethodField()
    scope_region = RegionBriefSerializer(read_only=True, allow_null=True)
    partners = PartnerSerializer(many=True, read_only=True)

    class Meta(RecordSerializer.Meta):
        model = Practice
        fields = [*RecordSerializer.Meta.fields, "challenges_addressed", *shapes.PRACTICE_KEYS]

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "slug": {"type": "string"},
                    "title": {"type": "string"},
                    "url": {"type": "string", "format": "uri"},
                },
            },
        }
    )
    def get_challenges_addressed(self, practice):
        request = self.context.get("request")
        return [
            {
                "slug": challenge.slug,
                "title": challenge.title,
                "url": absolute(request, "api:challenge-detail", challenge.slug),
            }
            for challenge in practice.challenges_addressed.all()
            if challenge.status == Status.PUBLISHED or self.context.get("show_unpublished")
        ]


class ChallengeSerializer(RecordSerializer):
    addressed_by = serializers.SerializerMethodField()

    class Meta(RecordSerializer.Meta):
        model = Challenge
        fields = [*RecordSerializer.Meta.fields, "addressed_by"]

    @extend_schema_field(PracticeBriefSerializer(many=True))
    def get_addressed_by(self, challenge):
        practices = [
            practice
            for practice in challenge.addressed_by.all()
            if practice.status == Status.PUBLISHED or self.context.get("show_unpublished")
        ]
        return PracticeBriefSerializer(practices, many=True, context=self.context).data


class OpportunitySerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Opportunity


class RecommendationSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Recommendation
        fields = [*RecordSerializer.Meta.fields, "kind", "kind_stated", "area"]


class RecordWriteSerializer(serializers.ModelSerializer):
    """What an editor sends: related rows by their codes, numbers and slugs."""

    countries = serializers.SlugRelatedField(
        slug_field="alpha2", queryset=Country.objects.all(), many=True, required=False
    )
    organisations = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.all(), many=True, required=False
    )
    objectives = serializers.SlugRelatedField(
        slug_field="number", queryset=Objective.objects.all(), many=True, required=False
    )
    principles = serializers.SlugRelatedField(
        slug_field="slug", queryset=GuidingPrinciple.objects.all(), many=True, required=False
    )
    themes = serializers.SlugRelatedField(
        slug_field="slug", queryset=Theme.objects.all(), many=True, required=False
    )
    source = serializers.SlugRelatedField(slug_field="slug", queryset=Source.objects.all())

    class Meta:
        fields = [
            "slug",
            "title",
            "text",
            "language",
            "countries",
            "organisations",
            "objectives",
            "principles",
            "themes",
            "source",
            "section",
            "status",
        ]

    def create(self, validated_data):
        relations = self.relations(validated_data)
        record = self.Meta.model(**validated_data)
        with service_errors():
            return editing.record_create(record=record, user=self.acting(), relations=relations)

    def update(self, instance, validated_data):
        """A change from the version the client read (the view passes If-Match's)."""
        relations = self.relations(validated_data)
        with service_errors():
            return editing.record_update(
                record=instance,
                user=self.acting(),
                version=self.context.get("version"),
                values=validated_data,
                relations=relations,
            )

    def acting(self):
        return self.context["request"].user

    def relations(self, validated_data: dict) -> dict:
        """Take the to-many relations out of the values: the service sets them."""
        names = [field.name for field in self.Meta.model._meta.many_to_many]
        return {name: validated_data.pop(name) for name in names if name in validated_data}

    def to_representation(self, instance):
        """Answer a write with the record's public shape (practices.shapes)."""
        request = self.context["request"]
        return shapes.record_item(
            instance,
            base=request.build_absolute_uri("/")[:-1],
            show_unpublished=self.context.get("show_unpublished", False),
            at=generation(),
        )


@extend_schema_field(
    {"type": "string", "nullable": True, "description": "UN M49 region code or slug."}
)
class RegionField(serializers.RelatedField):
    """A region by its UN M49 code ("145") or its slug ("western-asia")."""

    default_error_messages = {
        "unknown": _("No region has the M49 code or slug “%(value)s”."),
    }

    def to_internal_value(self, data):
        value = str(data).strip()
        region = self.get_queryset().filter(Q(code=value) | Q(slug=value)).first()
        if region is None:
            self.fail("unknown", value=value[:50])
        return region

    def to_representation(self, value):
        return value.code


class PracticeWriteFields(serializers.ModelSerializer):
    """What an editor sends of a practice's implementation, beside the record's fields:
    the region by code or slug, the partners as a list (replacing the practice's)."""

    scope_region = RegionField(queryset=Region.objects.all(), allow_null=True, required=False)
    partners = PartnerSerializer(many=True, required=False)

    FIELDS = list(Practice.IMPLEMENTATION_FIELDS)

    def validate(self, data):
        """The model's own checks (scope and region, years, end year and status) on the
        practice as it would be, each naming its field, before the service runs them."""
        data = super().validate(data)
        practice = copy.copy(self.instance) if self.instance else Practice()
        for name in self.FIELDS:
            if name in data and name != "partners":
                setattr(practice, name, data[name])
        try:
            practice.clean()
        except ModelValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return data

    def partner_rows(self, validated_data: dict):
        """Take the partners out of the values: the service writes them."""
        if "partners" not in validated_data:
            return None
        return [
            editing.PartnerRow(row.get("organisation"), row.get("name", ""), row["role"])
            for row in validated_data.pop("partners")
        ]

    def create(self, validated_data):
        partners = self.partner_rows(validated_data)
        relations = self.relations(validated_data)
        record = self.Meta.model(**validated_data)
        with service_errors():
            return editing.record_create(
                record=record, user=self.acting(), relations=relations, partners=partners
            )

    def update(self, instance, validated_data):
        partners = self.partner_rows(validated_data)
        relations = self.relations(validated_data)
        with service_errors():
            return editing.record_update(
                record=instance,
                user=self.acting(),
                version=self.context.get("version"),
                values=validated_data,
                relations=relations,
                partners=partners,
            )


def write_serializer_for(model):
    """A RecordWriteSerializer for one kind of record."""
    extra = ["kind", "kind_stated", "area"] if model is Recommendation else []
    bases = (RecordWriteSerializer,)
    if model is Practice:
        extra, bases = PracticeWriteFields.FIELDS, (PracticeWriteFields, RecordWriteSerializer)
    meta = type(
        "Meta", (), {"model": model, "fields": [*RecordWriteSerializer.Meta.fields, *extra]}
    )
    return type(f"{model.__name__}WriteSerializer", bases, {"Meta": meta})


@contextlib.contextmanager
def service_errors():
    """The model's validation errors, raised by the service's full_clean(), as a 400."""
    try:
        yield
    except ModelValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        raise serializers.ValidationError(detail) from None


# Reference tables.


# A reference row's `name` (an objective's `title`) is in the request's language, as in
# the briefs (practices.shapes); its columns in each language are given as they are.
LOCALIZED_HELP = _("In the request's language (English, French or Spanish).")


def localized_field(method: str = "localized_name"):
    return serializers.CharField(source=method, read_only=True, help_text=LOCALIZED_HELP)


class RegionSerializer(serializers.ModelSerializer):
    url = LinkField("region-detail", lookup_field="code")
    name = localized_field()
    parent = RegionBriefSerializer(read_only=True, allow_null=True)
    countries_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Region
        fields = [
            "url",
            "code",
            "name",
            "name_fr",
            "name_es",
            "slug",
            "level",
            "parent",
            "countries_count",
        ]


class RegionDetailSerializer(RegionSerializer):
    children = RegionBriefSerializer(many=True, read_only=True)
    countries = serializers.SerializerMethodField()

    class Meta(RegionSerializer.Meta):
        fields = [*RegionSerializer.Meta.fields, "children", "countries"]

    @extend_schema_field(CountryBriefSerializer(many=True))
    def get_countries(self, region):
        return CountryBriefSerializer(
            self.context["region_countries"], many=True, context=self.context
        ).data


class RecordCountsMixin(serializers.Serializer):
    """Published records of each kind linked to the row, annotated by the view."""

    practices_count = serializers.IntegerField(read_only=True)
    challenges_count = serializers.IntegerField(read_only=True)
    opportunities_count = serializers.IntegerField(read_only=True)
    recommendations_count = serializers.IntegerField(read_only=True)


COUNT_FIELDS = [
    "practices_count",
    "challenges_count",
    "opportunities_count",
    "recommendations_count",
]


class CountrySerializer(RecordCountsMixin, serializers.ModelSerializer):
    url = LinkField("country-detail", lookup_field="alpha2")
    code = serializers.CharField(source="alpha2", read_only=True)
    name = localized_field()
    subregion = RegionBriefSerializer(read_only=True, allow_null=True)
    intermediate_region = RegionBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Country
        fields = [
            "url",
            "code",
            "alpha2",
            "alpha3",
            "numeric",
            "name",
            "official_name",
            "name_fr",
            "name_es",
            "slug",
            "subregion",
            "intermediate_region",
            *COUNT_FIELDS,
        ]


class CoverageSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    count = serializers.IntegerField(help_text=_("Published records on this objective."))


class CountryDetailSerializer(CountrySerializer):
    objectives_covered = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta(CountrySerializer.Meta):
        fields = [*CountrySerializer.Meta.fields, "objectives_covered", "links"]

    @extend_schema_field(CoverageSerializer(many=True))
    def get_objectives_covered(self, country):
        return self.context["coverage"]

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_links(self, country):
        return record_list_links(self.context.get("request"), country=country.alpha2)


LIST_ROUTES = {
    "practices": "api:practice-list",
    "challenges": "api:challenge-list",
    "opportunities": "api:opportunity-list",
    "recommendations": "api:recommendation-list",
}


def record_list_links(request, **params) -> dict[str, str]:
    """The record lists filtered to one country, objective, theme..."""
    query = urlencode(params)
    return {name: f"{absolute(request, route)}?{query}" for name, route in LIST_ROUTES.items()}


class ObjectiveSerializer(RecordCountsMixin, serializers.ModelSerializer):
    url = LinkField("objective-detail", lookup_field="number")
    title = localized_field()
    short_title = localized_field("localized_short_title")

    class Meta:
        model = Objective
        fields = [
            "url",
            "number",
            "title",
            "short_title",
            "title_fr",
            "title_es",
            "short_title_fr",
            "short_title_es",
            "slug",
            *COUNT_FIELDS,
        ]


class ObjectiveDetailSerializer(ObjectiveSerializer):
    actions = ActionBriefSerializer(many=True, read_only=True)
    countries = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta(ObjectiveSerializer.Meta):
        fields = [*ObjectiveSerializer.Meta.fields, "actions", "countries", "links"]

    @extend_schema_field(CountryBriefSerializer(many=True))
    def get_countries(self, objective):
        return CountryBriefSerializer(
            self.context["objective_countries"], many=True, context=self.context
        ).data

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_links(self, objective):
        return record_list_links(self.context.get("request"), objective=objective.number)


class PrincipleSerializer(RecordCountsMixin, serializers.ModelSerializer):
    url = LinkField("principle-detail")
    name = localized_field()

    class Meta:
        model = GuidingPrinciple
        fields = [
            "url",
            "number",
            "slug",
            "name",
            "name_fr",
            "name_es",
            "description",
            *COUNT_FIELDS,
        ]


class ThemeSerializer(RecordCountsMixin, serializers.ModelSerializer):
    url = LinkField("theme-detail")
    name = localized_field()

    class Meta:
        model = Theme
        fields = ["url", "slug", "name", "name_fr", "name_es", "description", *COUNT_FIELDS]


class OrganisationSerializer(RecordCountsMixin, serializers.ModelSerializer):
    url = LinkField("organisation-detail")
    name = localized_field()

    class Meta:
        model = Organisation
        fields = [
            "url",
            "slug",
            "name",
            "name_fr",
            "name_es",
            "acronym",
            "kind",
            "aliases",
            *COUNT_FIELDS,
        ]


class SourceSerializer(RecordCountsMixin, serializers.ModelSerializer):
    url = LinkField("source-detail")

    class Meta:
        model = Source
        fields = [
            "url",
            "slug",
            "title",
            "session",
            "meeting",
            "year",
            "chair",
            "rapporteurs",
            "link",
            "see_also_title",
            "see_also_link",
            "citation",
            *COUNT_FIELDS,
        ]
