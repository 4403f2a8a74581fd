"""Pages of a collection by keyset on (date_added, id): the `next` token says where the last page ended, so every
page is an index range scan, however deep a client reads and whatever a release adds meanwhile (new versions
come after every position already handed out)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError

from kb.api.pagination import positive_int_parameter

NEXT = "next"
LIMIT = "limit"
_SALT = "interop.taxii.next"

ORDERING = ("date_added", "id")


@dataclass(frozen=True)
class Position:
    """Where a page ended: its last row's date_added and id."""

    date_added: datetime.datetime
    pk: int

    def token(self) -> str:
        """Opaque to clients, and signed, so only a position this server handed out comes back."""
        return signing.dumps([self.date_added.isoformat(), self.pk], salt=_SALT, compress=False)

    @classmethod
    def from_token(cls, token: str) -> Position:
        try:
            date_added, pk = signing.loads(token, salt=_SALT)
            return cls(datetime.datetime.fromisoformat(date_added), int(pk))
        except (signing.BadSignature, ValueError, TypeError):
            raise ValidationError({NEXT: ["Not a value this server gave: send a page's next as it is."]}) from None


@dataclass(frozen=True)
class Page:
    rows: list
    more: bool

    @property
    def next(self) -> str | None:
        return Position(self.rows[-1].date_added, self.rows[-1].id).token() if self.more else None

    def headers(self) -> dict[str, str]:
        """X-TAXII-Date-Added-First and -Last: when the page's first and last versions entered the collection."""
        if not self.rows:
            return {}
        return {
            "X-TAXII-Date-Added-First": taxii_timestamp(self.rows[0].date_added),
            "X-TAXII-Date-Added-Last": taxii_timestamp(self.rows[-1].date_added),
        }


def page_of(queryset: QuerySet, request) -> Page:
    """The page `limit` and `next` ask for (a 400 naming either when it is not one); `queryset` gives rows that
    have `date_added` and `id` (model instances or named `values_list` rows)."""
    limit = positive_int_parameter(request, LIMIT, default=settings.TAXII_MAX_PAGE_SIZE, maximum=settings.TAXII_MAX_PAGE_SIZE)
    token = request.query_params.getlist(NEXT)
    if len(token) > 1:
        raise ValidationError({NEXT: ["Give it once."]})
    queryset = queryset.order_by(*ORDERING)
    if token:
        after = Position.from_token(token[0])
        # The first condition is what the index seeks to; the second leaves out the rows up to the position itself.
        queryset = queryset.filter(date_added__gte=after.date_added).filter(Q(date_added__gt=after.date_added) | Q(id__gt=after.pk))
    rows = list(queryset[: limit + 1])
    return Page(rows=rows[:limit], more=len(rows) > limit)


def taxii_timestamp(moment: datetime.datetime) -> str:
    """A TAXII timestamp: UTC, with `Z`, to the microsecond (so a date_added sent back as added_after is exact)."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stix_timestamp(moment: datetime.datetime) -> str:
    """A version as STIX writes `modified`: to the millisecond, unless it has microseconds."""
    text = taxii_timestamp(moment)
    return text[:-4] + "Z" if moment.microsecond % 1000 == 0 else text
