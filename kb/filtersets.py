"""What every FilterSet shares: incremental sync, slug-or-id references, and orderings that read well."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


class SlugOrIdChoiceField(forms.ModelChoiceField):
    """A record named by its slug (`islamic-state`) or, as the API's ids allow, by its id (`7`)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        queryset = self.queryset
        record = queryset.filter(slug=value).first()
        if record is None and value.isdigit():
            record = queryset.filter(pk=int(value)).first()
        if record is None:
            raise forms.ValidationError(f"No published record has the slug or id “{value}”.", code="invalid_choice")
        return record


@extend_schema_field(OpenApiTypes.STR)
class SlugOrIdFilter(django_filters.ModelChoiceFilter):
    """In the query string a slug (`islamic-state`) or an id (`7`)."""

    field_class = SlugOrIdChoiceField


class NamedOrderingFilter(django_filters.OrderingFilter):
    """`?ordering=name,-updated`: each public name maps to one or more model fields or expressions (so "name"
    can sort case-insensitively and always end on a unique key)."""

    def __init__(self, *, orderings: dict[str, tuple], default: str, **kwargs):
        self.orderings = orderings
        self.default = default
        choices = [(name, label) for name, (label, *_fields) in orderings.items()]
        choices += [(f"-{name}", f"{label} (descending)") for name, (label, *_fields) in orderings.items()]
        super().__init__(choices=choices, help_text=f"Sort order; default {default}.", **kwargs)

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        _label, *fields = self.orderings[param.lstrip("-")]
        ordering = []
        for field in fields:
            expression = F(field) if isinstance(field, str) else field
            ordering.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_first=True))
        return ordering

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.order_by(*(part for param in value for part in self.get_ordering_value(param)), "pk")


def updated_since_filter(field_name: str = "updated_at") -> django_filters.IsoDateTimeFilter:
    return django_filters.IsoDateTimeFilter(
        field_name=field_name,
        lookup_expr="gte",
        label="Updated since",
        help_text="Only records changed at or after this moment (ISO 8601). Removals are listed by /api/v1/deletions/.",
    )


class CuratedFilterSet(django_filters.FilterSet):
    """Every list can be asked for what changed since a moment: `?updated_since=2026-11-01T00:00:00Z`."""

    updated_since = updated_since_filter()
