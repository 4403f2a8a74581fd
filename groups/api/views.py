"""API endpoints for groups, aliases, affiliations, roles, size estimates, attacks and theatres: declarations over the shared
read-only viewset."""

from __future__ import annotations

from kb.api.pagination import SyncCursorPagination
from kb.api.views import ReadOnlyViewSet

from .. import exports, selectors, theatres
from ..filtersets import (
    AffiliationFilterSet,
    AliasFilterSet,
    AttackFilterSet,
    GroupFilterSet,
    GroupSectionFilterSet,
    RoleFilterSet,
    SizeEstimateFilterSet,
    TheatreFilterSet,
)
from . import serializers


class GroupViewSet(ReadOnlyViewSet):
    """Groups, addressed by slug. A group's detail embeds its aliases, relationships in both directions, designations and citations."""

    queryset = selectors.groups_for_list()
    detail_queryset = selectors.groups_for_detail()
    serializer_class = serializers.GroupSerializer
    list_serializer_class = serializers.GroupListSerializer
    filterset_class = GroupFilterSet
    lookup_field = "slug"
    csv_export = exports.GROUPS
    prebuilt_list = True

    def get_object(self):
        return selectors.load_group_facts(super().get_object())


class AliasViewSet(ReadOnlyViewSet):
    """Every name a group is known by, as the sources write it."""

    queryset = selectors.aliases_for_list()
    serializer_class = serializers.AliasSerializer
    filterset_class = AliasFilterSet
    csv_export = exports.ALIASES


class AffiliationViewSet(ReadOnlyViewSet):
    """Typed, dated relationships between two groups, read “<from_group> <label> <to_group>”."""

    queryset = selectors.affiliations_for_list()
    serializer_class = serializers.AffiliationSerializer
    filterset_class = AffiliationFilterSet
    csv_export = exports.AFFILIATIONS


class RoleViewSet(ReadOnlyViewSet):
    """People in public roles in groups (leader, founder, spokesman…), as the sources name them; nothing else about them."""

    queryset = selectors.roles_for_list()
    serializer_class = serializers.RoleSerializer
    filterset_class = RoleFilterSet
    csv_export = exports.ROLES


class SizeEstimateViewSet(ReadOnlyViewSet):
    """How large a group is said to be: a figure or range, as of a date, according to whom."""

    queryset = selectors.size_estimates_for_list()
    serializer_class = serializers.SizeEstimateSerializer
    filterset_class = SizeEstimateFilterSet
    csv_export = exports.SIZE_ESTIMATES


class GroupSectionViewSet(ReadOnlyViewSet):
    """Profile sections in prose (overview, leadership … state sponsors, in the order of Stanford's Mapping Militants
    profiles), each statement followed by the marker of the citation that supports it."""

    queryset = selectors.sections_for_list()
    serializer_class = serializers.GroupSectionSerializer
    filterset_class = GroupSectionFilterSet


class AttackViewSet(ReadOnlyViewSet):
    """Attacks, addressed by slug, with who carried them out according to whom; lists page by cursor."""

    queryset = selectors.public_attacks()
    detail_queryset = selectors.attacks_with_facts()
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
    csv_export = exports.ATTACKS
    prebuilt_list = True

    def get_queryset(self):
        """The list reads rows, not attacks (`selectors.public_attack_rows`): `serializers.AttackRowsSerializer`
        serialises them."""
        if self.action == "list":
            return selectors.public_attack_rows()
        return super().get_queryset()

    def paginate_queryset(self, queryset):
        return selectors.shown(super().paginate_queryset(queryset))


class TheatreViewSet(ReadOnlyViewSet):
    """Theatres, addressed by slug: a region and period whose groups the site's maps draw (`/maps/<slug>/`). A theatre's
    detail lists its public groups; the relationships among them are in `/affiliations/`."""

    queryset = theatres.theatres_for_list()
    serializer_class = serializers.TheatreSerializer
    list_serializer_class = serializers.TheatreListSerializer
    filterset_class = TheatreFilterSet
    csv_export = exports.THEATRES
    lookup_field = "slug"
