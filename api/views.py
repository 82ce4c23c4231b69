"""Declarative viewsets over the catalogue; filters and reads come from `practices`."""

import hashlib
import re

from django.db.models import Q
from django.http import (
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_filters import MultipleChoiceFilter, OrderingFilter
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, renderers, viewsets
from rest_framework.exceptions import APIException, MethodNotAllowed, ValidationError
from rest_framework.response import Response

from api import serializers as s
from api.exports import chunks, record_citations, record_csv_lines, record_jsonl_lines
from api.pagination import (
    PER_PAGE,
    CatalogPagination,
    RecordPagination,
)
from api.renderers import (
    CITATION_RENDERERS,
    CachedJSONRenderer,
    CitationRenderer,
    CSVRenderer,
    JSONLinesRenderer,
    Rendered,
    compact_json,
    csv_line,
)
from gfmd.locale import LANG_PARAMETER
from practices import editing, shapes
from practices.cache import cached, generation
from practices.citations import FORMATS, item_citation, source_citation, source_reports, today
from practices.filtersets import (
    CountryFilterSet,
    ExcludeFilter,
    NameSearchFilterSet,
    OrganisationFilterSet,
    PracticeFilterSet,
    RecommendationFilterSet,
    RecordFilterSet,
    RegionFilterSet,
    SourceFilterSet,
    ValuesFilter,
)
from practices.models import (
    Challenge,
    Country,
    GuidingPrinciple,
    Objective,
    Opportunity,
    Practice,
    Recommendation,
    Region,
    Source,
    Theme,
)
from practices.models import Organisation as OrganisationModel
from practices.search import SEARCH_FALLBACK_HEADER, fell_back
from practices.selectors import (
    FACETS,
    InvalidFilters,
    cached_facets,
    country_coverage,
    objective_countries,
    record_of_another_kind,
    record_rows,
    region_countries,
    region_list,
    visible_records,
    with_record_counts,
)

CSV_CHUNK = 1000
# Filters that take several values.
SEVERAL_VALUES = (ValuesFilter, ExcludeFilter, MultipleChoiceFilter, OrderingFilter)


def list_responses(serializer, citations: bool = False) -> dict:
    """A list's answers: a page of JSON, or the whole list as CSV text (or JSON Lines, or
    citations)."""
    cite = {
        (200, f.media_type): OpenApiResponse(
            OpenApiTypes.STR,
            description=_("The whole list (no pages) as %(format)s citations, one per item.")
            % {"format": f.label},
        )
        for f in FORMATS.values()
    }
    return {
        (200, "application/json"): serializer(many=True),
        (200, "text/csv"): OpenApiResponse(
            OpenApiTypes.STR,
            description=_("The whole list (no pages), one row per item, codes `; `-joined."),
        ),
        (200, JSONLinesRenderer.media_type): OpenApiResponse(
            OpenApiTypes.STR,
            description=_("The whole list (no pages) as JSON Lines, one item per line."),
        ),
        **(cite if citations else {}),
    }


FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv", "jsonl"],
    description=_(
        "json (default), csv or jsonl (JSON Lines); `Accept: text/csv` or "
        "`Accept: application/x-ndjson` work too. CSV and JSON Lines lists are whole."
    ),
)
CITING_FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv", "jsonl", *FORMATS],
    description=_(
        "json (default), csv, jsonl (JSON Lines), or a citation format: ris, bibtex or "
        "csljson (CSL-JSON); the matching Accept header works too. CSV, JSON Lines and "
        "citation lists are whole."
    ),
)


