"""Filters over sources, shared by the public site and the API."""

from __future__ import annotations

import django_filters

from groups.filtersets import YEAR_RANGE

from .models import Source


class SourceFilterSet(django_filters.FilterSet):
    outlet = django_filters.CharFilter(lookup_expr="icontains", label="Outlet")
    year = django_filters.NumberFilter(field_name="published", lookup_expr="year", label="Published in (year)", **YEAR_RANGE)

    class Meta:
        model = Source
        fields = ["outlet", "year"]
