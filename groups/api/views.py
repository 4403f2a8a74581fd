"""API endpoints for groups, aliases, affiliations and attacks: declarations over the shared read-only viewset."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.views import APIView

from kb.api.csv import Column
from kb.api.pagination import SyncCursorPagination
from kb.api.views import FORMAT_PARAMETER, ReadOnlyViewSet
from sources.selectors import prefetch_public_citations

from .. import selectors
from ..filtersets import AffiliationFilterSet, AliasFilterSet, AttackFilterSet, GroupFilterSet
from ..models import Affiliation, Alias, Attribution
from ..stix import stix_bundle_chunks
from . import serializers

STIX_MEDIA_TYPE = "application/stix+json"


def stix_response(request, *, group=None, filename: str) -> StreamingHttpResponse:
    """A STIX 2.1 bundle, streamed object by object (see `groups.stix`)."""
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


LIST_WITH_CSV = extend_schema_view(list=extend_schema(parameters=[FORMAT_PARAMETER]))


def _date(name: str) -> Column:
    label = name.replace("_", " ").capitalize()
    return Column(label, lambda record: getattr(record, name))


def _precision(name: str) -> Column:
    label = name.replace("_", " ").capitalize()
    return Column(f"{label} (precision)", lambda record: getattr(record, f"{name}_precision"))


@LIST_WITH_CSV
class GroupViewSet(ReadOnlyViewSet):
    """Groups, addressed by slug. A group's detail embeds its aliases, relationships in both directions, designations and citations."""

    queryset = selectors.groups_for_list()
    detail_queryset = selectors.groups_with_facts()
    serializer_class = serializers.GroupSerializer
    list_serializer_class = serializers.GroupListSerializer
    filterset_class = GroupFilterSet
    lookup_field = "slug"
    csv_filename = "groups.csv"

    @extend_schema(responses={(200, STIX_MEDIA_TYPE): OpenApiTypes.OBJECT}, parameters=[])
    @action(detail=True, url_path="stix", url_name="stix")
    def stix(self, request, slug=None):
        """A STIX 2.1 bundle of the group's neighbourhood: the group, its relationships and the groups they join it to,
        the attacks it is named in, and the sources cited for them."""
        return stix_response(request, group=self.get_object(), filename=f"{self.get_object().slug}.stix.json")

    csv_columns = [
        Column("Id", lambda g: g.pk),
        Column("Slug", lambda g: g.slug),
        Column("Name", lambda g: g.name),
        Column("Kind", lambda g: g.get_kind_display()),
        Column("Status", lambda g: g.get_status_display()),
        _date("founded"),
        _precision("founded"),
        _date("dissolved"),
        _precision("dissolved"),
        Column("Countries of operation", lambda g: "; ".join(country.name for country in g.countries)),
        Column("Aliases", lambda g: "; ".join(alias.name for alias in g.public_aliases)),
        Column("Summary", lambda g: g.summary),
        Column("Wikidata QID", lambda g: g.wikidata_id),
        Column("Last updated", lambda g: g.last_updated.isoformat()),
        Column("Page", lambda g: g.get_absolute_url()),
    ]


_ALIASES = Alias.objects.public().select_related("group").prefetch_related(prefetch_public_citations())


@LIST_WITH_CSV
class AliasViewSet(ReadOnlyViewSet):
    """Every name a group is known by, as the sources write it."""

    queryset = _ALIASES
    serializer_class = serializers.AliasSerializer
    filterset_class = AliasFilterSet
    csv_filename = "aliases.csv"
    csv_columns = [
        Column("Id", lambda a: a.pk),
        Column("Group", lambda a: a.group.name),
        Column("Group slug", lambda a: a.group.slug),
        Column("Alias", lambda a: a.name),
        Column("Kind", lambda a: a.get_kind_display()),
        Column("Language", lambda a: a.language),
        Column("Script", lambda a: a.script),
        _date("valid_from"),
        _precision("valid_from"),
        _date("valid_to"),
        _precision("valid_to"),
        Column("Last updated", lambda a: a.updated_at.isoformat()),
    ]


@LIST_WITH_CSV
class AffiliationViewSet(ReadOnlyViewSet):
    """Typed, dated relationships between two groups, read “<from_group> <label> <to_group>”."""

    queryset = Affiliation.objects.public().select_related("from_group", "to_group").prefetch_related(prefetch_public_citations())
    serializer_class = serializers.AffiliationSerializer
    filterset_class = AffiliationFilterSet
    csv_filename = "affiliations.csv"
    csv_columns = [
        Column("Id", lambda a: a.pk),
        Column("Group", lambda a: a.from_group.name),
        Column("Relationship", lambda a: a.get_kind_display()),
        Column("Related group", lambda a: a.to_group.name),
        Column("Relationship code", lambda a: a.kind),
        _date("started"),
        _precision("started"),
        _date("ended"),
        _precision("ended"),
        Column("Confidence", lambda a: a.get_confidence_display()),
        Column("Description", lambda a: a.description),
        Column("Group slug", lambda a: a.from_group.slug),
        Column("Related group slug", lambda a: a.to_group.slug),
        Column("Last updated", lambda a: a.updated_at.isoformat()),
    ]


@LIST_WITH_CSV
class AttackViewSet(ReadOnlyViewSet):
    """Attacks, addressed by slug, with who carried them out according to whom; lists page by cursor."""

    queryset = selectors.attacks_for_list()
    detail_queryset = selectors.public_attacks().prefetch_related(
        prefetch_public_citations(),
        Prefetch(
            "attributions",
            queryset=Attribution.objects.public().select_related("group").prefetch_related(prefetch_public_citations()),
            to_attr="public_attributions",
        ),
    )
    serializer_class = serializers.AttackSerializer
    list_serializer_class = serializers.AttackListSerializer
    filterset_class = AttackFilterSet
    pagination_class = SyncCursorPagination
    cursor_orderings = {
        "-date": ("-date_sort", "-id"),
        "date": ("date_sort", "id"),
        "-updated": ("-updated_at", "-id"),
        "updated": ("updated_at", "id"),
        "-id": ("-id",),
        "id": ("id",),
    }
    default_cursor_ordering = "-date"
    lookup_field = "slug"
    csv_filename = "attacks.csv"
    csv_columns = [
        Column("Id", lambda a: a.pk),
        Column("Slug", lambda a: a.slug),
        Column("Title", lambda a: a.title),
        _date("date"),
        _precision("date"),
        Column("End date", lambda a: a.end_date),
        Column("City or locality", lambda a: a.locality),
        Column("District", lambda a: a.district),
        Column("Province or state", lambda a: a.province),
        Column("Country", lambda a: a.country.name if a.country else ""),
        Column("Latitude", lambda a: a.latitude),
        Column("Longitude", lambda a: a.longitude),
        Column("Attack type", lambda a: a.get_attack_type_display()),
        Column("Target type", lambda a: a.get_target_type_display()),
        Column("Weapon type", lambda a: a.get_weapon_type_display()),
        Column("Suicide attack", lambda a: {True: "yes", False: "no", None: "unknown"}[a.suicide]),
        Column("Killed", lambda a: a.killed),
        Column("Killed (as worded)", lambda a: a.get_killed_qualifier_display()),
        Column("Wounded", lambda a: a.wounded),
        Column("Wounded (as worded)", lambda a: a.get_wounded_qualifier_display()),
        Column("Claimed by or attributed to", lambda a: "; ".join(f"{x.phrase} {x.group.name}" for x in a.public_attributions)),
        Column("Last updated", lambda a: a.updated_at.isoformat()),
        Column("Page", lambda a: a.get_absolute_url()),
    ]
