"""STIX 2.1 over the API: one group's neighbourhood as a bundle (see `interop.stix`), and the way to the whole data set's,
which only a release holds: it is built once by `manage.py build_release`, never per request."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.views import APIView

from groups.models import Group
from kb.api.schema import ERROR
from kb.cache import building, cache_get, cache_key, tag_headers

from ..models import Release
from ..releases import BUNDLE_NAME
from ..stix import stix_bundle_chunks

STIX_MEDIA_TYPE = "application/stix+json"


def cached_stix_response(request, *, group: Group, filename: str) -> StreamingHttpResponse:
    """A group's bundle, kept in the public cache until a record it holds changes: built (and streamed) on the first
    request after a change, read from the cache by the next ones."""
    key = cache_key(request, "stix", _base_url(request))
    entry = cache_get(key)
    if entry is not None:
        response = _bundle_response(iter([entry.value]), filename)
        tag_headers(response, entry)
        return response

    def build_and_keep() -> Iterator[bytes]:
        pieces = []
        with building(record_page=True) as build:  # what the bundle loads, as it streams
            for chunk in stix_bundle_chunks(base_url=_base_url(request), group=group):
                piece = chunk.encode()
                pieces.append(piece)
                yield piece
            build.store(key, b"".join(pieces))  # only once the whole bundle was built

    return _bundle_response(build_and_keep(), filename)


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _bundle_response(chunks: Iterator[bytes], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=f"{STIX_MEDIA_TYPE};version=2.1")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class StixExportView(APIView):
    """The whole published data set as one STIX 2.1 bundle (groups as intrusion sets, attacks as incidents, sources as
    reports, relationships and attributions as relationships, and revoked versions of what left the public set): a
    redirect to the newest release's bundle, a file built once, with a SHA-256 in the release's manifest."""

    @extend_schema(
        responses={
            302: OpenApiResponse(
                description="Found: the Location header gives the newest release's STIX 2.1 bundle at its permanent address, "
                "/releases/<version>/militant-groups-kb.stix.json."
            ),
            404: OpenApiResponse(ERROR, description="No release has been built yet."),
        },
    )
    def get(self, request):
        release = Release.objects.order_by("-built_at").only("version").first()
        if release is None:
            raise NotFound("No release has been built yet: the whole data set's STIX bundle is written by manage.py build_release.")
        return HttpResponseRedirect(request.build_absolute_uri(reverse("releases:release_file", args=[release.version, BUNDLE_NAME])))


class GroupStixView(APIView):
    """A STIX 2.1 bundle of the group's neighbourhood: the group, its relationships and the groups they join it to,
    the attacks it is named in, and the sources cited for them."""

    @extend_schema(responses={(200, STIX_MEDIA_TYPE): OpenApiTypes.OBJECT}, operation_id="groups_stix_retrieve")
    def get(self, request, slug: str):
        group = get_object_or_404(Group.objects.public(), slug=slug)
        return cached_stix_response(request, group=group, filename=f"{group.slug}.stix.json")
