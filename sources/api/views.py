"""API endpoints for sources and citations."""

from __future__ import annotations

from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse

from kb.api.pagination import SyncCursorPagination
from kb.api.views import ReadOnlyViewSet
from kb.lookups import joined_as_written

from ..filtersets import CitationFilterSet, SourceFilterSet
from ..selectors import public_citations, public_sources
from . import serializers


class SourceViewSet(ReadOnlyViewSet):
    """The articles facts are cited from, addressed by slug: metadata and link, never the stored full text."""

    queryset = public_sources()
    serializer_class = serializers.SourceSerializer
    filterset_class = SourceFilterSet
    lookup_field = "slug"

    # A source's earlier slug answers 301 to its current address, as the site does.
    def retrieve(self, request, *args, **kwargs):
        try:
            return super().retrieve(request, *args, **kwargs)
        except Http404:
            source = self.get_queryset().filter(previous_slugs__contains=[kwargs["slug"]]).only("slug").first()
            if source is None:
                raise
            query = request.META.get("QUERY_STRING", "")
            url = reverse("api:source-detail", kwargs={"slug": source.slug})
            return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


class CitationViewSet(ReadOnlyViewSet):
    """Quotes and the fact each supports; lists page by cursor."""

    queryset = public_citations()
    serializer_class = serializers.CitationSerializer
    filterset_class = CitationFilterSet
    pagination_class = SyncCursorPagination
    cursor_orderings = {"id": ("id",), "-id": ("-id",), "updated": ("updated_at", "id"), "-updated": ("-updated_at", "-id")}
    default_cursor_ordering = "id"

    def paginate_queryset(self, queryset):
        with joined_as_written(queryset.db):  # a page of citations, then what each points to
            return super().paginate_queryset(queryset)
