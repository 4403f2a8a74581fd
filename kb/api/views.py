"""What every API endpoint shares: read-only viewsets with CSV export and JSON errors, the API root, and the deletions feed."""

from __future__ import annotations

import functools

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from kb import prebuilt
from kb.cache import cache_key, cached_response
from kb.filtersets import query_parameters
from kb.throttling import ExportThrottle

from .csv import CsvExport, CSVRenderer, csv_response
from .pagination import positive_int_parameter
from .renderers import JSONRenderer
from .routers import ApiRouter, RootLink


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """An API endpoint: list and detail of public records; any other method answers 405.

    Lists may use a lighter serializer (`list_serializer_class`) and queryset than details
    (`detail_queryset`); `csv_export` (its columns, from the app's `exports.py`) makes `<prefix>.csv` (and
    `?format=csv` on the list) stream the filtered list. With `prebuilt_list`, the list's first page as tools poll it
    (no query string, the default JSON) is also prebuilt in the database and refreshed on write (`kb.prebuilt`), as a
    profile is: after an edit, its next reader does not build it.
    """

    list_serializer_class: type[serializers.Serializer] | None = None
    detail_queryset = None
    csv_export: CsvExport | None = None
    prebuilt_list = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action is not None:  # a method the route does not take hears 405, whatever it asked
            refuse_unknown_parameters(request, self.query_parameters())
        refuse_empty_parameters(request)
        if self.action == "list" and self.paginator is not None:
            # Bad paging parameters are a 400 even for CSV, which does not page.
            self.paginator.get_page_size(request)
            if page_parameter := getattr(self.paginator, "page_query_param", None):
                positive_int_parameter(request, page_parameter, default=1)

    def query_parameters(self) -> frozenset[str]:
        """What this endpoint reads from the query string: a list its FilterSet's filters and its paginator's
        parameters, a record nothing; both the format."""
        names = {api_settings.URL_FORMAT_OVERRIDE}
        if self.action == "list":
            if filterset_class := getattr(self, "filterset_class", None):
                names |= query_parameters(filterset_class)
            for attribute in ("page_query_param", "page_size_query_param", "cursor_query_param", "ordering_param"):
                if name := getattr(self.paginator, attribute, None):
                    names.add(name)
        return frozenset(names)

    def get_throttles(self):
        throttles = super().get_throttles()
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is not None and renderer.format == CSVRenderer.format:
            throttles.append(ExportThrottle())
        return throttles

    def get_queryset(self):
        if self.action == "retrieve" and self.detail_queryset is not None:
            return self.detail_queryset.all()
        return super().get_queryset()

    def get_serializer_class(self):
        if self.action == "list" and self.list_serializer_class is not None:
            return self.list_serializer_class
        return super().get_serializer_class()

    def get_renderers(self):
        renderers = [JSONRenderer()]
        # On list routes, any method: a POST with ?format=csv should hear 405, not 404.
        if self.csv_export and not getattr(self, "detail", False):
            renderers.append(CSVRenderer())
        return renderers

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == CSVRenderer.format:
            return csv_response(self.filter_queryset(self.csv_export.records()), self.csv_export)
        return self._cached(request, lambda: super(ReadOnlyViewSet, self).list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        return self._cached(request, lambda: super(ReadOnlyViewSet, self).retrieve(request, *args, **kwargs))

    def _cached(self, request, build):
        """After the throttle and the parameter checks: the rendered JSON, until the data changes."""

        def rendered():
            response = self.finalize_response(request, build())
            return response.render()

        if self.prebuilt_list and self.action == "list" and request.accepted_media_type == JSONRenderer.media_type:
            rendered = functools.partial(prebuilt.prebuilt_response, request, rendered, record_page=False)
        key = cache_key(request, "api", request.accepted_media_type)
        return cached_response(key, rendered, record_page=self.action == "retrieve")

    def handle_exception(self, exc):
        # Errors answer in JSON, whatever format was asked for: a client can always read why.
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)


def refuse_unknown_parameters(request, known: frozenset[str]) -> None:
    """A parameter the endpoint does not read would be ignored, and the client never learn its request was not what
    it meant (a misspelt filter gives the whole list): say so, and what the endpoint reads."""
    unknown = sorted(name for name in request.query_params if name not in known)
    if unknown:
        message = f"Not a parameter of this endpoint; it reads {', '.join(sorted(known))}."
        raise ValidationError({name: [message] for name in unknown})


def refuse_empty_parameters(request) -> None:
    """`?status=` is a mistake in a program's request (the site's forms drop empty fields themselves): say so."""
    empty = [name for name, values in request.query_params.lists() if any(value == "" for value in values)]
    if empty:
        raise ValidationError({name: ["Give a value, or leave the parameter out."] for name in empty})


class ApiRootView(APIView):
    """The endpoints of version 1: every app's lists, then its other endpoints (`routers`), then the schema and docs."""

    routers: list[ApiRouter] = []
    own_links: list[RootLink] = []

    @extend_schema(exclude=True)
    def get(self, request):
        links = [
            *(link for router in self.routers for link in router.list_links()),
            *(link for router in self.routers for link in router.view_links()),
            *self.own_links,
        ]
        return Response({link.name: request.build_absolute_uri(reverse(f"api:{link.url_name}")) for link in links})