def citation_response(citation_format, chunks, name: str, *, streamed: bool = True):
    """A download of citations in one format (practices.citations.FORMATS), named
    `name` with the format's extension; a list streamed a chunk at a time."""
    content_type = f"{citation_format.media_type}; charset=utf-8"
    if streamed:
        response = StreamingHttpResponse(citation_format.stream(chunks), content_type=content_type)
    else:
        response = HttpResponse(citation_format.render(*chunks), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{citation_format.extension}"'
    return response


def named(request, parameter: str, known, message) -> list[str]:
    """The names given in `parameter`, comma-separated or repeated; a 400 when one is not
    in `known` (`message` gets the unknown names and the known ones)."""
    names = [
        name.strip()
        for value in request.query_params.getlist(parameter)
        for name in value.split(",")
        if name.strip()
    ]
    unknown = [name[:30] for name in names if name not in known]
    if unknown:
        raise ValidationError(
            {parameter: [message % {"names": ", ".join(unknown), "known": ", ".join(known)}]}
        )
    return names


def select_parameter(model) -> OpenApiParameter:
    return OpenApiParameter(
        "select",
        {"type": "array", "items": {"type": "string", "enum": shapes.item_keys(model)}},
        style="form",
        explode=False,
        description=_("Only these fields of each record, comma-separated (or repeated)."),
    )


class CatalogViewSetMixin:
    """JSON and CSV; errors always in JSON; CSV lists streamed whole, with the same filters."""

    renderer_classes = [
        CachedJSONRenderer,
        renderers.BrowsableAPIRenderer,
        CSVRenderer,
        JSONLinesRenderer,
    ]
    filter_backends = [DjangoFilterBackend]
    pagination_class = CatalogPagination
    # The relation by which a reference table's rows get their records' counts
    # (practices_count, ...), counted for the rows shown only.
    counts_relation = None

    # What a list takes besides its filters and pages (records: facets, select), and what
    # one row takes besides format (records: select).
    list_parameters: tuple[str, ...] = ()
    item_parameters: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        # A method the endpoint does not have is a 405 (with Allow), before anyone is
        # asked to sign in for it.
        if request.method != "OPTIONS" and getattr(self, request.method.lower(), None) is None:
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            self.check_parameters(request)

    def citation_format(self):
        """The citation format asked for (?format=ris, an Accept header), or None."""
        renderer = getattr(self.request, "accepted_renderer", None)
        return FORMATS[renderer.format] if isinstance(renderer, CitationRenderer) else None

    def cite(self, row, accessed):
        """A row's citation (practices.citations), for the viewsets that have any."""
        raise NotImplementedError

    def stream_citations(self, queryset, citation_format):
        """The whole list's citations, one file."""
        accessed = today()
        citations = [self.cite(row, accessed) for row in queryset]
        return citation_response(
            citation_format, [citations], file_name(queryset.model), streamed=False
        )

    def accepted_parameters(self) -> list[str]:
        """The query parameters this request may carry (`lang`: gfmd.locale reads it)."""
        names = ["format", LANG_PARAMETER, *self.item_parameters]
        if self.action == "list":
            if self.filterset_class is not None:
                names += list(self.filterset_class.base_filters)
            paginator = self.paginator
            names += [paginator.page_query_param, paginator.page_size_query_param, PER_PAGE]
            if cursor := getattr(paginator, "cursor_query_param", None):
                names.append(cursor)
            names += list(self.list_parameters)
        return list(dict.fromkeys(names))

    def check_parameters(self, request) -> None:
        """A misspelt or unknown parameter is a 400 naming it and what is accepted, not a
        silently unfiltered list. Parameters starting with "_" are left alone: clients
        add them to defeat caches (jQuery's `_=`)."""
        accepted = self.accepted_parameters()
        unknown = [n for n in request.query_params if n not in accepted and not n.startswith("_")]
        if unknown:
            message = _("Unknown parameter. Accepted: %(names)s.") % {
                "names": ", ".join(sorted(accepted))
            }
            raise ValidationError({name[:40]: [message] for name in unknown})
        several = self.repeatable_parameters()
        repeated = [
            name
            for name, values in request.query_params.lists()
            if len(values) > 1 and name not in several and not name.startswith("_")
        ]
        if repeated:
            message = _("Give this parameter once: it takes one value.")
            raise ValidationError({name[:40]: [message] for name in repeated})

    def repeatable_parameters(self) -> set[str]:
        """The parameters that take several values, repeated or comma-separated: any
        other given twice (?q=a&q=b) is a 400, where the last one was silently taken."""
        names = {*self.list_parameters, *self.item_parameters}
        if self.action == "list" and self.filterset_class is not None:
            filters = self.filterset_class.base_filters.items()
            names |= {name for name, filter_ in filters if isinstance(filter_, SEVERAL_VALUES)}
        return names

    def with_counts(self, rows):
        if self.counts_relation is None or rows is None:
            return rows
        return with_record_counts(rows, self.counts_relation)

    def get_object(self):
        return self.with_counts([self.lookup_object()])[0]

    def lookup_object(self):
        return super().get_object()

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), STREAMED
        ):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def cached_data(self, compute, at=None):
        """The response's data: rendered JSON for the JSON renderer, which sends the bytes
        as they are; the plain data for the other renderers."""
        content = self.cached_content(compute, at=at)
        if isinstance(self.request.accepted_renderer, CachedJSONRenderer):
            return content
        return content.data()

    def cached_content(self, compute, at=None) -> Rendered:
        """Anonymous reads are cached per catalogue generation (practices.cache).

        What is cached is the rendered JSON: bytes unpickle in microseconds, where the
        serializers' data (links holding model instances) took milliseconds and left
        garbage for the collector. `compute` gives the data or a Rendered already.
        """
        request = self.request

        def rendered():
            value = compute()
            return value if isinstance(value, Rendered) else Rendered.of(value)

        if request.user.is_authenticated:
            return rendered()
        key = "|".join(
            (
                request.get_host(),
                request.get_full_path(),
                request.accepted_media_type or "",
                get_language() or "",
            )
        )
        return cached("api", key, rendered, at=at)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        if isinstance(request.accepted_renderer, STREAMED):
            self.paginator.check(request)
        if isinstance(request.accepted_renderer, CSVRenderer):
            return self.stream_csv(queryset)
        if isinstance(request.accepted_renderer, JSONLinesRenderer):
            return self.stream_jsonl(queryset)
        if citation_format := self.citation_format():
            return self.stream_citations(queryset, citation_format)

        at = request.catalogue_generation = generation()

        def page_data():
            extra = self.list_extra(queryset)
            page = self.paginate_queryset(self.paged(queryset))
            return {**self.get_paginated_response(self.page_items(page)).data, **extra}

        return Response(self.cached_data(page_data, at=at))

    def paged(self, queryset):
        """What the pages are cut from."""
        return queryset

    def page_items(self, page) -> list:
        return self.get_serializer(self.with_counts(page), many=True).data

    def retrieve(self, request, *args, **kwargs):
        if citation_format := self.citation_format():
            row = self.lookup_object()
            citation = self.cite(row, today())
            return citation_response(citation_format, [[citation]], row.slug, streamed=False)
        return Response(self.cached_data(lambda: self.detail_data()))

    def detail_data(self) -> dict:
        return self.get_serializer(self.get_object()).data

    def list_extra(self, queryset) -> dict:
        """What a list adds beside its page (facets, for records)."""
        return {}

    def stream_csv(self, queryset):
        serializer_class = self.get_serializer_class()
        context = self.get_serializer_context()
        header = list(serializer_class(context=context).fields)

        def lines():
            yield csv_line(header)
            for chunk in chunks(queryset.iterator(chunk_size=CSV_CHUNK), CSV_CHUNK):
                for row in self.with_counts(chunk):  # the *_count cells, as the JSON has
                    data = serializer_class(row, context=context).data
                    yield csv_line(data.get(key) for key in header)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        name = file_name(queryset.model)
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response

    def stream_jsonl(self, queryset):
        """The whole list as JSON Lines, each row as the JSON list shows it."""
        serializer_class = self.get_serializer_class()
        context = self.get_serializer_context()

        def lines():
            for chunk in chunks(queryset.iterator(chunk_size=CSV_CHUNK), CSV_CHUNK):
                rows = serializer_class(self.with_counts(chunk), many=True, context=context)
                yield b"".join(compact_json(row) + b"\n" for row in rows.data)

        return jsonl_response(lines(), file_name(queryset.model))


