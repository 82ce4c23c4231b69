"""Pages of a list: numbered pages with a capped size, or a cursor walk of the whole table.

A page or page size that is not a whole number is a 400 naming the parameter, never a
silent default. `?cursor=` (empty to start) switches to keyset pagination ordered by id,
which costs no COUNT and stays fast however deep the walk goes.
"""

import functools

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

from practices.cache import CachedCountPaginator

MAX_DIGITS = 9


def whole_number(request, name: str, default: int, maximum: int | None = None) -> int:
    """A positive integer query parameter, or a 400 saying what is expected."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > MAX_DIGITS or int(raw) < 1:
        raise ValidationError({name: [_("Must be a whole number of at least 1.")]})
    return min(int(raw), maximum) if maximum else int(raw)


class CatalogPagination(PageNumberPagination):
    django_paginator_class = CachedCountPaginator
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        return whole_number(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        # The view may have read the catalogue's generation already: the count's cache
        # key takes it rather than asking the database again.
        at = getattr(request, "catalogue_generation", None)
        self.django_paginator_class = functools.partial(CachedCountPaginator, at=at)
        return super().paginate_queryset(queryset, request, view)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return raw
        return whole_number(request, self.page_query_param, 1)


class KeysetPagination(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        return whole_number(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [_("Invalid cursor.")]}) from None


class RecordPagination(CatalogPagination):
    """Numbered pages by default; a cursor walk when `cursor` is in the query."""

    cursor_query_param = "cursor"
    keyset = None

    def paginate_queryset(self, queryset, request, view=None):
        if self.cursor_query_param in request.query_params:
            self.keyset = KeysetPagination()
            return self.keyset.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self.keyset:
            return self.keyset.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_schema_operation_parameters(self, view):
        cursor = KeysetPagination().get_schema_operation_parameters(view)[0]
        cursor["description"] = _(
            "Walk the whole list in id order: pass an empty cursor to start, then follow next."
        )
        return [*super().get_schema_operation_parameters(view), cursor]

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["results"]
        response["properties"]["count"]["description"] = _("Absent in a cursor walk.")
        return response
