"""Filters over sources and citations, shared by the public site and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from kb.filtersets import CuratedFilterSet, NamedOrderingFilter, SearchTextFilter, SlugOrIdFilter, YearFilter, public_record_filter
from kb.lookups import any_of
from kb.search import matching, query_words

from .models import CITATION_TARGETS, Citation, Source


class SourceFilterSet(CuratedFilterSet):
    q = SearchTextFilter(
        method="filter_q", label="Words", help_text="Every word, or the beginning of it, in the title or outlet; accents ignored."
    )
    outlet = django_filters.CharFilter(lookup_expr="icontains", label="Outlet")
    year = YearFilter(field_name="published", lookup_expr="year", label="Published in (year)")
    published_after = django_filters.DateFilter(field_name="published", lookup_expr="gte", label="Published from", help_text="YYYY-MM-DD")
    published_before = django_filters.DateFilter(field_name="published", lookup_expr="lte", label="Published until", help_text="YYYY-MM-DD")
    ordering = NamedOrderingFilter(
        orderings={"published": ("Publication date", "published"), "updated": ("Last updated", "updated_at")},
        default="-published",
        label="Sort by",
        empty_label="Newest first",
    )

    class Meta:
        model = Source
        fields = ["q", "outlet", "year", "published_after", "published_before", "updated_since", "ordering"]

    def filter_q(self, queryset, name, value):
        return matching(queryset, query_words(value))


class CitationFilterSet(CuratedFilterSet):
    source = SlugOrIdFilter(queryset=Source.objects.published(), field_name="source", to_field_name="slug", label="Source")
    # The facts a citation supports belong to the apps above this one: named by label, not imported.
    group = public_record_filter(
        "groups.Group",
        to_field_name="slug",
        method="filter_group",
        label="Group",
        help_text="Citations of the group itself or of anything about it.",
    )
    attack = public_record_filter(
        "groups.Attack", method="filter_attack", label="Attack", help_text="Citations of the attack or its attributions."
    )
    supports = django_filters.ChoiceFilter(
        choices=[(name, name) for name in CITATION_TARGETS], method="filter_supports", label="Kind of fact", empty_label="Any fact"
    )
    field = django_filters.CharFilter(label="Field", help_text="The field the quote supports, e.g. founded.")
    q = SearchTextFilter(method="filter_q", label="Words", help_text="Every word, or the beginning of it, in the quote; accents ignored.")
    ordering = NamedOrderingFilter(orderings={"id": ("Id", "id"), "updated": ("Last updated", "updated_at")}, default="id", label="Sort by")

    class Meta:
        model = Citation
        fields = ["source", "group", "attack", "supports", "field", "q", "updated_since", "ordering"]

    def filter_group(self, queryset, name, value):
        return queryset.filter(any_of("pk", Citation.ids_of_group(value)))

    def filter_attack(self, queryset, name, value):
        return queryset.filter(any_of("pk", Citation.ids_where(Q(attack=value), Q(attribution__attack=value))))

    def filter_supports(self, queryset, name, value):
        return queryset.filter(**{f"{value}__isnull": False})

    def filter_q(self, queryset, name, value):
        return matching(queryset, query_words(value))