STREAMED = (CSVRenderer, JSONLinesRenderer, CitationRenderer)


def file_name(model) -> str:
    """An export's file name, in English whatever the language: a header is ASCII (a
    French answer's "opportunités.csv" broke HTTP clients)."""
    with translation.override(None):
        return str(model._meta.verbose_name_plural)


def jsonl_response(lines, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type=JSONLinesRenderer.media_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.jsonl"'
    return response


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description=_(
        "The ETag of the record as you read it (GET answers it; so does every write). A "
        "change made meanwhile by someone else answers 412; no If-Match answers 428."
    ),
)


def locked(responses: dict) -> dict:
    """The answers of a write that names the version it was made from."""
    return {
        **responses,
        412: OpenApiResponse(
            STALE_SCHEMA,
            description=_("The record changed since that ETag: who changed it, when, its version."),
        ),
        428: OpenApiResponse(description=_("No If-Match: say which version you changed.")),
    }


STALE_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "changed_by": {"type": "string"},
        "changed_at": {"type": "string", "format": "date-time"},
        "version": {"type": "integer"},
    },
}


class Tagged(Rendered):
    """A record's rendered JSON and the entity tag of this version of it."""

    __slots__ = ("etag",)

    @classmethod
    def of(cls, data, *, version: int) -> "Tagged":
        tagged = cls(Rendered.of(data).content)
        digest = hashlib.sha256(tagged.content).hexdigest()[:16]
        tagged.etag = f'"{version}-{digest}"'
        return tagged


