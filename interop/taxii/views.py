"""TAXII 2.1 endpoints (the spec's sections 4 and 5), read-only: GETs answer from the versions table, writes are
refused, and every error is a TAXII error message."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import StixObjectVersion
from ..opencti import opencti_body
from .filters import COLLECTION_FILTERS, OBJECT_FILTERS, VERSIONS_FILTERS, ObjectFilter
from .media import STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE, RawJSON, TaxiiContentNegotiation, TaxiiRenderer, error_message
from .pagination import Page, page_of, stix_timestamp, taxii_timestamp

log = logging.getLogger(__name__)

TITLE = "Militant groups knowledge base"
# Only GETs: a request body is refused before it is read.
MAX_CONTENT_LENGTH = 0


@dataclass(frozen=True)
class Collection:
    id: str  # never change: clients keep it
    alias: str
    title: str
    description: str
    # A stored version's JSON (given its STIX type) as this collection serves it; as stored unless a reader needs otherwise.
    render: Callable[[str, str], str] | None = None

    def resource(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "alias": self.alias,
            "can_read": True,
            "can_write": False,
            "media_types": [STIX_MEDIA_TYPE],
        }

    def object_versions(self):
        return StixObjectVersion.objects.all()


KNOWLEDGE_BASE = Collection(
    id="742275b7-c1c0-4346-ae62-99881bd4cf3d",
    alias="militant-groups-kb",
    title="Militant groups knowledge base: everything published",
    description=(
        "Every published group (intrusion-set), attack (incident), source (report), the relationships between them "
        "and the theatres our maps draw (grouping), as STIX 2.1, with each version added by a release; what left the "
        "public set is served revoked."
    ),
)
# The same objects and versions, for OpenCTI: its schema allows no relationship between two intrusion sets but
# related-to, so the typed affiliations are served as related-to with their kind kept (interop.opencti).
KNOWLEDGE_BASE_FOR_OPENCTI = Collection(
    id="80a104b7-b414-4724-9255-b72b6c70131d",
    alias="militant-groups-kb-opencti",
    title="Militant groups knowledge base for OpenCTI",  # no comma or dot: the OpenCTI connector splits on them
    description=(
        "The same objects and versions as the knowledge base's collection, with each affiliation between two groups "
        "(branch-of, rival-of, …) served as related-to, the only relationship OpenCTI keeps between intrusion sets; "
        "its kind stays in x_kb_relationship and opens the description; theatres are groupings, which OpenCTI keeps as "
        "containers. Subscribe to one of the two collections."
    ),
    render=opencti_body,
)
COLLECTIONS = {collection.id: collection for collection in (KNOWLEDGE_BASE, KNOWLEDGE_BASE_FOR_OPENCTI)}


def taxii_exception_handler(exc, context):
    """Errors as TAXII error messages (3.6.1) in the TAXII media type, whatever went wrong."""
    if isinstance(exc, Http404):
        exc = NotFound()
    if not isinstance(exc, APIException):
        log.exception("TAXII request failed", exc_info=exc)
        return Response(error_message(500, "The server could not answer; the error has been logged."), status=500)
    headers = {"Retry-After": str(int(exc.wait))} if getattr(exc, "wait", None) else None
    return Response(error_message(exc.status_code, _description(exc.detail)), status=exc.status_code, headers=headers)


def _description(detail) -> str:
    if isinstance(detail, dict):
        return " ".join(f"{name}: {_description(value)}" for name, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_description(value) for value in detail)
    return str(detail)


class TaxiiView(APIView):
    schema = None  # TAXII 2.1 is its own protocol, described by its spec: not part of the API's OpenAPI schema
    renderer_classes = [TaxiiRenderer]
    parser_classes = []
    content_negotiation_class = TaxiiContentNegotiation

    @property
    def default_response_headers(self):
        return {**super().default_response_headers, "Vary": "Accept"}  # whether the answer is a 406 depends on it

    def get_exception_handler(self):
        return taxii_exception_handler

    @staticmethod
    def collection(collection_id: str) -> Collection:
        try:
            return COLLECTIONS[collection_id]
        except KeyError:
            raise NotFound(f"No collection {collection_id!r}: GET the collections endpoint for their ids.") from None


class DiscoveryView(TaxiiView):
    """Server discovery (4.1): the API roots."""

    def get(self, request):
        api_root = reverse("taxii:api-root")
        return Response(
            {
                "title": TITLE,
                "description": "STIX 2.1 of the published knowledge base of militant groups, their attacks and sources, "
                "over TAXII 2.1: read-only, no account needed.",
                "default": api_root,
                "api_roots": [api_root],
            }
        )


class ApiRootView(TaxiiView):
    """An API root's information (4.2)."""

    def get(self, request):
        return Response({"title": TITLE, "versions": [TAXII_MEDIA_TYPE], "max_content_length": MAX_CONTENT_LENGTH})


