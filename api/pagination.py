"""Pages of a list: numbered pages with a capped size, or a cursor walk of the whole table.

A page or page size that is not a whole number is a 400 naming the parameter, never a
silent default. `?cursor=` (empty to start) switches to keyset pagination ordered by id,
which costs no COUNT and stays fast however deep the walk goes.
"""

import functools

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

from practices.cache import CachedCountPaginator, cached_count
from practices.filtersets import whole_number

MAX_DIGITS = 9
# OpenAlex's name for page_size, accepted as well: scripts written for it work here.
PER_PAGE = "per_page"


def positive_parameter(request, name: str, default: int, maximum: int | None = None) -> int:
    """A positive integer query parameter, or a 400 saying what is expected."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    number = whole_number(raw) if len(raw) <= MAX_DIGITS else None
    if number is None or number < 1:
        raise ValidationError({name: [_("Must be a whole number of at least 1.")]})
    if maximum and number > maximum:
        raise ValidationError({name: [_("At most %(maximum)d.") % {"maximum": maximum}]})
    return number


def page_size_parameter(request, name: str, default: int, maximum: int) -> int:
    """The page size from `name` (page_size) or per_page; given both, they must agree."""
    sizes = {
        positive_parameter(request, each, default, maximum)
        for each in (name, PER_PAGE)
        if request.query_params.get(each)
    }
    if len(sizes) > 1:
        raise ValidationError(
            {PER_PAGE: [_("Another name for %(name)s: give one.") % {"name": name}]}
        )
    return sizes.pop() if sizes else default


class CatalogPagination(PageNumberPagination):
    django_paginator_class = CachedCountPaginator
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        return page_size_parameter(
            request, self.page_size_query_param, self.page_size, self.max_page_size
        )

    def paginate_queryset(self, queryset, request, view=None):
        # The view may have read the catalogue's generation already: the count's cache
        # key takes it rather than asking the database again.
        at = getattr(request, "catalogue_generation", None)
        self.django_paginator_class = functools.partial(CachedCountPaginator, at=at)
        return super().paginate_queryset(queryset, request, view)

    def check(self, request) -> None:
        """A bad page or page size is a 400 even where nothing is cut into pages (a whole
        list as CSV or JSON Lines): ?format=csv&page_size=-3 is a mistake, not ignored."""
        page = request.query_params.get(self.page_query_param)
        if page is not None and page not in self.last_page_strings:
            positive_parameter(request, self.page_query_param, 1)
        self.sizer(request).get_page_size(request)

    def sizer(self, request):
        """What reads the page size asked."""
        return self

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return paginator.num_pages
        return positive_parameter(request, self.page_query_param, 1)

    def get_schema_operation_parameters(self, view):
        """page and page_size with their ranges: whole numbers from 1, page_size capped."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_query_param:
                parameter["description"] = _(
                    "A page number from 1 (beyond the last: 404); `last` for the last page."
                )
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.schema_max_page_size
                parameter["description"] = self.page_size_description()
        size = next(p for p in parameters if p["name"] == self.page_size_query_param)
        per_page = {
            **size,
            "name": PER_PAGE,
            "schema": dict(size["schema"]),
            "description": _("Another name for page_size, as OpenAlex spells it."),
        }
        return [*parameters, per_page]

    @property
    def schema_max_page_size(self) -> int:
        return self.max_page_size

    def page_size_description(self) -> str:
        return _("Results per page: %(default)d by default, at most %(max)d.") % {
            "default": self.page_size,
            "max": self.max_page_size,
        }


class KeysetPagination(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        return page_size_parameter(
            request, self.page_size_query_param, self.page_size, self.max_page_size
        )

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = None
        else:  # a cursor made by hand may carry any position: the walk is by id
            position = None if cursor is None else cursor.position
            if position is None or whole_number(position) is not None:
                return cursor
        raise ValidationError({self.cursor_query_param: [_("Invalid cursor.")]})


class RecordPagination(CatalogPagination):
    """Numbered pages by default; a cursor walk when `cursor` is in the query."""

    cursor_query_param = "cursor"
    keyset = None

    def paginate_queryset(self, queryset, request, view=None):
        if self.cursor_query_param in request.query_params:
            if request.query_params.get("ordering"):
                raise ValidationError(
                    {
                        "ordering": [
                            _("A cursor walk is in id order: leave out ordering, or use page.")
                        ]
                    }
                )
            self.keyset = KeysetPagination()
            # The walk's total, counted once per filters and generation, not per page.
            self.total = cached_count(queryset, at=getattr(request, "catalogue_generation", None))
            return self.keyset.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def sizer(self, request):
        """A cursor walk's page sizes are its own."""
        walk = self.cursor_query_param in request.query_params
        return KeysetPagination() if walk else self

    def get_paginated_response(self, data):
        if self.keyset:
            walk = self.keyset.get_paginated_response(data)
            walk.data = {"count": self.total, **walk.data}
            return walk
        return super().get_paginated_response(data)

    def get_schema_operation_parameters(self, view):
        cursor = KeysetPagination().get_schema_operation_parameters(view)[0]
        cursor["description"] = _(
            "Walk the whole list in id order: pass an empty cursor to start, then follow next."
        )
        return [*super().get_schema_operation_parameters(view), cursor]

    @property
    def schema_max_page_size(self) -> int:
        return KeysetPagination.max_page_size

    def page_size_description(self) -> str:
        return _(
            "Results per page: %(default)d by default, at most %(max)d; in a cursor walk "
            "%(cursor_default)d by default, at most %(cursor_max)d."
        ) % {
            "default": self.page_size,
            "max": self.max_page_size,
            "cursor_default": KeysetPagination.page_size,
            "cursor_max": KeysetPagination.max_page_size,
        }

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "results"]
        response["properties"]["count"]["description"] = _(
            "How many rows the list holds (in a cursor walk too)."
        )
        response["properties"]["facets"] = FACETS_SCHEMA
        return response


# ?facets=country,year: for each facet asked, its values with their counts.
FACETS_SCHEMA = {
    "type": "object",
    "description": "Only with ?facets=: each facet asked, its values most frequent first.",
    "additionalProperties": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "value": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                "label": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                "count": {"type": "integer", "minimum": 0},
            },
            "required": ["value", "label", "count"],
        },
    },
}
