"""Paging for API lists: numbered pages with a capped size, and cursors for the lists that grow to GTD scale."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

MAX_PAGE_SIZE = 500


def positive_int_parameter(request, name: str, *, default: int | None, maximum: int | None = None, minimum: int = 1) -> int | None:
    """A whole-number query parameter: absent gives the default, anything but one number in range is a 400 naming it."""
    values = request.query_params.getlist(name)
    if not values:
        return default
    if len(values) > 1 or not (values[0].isascii() and values[0].isdigit()) or int(values[0]) < minimum:
        raise ValidationError({name: [f"Give one whole number, at least {minimum}."]})
    return min(int(values[0]), maximum) if maximum else int(values[0])


class StrictPageSizeMixin:
    """DRF quietly ignores a page_size it cannot read; a client would never learn its request was wrong."""

    def get_page_size(self, request):
        return positive_int_parameter(request, self.page_size_query_param, default=self.page_size, maximum=self.max_page_size)


class NumberedPagination(StrictPageSizeMixin, PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class SyncCursorPagination(StrictPageSizeMixin, CursorPagination):
    """A cursor stays correct and fast however deep a client pages and however the data changes meanwhile.

    The sort comes from the view's `cursor_orderings` (`?ordering=` value → model fields, the first of
    which positions the cursor and is never null); the FilterSet has already refused any other value.
    """

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering_param = "ordering"

    def get_ordering(self, request, queryset, view):
        orderings = view.cursor_orderings
        requested = request.query_params.get(self.ordering_param, "") or view.default_cursor_ordering
        return orderings.get(requested, orderings[view.default_cursor_ordering])