class CollectionsView(TaxiiView):
    """The collections of the API root (5.1)."""

    def get(self, request):
        return Response({"collections": [collection.resource() for collection in COLLECTIONS.values()]})


class CollectionView(TaxiiView):
    """One collection (5.2)."""

    def get(self, request, collection_id: str):
        return Response(self.collection(collection_id).resource())


class ManifestView(TaxiiView):
    """Which versions of which objects the collection holds, and when each was added (5.3)."""

    def get(self, request, collection_id: str):
        collection = self.collection(collection_id)
        versions = ObjectFilter.from_query(request.query_params, COLLECTION_FILTERS).apply(collection.object_versions())
        page = page_of(versions.values_list("id", "stix_id", "modified", "date_added", named=True), request)
        records = [
            {
                "id": row.stix_id,
                "date_added": taxii_timestamp(row.date_added),
                "version": stix_timestamp(row.modified),
                "media_type": STIX_MEDIA_TYPE,
            }
            for row in page.rows
        ]
        return Response(_resource(page, "objects", records), headers=page.headers())


class ObjectsView(TaxiiView):
    """The objects (5.4); adding objects (5.5) is refused: the collection is read-only."""

    def get(self, request, collection_id: str):
        collection = self.collection(collection_id)
        versions = ObjectFilter.from_query(request.query_params, COLLECTION_FILTERS).apply(collection.object_versions())
        return _envelope_response(page_of(versions.values_list("id", "date_added", "stix_type", "body", named=True), request), collection)

    def post(self, request, collection_id: str):
        self.collection(collection_id)
        raise PermissionDenied("This collection is read-only (can_write is false): objects are added by the knowledge base's releases.")


class ObjectView(TaxiiView):
    """One object's versions, by default its newest (5.6); deleting it (5.7) is refused."""

    def get(self, request, collection_id: str, object_id: str):
        collection = self.collection(collection_id)
        versions = collection.object_versions().filter(stix_id=object_id)
        chosen = ObjectFilter.from_query(request.query_params, OBJECT_FILTERS).apply(versions)
        page = page_of(chosen.values_list("id", "date_added", "stix_type", "body", named=True), request)
        if not page.rows:
            _object_or_404(versions, object_id)
        return _envelope_response(page, collection)

    def delete(self, request, collection_id: str, object_id: str):
        self.collection(collection_id)
        raise PermissionDenied("This collection is read-only (can_write is false): nothing in it can be deleted.")


class VersionsView(TaxiiView):
    """The versions of one object, oldest first (5.8)."""

    def get(self, request, collection_id: str, object_id: str):
        versions = self.collection(collection_id).object_versions().filter(stix_id=object_id)
        chosen = ObjectFilter.from_query(request.query_params, VERSIONS_FILTERS).apply(versions)
        page = page_of(chosen.values_list("id", "modified", "date_added", named=True), request)
        if not page.rows:
            _object_or_404(versions, object_id)
        return Response(_resource(page, "versions", [stix_timestamp(row.modified) for row in page.rows]), headers=page.headers())


class UnknownAddressView(TaxiiView):
    """Any other address under /taxii2/: a TAXII 404, not the site's page."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound("No TAXII endpoint at this address (TAXII addresses end with a slash). Discovery: /taxii2/.")


def _object_or_404(versions, object_id: str) -> None:
    if not versions.exists():
        raise NotFound(f"The collection holds no object {object_id!r}.")


def _resource(page: Page, name: str, items: list) -> dict:
    """A paged TAXII resource: `more`, `next` when there is more, and the items (left out when there are none)."""
    resource = {"more": page.more}
    if page.more:
        resource["next"] = page.next
    if items:
        resource[name] = items
    return resource


def _envelope_response(page: Page, collection: Collection) -> Response:
    """An envelope (3.7) of the versions' bodies, written around them: as stored, without parsing them, unless the
    collection renders them for a reader."""
    head = json.dumps(_resource(page, "objects", []), separators=(",", ":"))[:-1]
    bodies = (collection.render(row.stix_type, row.body) if collection.render else row.body for row in page.rows)
    objects = f',"objects":[{",".join(bodies)}]' if page.rows else ""
    return Response(RawJSON(f"{head}{objects}}}"), headers=page.headers())
