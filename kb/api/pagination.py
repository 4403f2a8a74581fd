"""Paging for API lists: numbered pages with a capped size, and cursors for the lists that grow to GTD scale."""

from __future__ import annotations

import binascii
import datetime
from base64 import b64decode
from urllib import parse

from django.core.exceptions import ValidationError as InvalidValue
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination, PageNumberPagination

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
    cursor_query_description = "Opaque: the value in a page's next or previous link, as it is; any other is a 400."

    def get_ordering(self, request, queryset, view):
        orderings = view.cursor_orderings
        requested = request.query_params.get(self.ordering_param, "") or view.default_cursor_ordering
        return orderings.get(requested, orderings[view.default_cursor_ordering])

    def paginate_queryset(self, queryset, request, view=None):
        self.queryset = queryset  # decode_cursor reads the type of the sort key from it
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request) -> Cursor | None:
        """The cursor as `encode_cursor` wrote it (base64 of `o`, `r`, `p`), or a 400 naming the parameter.

        DRF answers a cursor it cannot decode with a 404 and hands a forged position to the database as it is,
        where a value that is not of the sort key's type fails the request; so every part is checked here.
        """
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            tokens = parse.parse_qs(
                b64decode(encoded.encode("ascii"), validate=True).decode("ascii"),
                keep_blank_values=True,
                strict_parsing=True,
                max_num_fields=3,
            )
        except (ValueError, binascii.Error):
            tokens = None
        if not tokens or not tokens.keys() <= {"o", "r", "p"} or any(len(values) > 1 for values in tokens.values()):
            self._refuse_cursor()
        offset, reverse, position = tokens.get("o", ["0"])[0], tokens.get("r", ["0"])[0], tokens.get("p", [None])[0]
        if not (offset.isascii() and offset.isdigit() and len(offset) <= 10) or reverse not in ("0", "1"):
            self._refuse_cursor()
        if position is not None:
            position = self._sort_key_position(position)
        return Cursor(offset=min(int(offset), self.offset_cutoff), reverse=reverse == "1", position=position)

    def _sort_key_position(self, position: str) -> str:
        """The position as the database reads it, if it is a value of the first sort key (a model field or an annotation)."""
        name = self.ordering[0].lstrip("-")
        annotations = self.queryset.query.annotations
        field = annotations[name].output_field if name in annotations else self.queryset.model._meta.get_field(name)
        if "\x00" in position:  # PostgreSQL takes no NUL character, whatever the type
            self._refuse_cursor()
        try:
            value = field.clean(position, None)
            if isinstance(value, datetime.datetime):
                # Positions are written in UTC; PostgreSQL takes offsets of under 16 hours only.
                value = None if timezone.is_naive(value) else value.astimezone(datetime.UTC)
        except (InvalidValue, OverflowError):
            value = None
        if value is None:
            self._refuse_cursor()
        return str(value)

    def _refuse_cursor(self):
        raise ValidationError({self.cursor_query_param: ["Not a cursor this API gave: follow a page's next or previous link as it is."]})
