"""What every API endpoint shares: read-only viewsets with CSV export and JSON errors, the API root, and the deletions feed."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from kb.cache import cache_key, cached_response
from kb.models import PublicationStatus

from .csv import Column, CSVRenderer, csv_response
from .pagination import positive_int_parameter

FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=["json", "csv"], description="csv streams the whole filtered list as a spreadsheet (no paging)."
)


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """An API endpoint: list and detail of public records; any other method answers 405.

    Lists may use a lighter serializer (`list_serializer_class`) and queryset than details
    (`detail_queryset`); `csv_columns` makes `?format=csv` stream the filtered list.
    """

    list_serializer_class: type[serializers.Serializer] | None = None
    detail_queryset = None
    csv_columns: list[Column] | None = None
    csv_filename = ""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        refuse_empty_parameters(request)
        if self.action == "list" and self.paginator is not None:
            # Bad paging parameters are a 400 even for CSV, which does not page.
            self.paginator.get_page_size(request)
            if page_parameter := getattr(self.paginator, "page_query_param", None):
                positive_int_parameter(request, page_parameter, default=1)

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
        if self.csv_columns and not getattr(self, "detail", False):
            renderers.append(CSVRenderer())
        return renderers

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == CSVRenderer.format:
            return csv_response(self.filter_queryset(self.get_queryset()), self.csv_columns, self.csv_filename)
        return self._cached(request, lambda: super(ReadOnlyViewSet, self).list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        return self._cached(request, lambda: super(ReadOnlyViewSet, self).retrieve(request, *args, **kwargs))

    def _cached(self, request, build):
        """After the throttle and the parameter checks: the rendered JSON, until the data changes."""

        def rendered():
            response = self.finalize_response(request, build())
            return response.render()

        return cached_response(cache_key(request, "api", request.accepted_media_type), rendered)

    def handle_exception(self, exc):
        # Errors answer in JSON, whatever format was asked for: a client can always read why.
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)


STIX_MEDIA_TYPE = "application/stix+json"


def stix_response(request, *, group=None, filename: str) -> StreamingHttpResponse:
    """A STIX 2.1 bundle, streamed object by object (see `groups.stix`)."""
    from groups.stix import stix_bundle_chunks

    base_url = request.build_absolute_uri("/").rstrip("/")
    chunks = (chunk.encode() for chunk in stix_bundle_chunks(base_url=base_url, group=group))
    response = StreamingHttpResponse(chunks, content_type=f"{STIX_MEDIA_TYPE};version=2.1")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class StixExportView(APIView):
    """The whole published data set as one STIX 2.1 bundle: groups as intrusion sets, attacks as incidents,
    sources as reports, relationships and attributions as relationships. Streamed."""

    @extend_schema(responses={(200, STIX_MEDIA_TYPE): OpenApiTypes.OBJECT})
    def get(self, request):
        return stix_response(request, filename="militant-groups-kb.stix.json")


def refuse_empty_parameters(request) -> None:
    """`?status=` is a mistake in a program's request (the site's forms drop empty fields themselves): say so."""
    empty = [name for name, values in request.query_params.lists() if any(value == "" for value in values)]
    if empty:
        raise ValidationError({name: ["Give a value, or leave the parameter out."] for name in empty})


class ApiRootView(APIView):
    """The endpoints of version 1."""

    ENDPOINTS = {
        "groups": "api:group-list",
        "aliases": "api:alias-list",
        "affiliations": "api:affiliation-list",
        "attacks": "api:attack-list",
        "sources": "api:source-list",
        "citations": "api:citation-list",
        "deletions": "api:deletions",
        "stix": "api:stix-export",
        "schema": "api:schema",
        "docs": "api:docs",
    }

    @extend_schema(exclude=True)
    def get(self, request):
        return Response({name: request.build_absolute_uri(reverse(route)) for name, route in self.ENDPOINTS.items()})


# Every model whose records the API publishes, by the name the deletions feed gives them.
TRACKED_MODELS = {
    "group": "groups.Group",
    "alias": "groups.Alias",
    "affiliation": "groups.Affiliation",
    "designation": "groups.Designation",
    "attack": "groups.Attack",
    "attribution": "groups.Attribution",
    "source": "sources.Source",
    "citation": "sources.Citation",
}


def tracked_models():
    return [apps.get_model(label) for label in TRACKED_MODELS.values()]


class DeletionsPagination(LimitOffsetPagination):
    default_limit = 500
    max_limit = 5000

    def get_limit(self, request):
        return positive_int_parameter(request, self.limit_query_param, default=self.default_limit, maximum=self.max_limit)

    def get_offset(self, request):
        return positive_int_parameter(request, self.offset_query_param, default=0, minimum=0)


class DeletionsView(APIView):
    """What left the public data set since a moment, by its own change: deleted, or set back to draft, while it was
    public, and not public again since. `removed_at` is the moment it left.

    Built from the history tables, so a client can mirror the data set with `updated_since` on each
    list plus this feed, without downloading everything again. "Public" is `public()`'s rule as it stood at each
    moment: a record never shown (published while its group, attack, source or fact was a draft) is never listed.
    When a record leaves, what is shown through it (a group's aliases, designations, relationships and
    attributions; an attack's attributions; the citations of a source or a fact) leaves with it, and is listed
    only when it also left by a change of its own at that moment (a deletion's cascade).
    """

    pagination_class = DeletionsPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATETIME, required=True, description="ISO 8601 moment with a time zone."),
            OpenApiParameter("limit", int, description=f"Rows per page, at most {DeletionsPagination.max_limit}."),
            OpenApiParameter("offset", int),
        ],
        responses=inline_serializer(
            "DeletionPage",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": inline_serializer(
                    "Deletion",
                    {
                        "type": serializers.ChoiceField(choices=list(TRACKED_MODELS)),
                        "id": serializers.IntegerField(),
                        "removed_at": serializers.DateTimeField(),
                    },
                    many=True,
                ),
            },
        ),
    )
    def get(self, request):
        from groups.revisions import PublicHistory

        refuse_empty_parameters(request)
        since = _parse_since(request.query_params.get("since", ""))
        history = PublicHistory()
        history.load({model: _rows_of_records_that_left(model, since) for model in tracked_models()})
        removed = [
            {"type": model._meta.model_name, "id": pk, "removed_at": removed_at}
            for model, records in list(history.rows.items())  # the records they are shown through too: they answer alike
            for pk, rows in records.items()
            if (removed_at := _removed_at(history.spans(model, pk), rows)) is not None and removed_at >= since
        ]
        removed.sort(key=lambda row: (row["removed_at"], row["type"], row["id"]))
        paginator = self.pagination_class()
        return paginator.get_paginated_response(paginator.paginate_queryset(removed, request, view=self))


def _rows_of_records_that_left(model, since):
    """Every history row of the records that were deleted or set back to draft since `since`, were published once and
    are not public now: the candidates, whose history then says whether and when they left the public set."""
    history = model.history
    candidates = (
        history.filter(Q(history_type="-") | Q(publication_status=PublicationStatus.DRAFT), history_date__gte=since)
        .filter(id__in=history.filter(publication_status=PublicationStatus.PUBLISHED).values("id"))
        .exclude(id__in=model.objects.public().values("pk"))
        .values("id")
    )
    return history.filter(id__in=candidates)


def _removed_at(spans, rows) -> datetime.datetime | None:
    """When the record left the public set by a change of its own (the end of its last public span, where its own row
    was deleted or set back to draft), or None: never public, public still, or gone with what it is shown through."""
    if not spans or spans[-1][1] is None:
        return None
    end = spans[-1][1]
    own = [row for row in rows if row.history_date == end]
    if own and (own[-1].history_type == "-" or own[-1].publication_status != PublicationStatus.PUBLISHED):
        return end
    return None


def _parse_since(value: str):
    try:
        moment = parse_datetime(value.strip()) if value else None
    except ValueError:  # well-formed but impossible, e.g. month 13
        moment = None
    if moment is None:
        raise ValidationError({"since": ["Required: an ISO 8601 moment such as 2026-11-01T00:00:00Z."]})
    if moment.tzinfo is None:
        raise ValidationError({"since": ["Give a time zone, e.g. 2026-11-01T00:00:00Z."]})
    try:
        return moment.astimezone(datetime.UTC)  # the database takes offsets up to ±15:59 only
    except OverflowError:
        raise ValidationError({"since": ["This moment lies outside the years 1 to 9999."]}) from None