ENTITY_TAG = re.compile(r'^"(\d{1,9})(?:-[0-9a-f]*)?"$')


def if_match_version(request) -> int | None:
    """The record version named by If-Match, or None when it names none (the service then
    refuses the write, after the rule table: 403 comes before 428)."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    for tag in header.split(","):
        match = ENTITY_TAG.match(tag.strip())
        if match:
            return int(match[1])
    raise PreconditionFailed(
        _("If-Match holds no ETag of this API (%(value)s): GET the record for its ETag.")
        % {"value": header[:80]}
    )


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = _(
        "Send If-Match with the ETag of the record as you read it (GET it first), so that "
        "a change made meanwhile by someone else is not overwritten."
    )
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = 412
    default_detail = _("The record has changed since you read it.")
    default_code = "precondition_failed"


def stale_response(stale: editing.StaleVersion) -> Response:
    """412 Precondition Failed: who changed the record meanwhile, when, its version now."""
    return Response(
        {
            "detail": stale.message(),
            "changed_by": str(stale.who),
            "changed_at": stale.when.isoformat(),
            "version": stale.record.version,
        },
        status=412,
    )


def record_viewset(model, read_serializer, filterset=RecordFilterSet):
    """A viewset for one kind of record: read for all, write with the model's permission."""

    kind = model._meta.verbose_name_plural

    @extend_schema_view(
        list=extend_schema(
            summary=_("List %(kind)s") % {"kind": kind},
            parameters=[
                OpenApiParameter(
                    "facets",
                    {"type": "array", "items": {"type": "string", "enum": list(FACETS)}},
                    style="form",
                    explode=False,
                    description=_("Counts to add for the current filters, comma-separated."),
                ),
                CITING_FORMAT_PARAMETER,
                select_parameter(model),
            ],
            responses=list_responses(read_serializer, citations=True),
        ),
        retrieve=extend_schema(
            summary=_("One of the %(kind)s, by slug") % {"kind": kind},
            parameters=[select_parameter(model)],
        ),
        create=extend_schema(responses={201: read_serializer}),
        update=extend_schema(parameters=[IF_MATCH], responses=locked({200: read_serializer})),
        partial_update=extend_schema(
            parameters=[IF_MATCH], responses=locked({200: read_serializer})
        ),
        destroy=extend_schema(parameters=[IF_MATCH], responses=locked({204: None})),
    )
    class RecordViewSet(CatalogViewSetMixin, viewsets.ModelViewSet):
        queryset = model.objects.all()
        lookup_field = "slug"
        filterset_class = filterset
        pagination_class = RecordPagination
        list_parameters = ("facets", "select")
        item_parameters = ("select",)
        permission_classes = [permissions.DjangoModelPermissionsOrAnonReadOnly]
        write_serializer = s.write_serializer_for(model)
        renderer_classes = [*CatalogViewSetMixin.renderer_classes, *CITATION_RENDERERS]

        def show_unpublished(self) -> bool:
            """Editors who may change records see drafts; everyone else, published only."""
            return self.request.user.has_perm(f"practices.change_{model._meta.model_name}")

        def get_queryset(self):
            """What the user may see (practices.selectors.visible_records); every read
            takes its rows with values() and its shape from practices.shapes."""
            return visible_records(model=model, user=self.request.user)

        def filter_queryset(self, queryset):
            """Lists: practices.selectors.record_rows, the pages' path too."""
            if self.action != "list":
                return queryset
            try:
                rows = record_rows(
                    model=model, params=self.request.query_params, user=self.request.user
                )
            except InvalidFilters as invalid:
                raise ValidationError(invalid.errors) from None
            if fell_back(rows):  # no record has every word of q: those with any of them
                self.headers[SEARCH_FALLBACK_HEADER] = "any-word"
            return rows

        def get_serializer_class(self):
            if self.action in ("create", "update", "partial_update"):
                return self.write_serializer
            return read_serializer

        def stream_jsonl(self, queryset):
            """Each record's public shape, a line each, a chunk at a time."""
            lines = record_jsonl_lines(
                queryset, self.request, self.show_unpublished(), keys=self.selected()
            )
            return jsonl_response(lines, file_name(model))

        def selected(self) -> list[str] | None:
            """The fields named by ?select= (several, comma-separated or repeated), in the
            public shape's order; None without it."""
            keys = shapes.item_keys(model)
            names = named(
                self.request, "select", keys, _("Unknown field: %(names)s. Choose from: %(known)s.")
            )
            if not names or self.citation_format():  # a citation needs the whole record
                return None
            return [key for key in keys if key in names]

        def stream_csv(self, queryset):
            """Each record's public shape, flattened, a chunk at a time."""
            lines = record_csv_lines(
                queryset, self.request, self.show_unpublished(), keys=self.selected()
            )
            response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{file_name(model)}.csv"'
            return response

        def stream_citations(self, queryset, citation_format):
            """Each record's citation, a chunk at a time (api.exports.record_citations)."""
            chunks = record_citations(queryset, self.request, self.show_unpublished())
            return citation_response(citation_format, chunks, file_name(model))

        def paged(self, queryset):
            return shapes.rows(queryset)

        def page_items(self, page) -> list:
            items = shapes.record_items(
                model,
                page,
                base=self.request.build_absolute_uri("/")[:-1],
                show_unpublished=self.show_unpublished(),
                at=self.request.catalogue_generation,
            )
            keys = self.selected()
            return [{key: item[key] for key in keys} for item in items] if keys else items

        def retrieve(self, request, *args, **kwargs):
            """The record, with an ETag naming its version: send it back in If-Match."""
            try:
                content = self.cached_content(self.tagged_detail)
            except Http404:
                # A record re-read as another kind keeps its slug: its old address answers.
                moved = record_of_another_kind(model, self.kwargs["slug"], user=request.user)
                if moved is None:
                    raise
                location = reverse(f"api:{moved._meta.model_name}-detail", args=[moved.slug])
                if query := request.META.get("QUERY_STRING"):
                    location = f"{location}?{query}"
                return HttpResponsePermanentRedirect(location)
            if citation_format := self.citation_format():
                item = content.data()
                reports = source_reports([(item["source"] or {}).get("slug")])
                citation = item_citation(
                    item, kind=model._meta.verbose_name, reports=reports, accessed=today()
                )
                name = item["slug"]
                return citation_response(citation_format, [[citation]], name, streamed=False)
            if not isinstance(request.accepted_renderer, CachedJSONRenderer):
                return Response(content.data())
            response = Response(content)
            response["ETag"] = content.etag
            return response

        def tagged_detail(self) -> "Tagged":
            rows = self.get_queryset().filter(slug=self.kwargs["slug"])
            row = shapes.rows(rows, "version").first()
            if row is None:
                raise Http404(_("No %(kind)s with this slug.") % {"kind": kind})
            item = shapes.record_items(
                model,
                [row],
                base=self.request.build_absolute_uri("/")[:-1],
                show_unpublished=self.show_unpublished(),
                at=generation(),
            )[0]
            keys = self.selected()
            if keys:
                item = {key: item[key] for key in keys}
            return Tagged.of(item, version=row["version"])

        def get_serializer_context(self):
            context = super().get_serializer_context()
            context["show_unpublished"] = self.show_unpublished()
            context["version"] = getattr(self, "if_match_version", None)
            return context

        def create(self, request, *args, **kwargs):
            return self.tagged(super().create(request, *args, **kwargs))

        def update(self, request, *args, **kwargs):
            self.if_match_version = if_match_version(request)
            try:
                return self.tagged(super().update(request, *args, **kwargs))
            except editing.StaleVersion as stale:
                return stale_response(stale)
            except editing.VersionRequired:
                raise PreconditionRequired() from None

        def perform_create(self, serializer):
            self.written = serializer.save()

        def perform_update(self, serializer):
            self.written = serializer.save()

        def tagged(self, response):
            """A write answers with the record and the ETag of its new version."""
            response["ETag"] = Tagged.of(response.data, version=self.written.version).etag
            return response

        def destroy(self, request, *args, **kwargs):
            self.if_match_version = if_match_version(request)
            try:
                return super().destroy(request, *args, **kwargs)
            except editing.StaleVersion as stale:
                return stale_response(stale)
            except editing.VersionRequired:
                raise PreconditionRequired() from None

        def perform_destroy(self, instance):
            editing.record_delete(
                record=instance, user=self.request.user, version=self.if_match_version
            )

        def list_extra(self, queryset):
            names = named(
                self.request, "facets", FACETS, _("Unknown facet: %(names)s. Use %(known)s.")
            )
            if not names:
                return {}
            at = getattr(self.request, "catalogue_generation", None)
            return {"facets": cached_facets(queryset, names, at=at)}

    RecordViewSet.__name__ = f"{model.__name__}ViewSet"
    RecordViewSet.__qualname__ = RecordViewSet.__name__
    return RecordViewSet


