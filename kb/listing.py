"""Filtered, paginated lists for the public pages: one FilterSet validates the query string, a Paginator pages the result."""

from __future__ import annotations

from dataclasses import dataclass

import django_filters
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict

PAGE_SIZE = 50


@dataclass(frozen=True)
class ListPage:
    filterset: django_filters.FilterSet
    page: Page | None  # None when the filters were invalid
    is_filtered: bool

    @property
    def status(self) -> int:
        return 400 if self.page is None else 200

    @property
    def query(self) -> str:
        """The list's filters as a query string (no page): the API's list of the same model takes the same ones, so
        the page's "Data: JSON · CSV" links give what it shows."""
        return self.filterset.data.urlencode() if self.filterset.data else ""


def filtered_list(request: HttpRequest, filterset_class: type[django_filters.FilterSet], queryset: QuerySet) -> ListPage:
    # A submitted form sends its empty fields too ("?status=&kind=active"): they mean "any".
    data = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        if name != "page" and (given := [value for value in values if value != ""]):
            data.setlist(name, given)
    filterset = filterset_class(data or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return ListPage(filterset, None, is_filtered=True)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    is_filtered = any(value for name, value in data.items() if name != "ordering")
    return ListPage(filterset, page, is_filtered=is_filtered)
