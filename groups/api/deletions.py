"""The deletions feed: what left the public data set since a moment, read from the history tables."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import APIView

from kb.api.pagination import positive_int_parameter
from kb.api.views import refuse_empty_parameters
from kb.models import CuratedModel, PublicationStatus, curated_models

from ..revisions import PublicHistory


def tracked_models() -> list[type[CuratedModel]]:
    """Every curated model: the API publishes them all, on their own endpoints or inside their parents'. The feed
    names them app by app from the top layer down (groups before sources), each app's as declared."""
    layers = [config.label for config in apps.get_app_configs()]
    return sorted(curated_models(), key=lambda model: -layers.index(model._meta.app_label))


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
                        "type": serializers.ChoiceField(choices=[model._meta.model_name for model in tracked_models()]),
                        "id": serializers.IntegerField(),
                        "removed_at": serializers.DateTimeField(),
                    },
                    many=True,
                ),
            },
        ),
    )
    def get(self, request):
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
