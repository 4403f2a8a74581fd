"""STIX 2.1 over the API: the whole published data set, or one group's neighbourhood, as a bundle (see `interop.stix`)."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.cache import caches
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.generics import get_object_or_404
from rest_framework.views import APIView

from groups.models import Group
from kb.cache import CACHE_ALIAS, cache_key

from ..stix import stix_bundle_chunks

STIX_MEDIA_TYPE = "application/stix+json"


def stix_response(request, *, group=None, filename: str) -> StreamingHttpResponse:
    """A STIX 2.1 bundle, streamed object by object."""
    chunks = (chunk.encode() for chunk in stix_bundle_chunks(base_url=_base_url(request), group=group))
    return _bundle_response(chunks, filename)


def cached_stix_response(request, *, group: Group, filename: str) -> StreamingHttpResponse:
    """A group's bundle, kept in the public cache until the data changes: built (and streamed) on the first request
    after a change, read from the cache by the next ones."""
    key = cache_key(request, "stix", _base_url(request))
    cache = caches[CACHE_ALIAS]
    content = cache.get(key)
    if content is not None:
        return _bundle_response(iter([content]), filename)

    def build_and_keep() -> Iterator[bytes]:
        pieces = []
        for chunk in stix_bundle_chunks(base_url=_base_url(request), group=group):
            piece = chunk.encode()
            pieces.append(piece)
            yield piece
        cache.set(key, b"".join(pieces))  # only once the whole bundle was built

    return _bundle_response(build_and_keep(), filename)


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _bundle_response(chunks: Iterator[bytes], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=f"{STIX_MEDIA_TYPE};version=2.1")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class StixExportView(APIView):
    """The whole published data set as one STIX 2.1 bundle: groups as intrusion sets, attacks as incidents,
    sources as reports, relationships and attributions as relationships. Streamed."""

    @extend_schema(responses={(200, STIX_MEDIA_TYPE): OpenApiTypes.OBJECT})
    def get(self, request):
        return stix_response(request, filename="militant-groups-kb.stix.json")


class GroupStixView(APIView):
    """A STIX 2.1 bundle of the group's neighbourhood: the group, its relationships and the groups they join it to,
    the attacks it is named in, and the sources cited for them."""

    @extend_schema(responses={(200, STIX_MEDIA_TYPE): OpenApiTypes.OBJECT}, operation_id="groups_stix_retrieve")
    def get(self, request, slug: str):
        group = get_object_or_404(Group.objects.public(), slug=slug)
        return cached_stix_response(request, group=group, filename=f"{group.slug}.stix.json")
