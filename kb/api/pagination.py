"""Paging for API lists: numbered pages with a capped size, and cursors for the lists that grow to GTD scale."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination, PageNumberPagination

MAX_PAGE_SIZE = 500


class NumberedPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class SyncCursorPagination(CursorPagination):
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
