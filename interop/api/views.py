"""STIX 2.1 over the API: one group's neighbourhood as a bundle (see `interop.stix`), and the way to the whole data set's,
which only a release holds: it is built once by `manage.py build_release`, never per request."""

from __future__ import annotations

from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.views import APIView

from groups.models import Group
from kb.api.schema import ERROR

from ..models import Release
from ..releases import BUNDLE_NAME
from ..stix import stix_bundle_chunks

STIX_MEDIA_TYPE = "application/stix+json"


def stix_response(request, *, group=None, filename: str) -> StreamingHttpResponse:
    """A STIX 2.1 bundle, streamed object by object."""
    base_url = request.build_absolute_uri("/").rstrip("/")
    chunks = (chunk.encode() for chunk in stix_bundle_chunks(base_url=base_url, group=group))
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
        return stix_response(request, group=group, filename=f"{group.slug}.stix.json")
