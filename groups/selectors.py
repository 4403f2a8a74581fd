"""Reads of groups for the public faces: published records only, with what they render prefetched."""

from django.db.models import Prefetch, QuerySet

from .models import Alias, Group


def published_groups_with_aliases() -> QuerySet[Group]:
    return Group.objects.published().prefetch_related(Prefetch("aliases", queryset=Alias.objects.published(), to_attr="published_aliases"))