PracticeViewSet = record_viewset(Practice, s.PracticeSerializer, PracticeFilterSet)
ChallengeViewSet = record_viewset(Challenge, s.ChallengeSerializer)
OpportunityViewSet = record_viewset(Opportunity, s.OpportunitySerializer)
RecommendationViewSet = record_viewset(
    Recommendation, s.RecommendationSerializer, RecommendationFilterSet
)


@extend_schema_view(
    list=extend_schema(parameters=[FORMAT_PARAMETER], responses=list_responses(s.CountrySerializer))
)
class CountryViewSet(CatalogViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Countries by ISO code (alpha-2 or alpha-3) or slug, with their records' counts."""

    lookup_field = "alpha2"
    lookup_value_regex = "[^/]+"
    filterset_class = CountryFilterSet
    serializer_class = s.CountrySerializer
    queryset = Country.objects.all()

    counts_relation = "countries"

    def get_queryset(self):
        return Country.objects.select_related("subregion", "intermediate_region")

    def lookup_object(self):
        value = self.kwargs[self.lookup_field]
        return get_object_or_404(
            self.get_queryset(),
            Q(alpha2=value.upper()) | Q(alpha3=value.upper()) | Q(slug=value.lower()),
        )

    @extend_schema(responses=s.CountryDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def detail_data(self):
        country = self.get_object()
        context = {**self.get_serializer_context(), "coverage": country_coverage(country)}
        return s.CountryDetailSerializer(country, context=context).data


@extend_schema_view(
    list=extend_schema(parameters=[FORMAT_PARAMETER], responses=list_responses(s.RegionSerializer))
)
class RegionViewSet(CatalogViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """UN M49 regions by code or slug, with their sub-regions and countries."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_class = RegionFilterSet
    serializer_class = s.RegionSerializer
    queryset = Region.objects.all()

    def get_queryset(self):
        return region_list()

    def lookup_object(self):
        value = self.kwargs[self.lookup_field]
        return get_object_or_404(self.get_queryset(), Q(code=value) | Q(slug=value.lower()))

    @extend_schema(responses=s.RegionDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def detail_data(self):
        region = self.get_object()
        context = {**self.get_serializer_context(), "region_countries": region_countries(region)}
        return s.RegionDetailSerializer(region, context=context).data


@extend_schema_view(
    list=extend_schema(
        parameters=[FORMAT_PARAMETER], responses=list_responses(s.ObjectiveSerializer)
    )
)
class ObjectiveViewSet(CatalogViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The 23 GCM objectives by number, with their actions and records' counts."""

    lookup_field = "number"
    lookup_value_regex = "[0-9]{1,2}"
    serializer_class = s.ObjectiveSerializer
    filterset_class = None
    queryset = Objective.objects.all()

    counts_relation = "objectives"

    def get_queryset(self):
        return Objective.objects.prefetch_related("actions__objective")

    @extend_schema(responses=s.ObjectiveDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def detail_data(self):
        objective = self.get_object()
        context = {
            **self.get_serializer_context(),
            "objective_countries": objective_countries(objective),
        }
        return s.ObjectiveDetailSerializer(objective, context=context).data


def reference_viewset(
    model, serializer, relation, filterset=NameSearchFilterSet, doc="", citable=False
):
    """A read-only viewset by slug, annotated with the counts of its records; `citable`:
    its rows are cited (sources) in the citation formats too."""

    @extend_schema_view(
        list=extend_schema(
            parameters=[CITING_FORMAT_PARAMETER if citable else FORMAT_PARAMETER],
            responses=list_responses(serializer, citations=citable),
        )
    )
    class ReferenceViewSet(CatalogViewSetMixin, viewsets.ReadOnlyModelViewSet):
        __doc__ = doc
        lookup_field = "slug"
        serializer_class = serializer
        filterset_class = filterset
        queryset = model.objects.all()
        counts_relation = relation
        if citable:
            renderer_classes = [*CatalogViewSetMixin.renderer_classes, *CITATION_RENDERERS]

            def cite(self, row, accessed):
                """A source: the report itself, its catalogue page the stable link."""
                permalink = self.request.build_absolute_uri(row.get_absolute_url())
                return source_citation(row, permalink=permalink, accessed=accessed)

    ReferenceViewSet.__name__ = f"{model.__name__}ViewSet"
    ReferenceViewSet.__qualname__ = ReferenceViewSet.__name__
    return ReferenceViewSet


PrincipleViewSet = reference_viewset(
    GuidingPrinciple, s.PrincipleSerializer, "principles", doc="The ten GCM guiding principles."
)
ThemeViewSet = reference_viewset(Theme, s.ThemeSerializer, "themes", doc="The themes.")
OrganisationViewSet = reference_viewset(
    OrganisationModel,
    s.OrganisationSerializer,
    "organisations",
    OrganisationFilterSet,
    doc="Organisations named in records.",
)
SourceViewSet = reference_viewset(
    Source,
    s.SourceSerializer,
    "source",
    SourceFilterSet,
    doc="GFMD documents records cite.",
    citable=True,
)
