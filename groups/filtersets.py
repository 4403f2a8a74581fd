"""Filters over groups and attacks, one FilterSet per model, shared by the public site and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django_countries import countries

from .models import Affiliation, AffiliationKind, Attack, AttackType, Attribution, Group, GroupKind, GroupStatus

YEAR_RANGE = {"min_value": 1800, "max_value": 2200}


def public_group_filter(**options) -> django_filters.ModelChoiceFilter:
    """A published group, named by its slug in the query string (?related_to=islamic-state)."""
    return django_filters.ModelChoiceFilter(queryset=Group.objects.public(), to_field_name="slug", empty_label="Any group", **options)


class GroupFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=GroupStatus.choices, empty_label="Any status")
    kind = django_filters.ChoiceFilter(choices=GroupKind.choices, empty_label="Any kind")
    country = django_filters.ChoiceFilter(
        choices=countries, method="filter_country", label="Country of operation", empty_label="Any country"
    )
    related_to = public_group_filter(method="filter_related_to", label="Related to")
    relationship = django_filters.ChoiceFilter(
        choices=AffiliationKind.choices,
        method="filter_related_to",
        label="Relationship",
        empty_label="Any relationship",
        help_text="With “related to”: only this kind of relationship, in either direction.",
    )
    active_in = django_filters.NumberFilter(
        method="filter_active_in",
        label="Active in (year)",
        help_text="Founded by then and not yet dissolved, or named in an attack that year.",
        **YEAR_RANGE,
    )
    sort = django_filters.ChoiceFilter(
        choices=[("name", "Name"), ("-updated", "Last updated")],
        method="sort_by",
        label="Sort by",
        empty_label="Name",
    )

    class Meta:
        model = Group
        fields = ["status", "kind", "country", "related_to", "relationship", "active_in", "sort"]

    def filter_country(self, queryset, name, value):
        # `countries` is stored as comma-separated two-letter codes: a code can only match as a whole.
        return queryset.filter(countries__contains=value)

    def filter_related_to(self, queryset, name, value):
        """`related_to` and `relationship` work as one filter, whichever of the two is given."""
        other, kind = self.form.cleaned_data.get("related_to"), self.form.cleaned_data.get("relationship")
        if name == "relationship" and other:
            return queryset  # applied with `related_to`
        affiliations = Affiliation.objects.public()
        if kind:
            affiliations = affiliations.filter(kind=kind)
        if other:
            return queryset.filter(
                Exists(affiliations.filter(from_group=OuterRef("pk"), to_group=other))
                | Exists(affiliations.filter(to_group=OuterRef("pk"), from_group=other))
            )
        return queryset.filter(Exists(affiliations.filter(Q(from_group=OuterRef("pk")) | Q(to_group=OuterRef("pk")))))

    def filter_active_in(self, queryset, name, value):
        year = int(value)
        within_lifetime = Q(founded__year__lte=year) & (Q(dissolved__isnull=True) | Q(dissolved__year__gte=year))
        attacked_that_year = Exists(Attribution.objects.public().filter(group=OuterRef("pk"), attack__date__year=year))
        return queryset.filter(within_lifetime | Q(attacked_that_year))

    def sort_by(self, queryset, name, value):
        if value == "-updated":
            return queryset.order_by("-last_updated", "id")
        return queryset


class AttackFilterSet(django_filters.FilterSet):
    group = public_group_filter(
        method="filter_group", label="Group", help_text="Attacks claimed by, attributed to or suspected of the group."
    )
    country = django_filters.ChoiceFilter(choices=countries, empty_label="Any country")
    year = django_filters.NumberFilter(field_name="date", lookup_expr="year", label="Year", **YEAR_RANGE)
    attack_type = django_filters.ChoiceFilter(choices=AttackType.choices, label="Attack type", empty_label="Any type")

    class Meta:
        model = Attack
        fields = ["group", "country", "year", "attack_type"]

    def filter_group(self, queryset, name, value):
        return queryset.filter(Exists(Attribution.objects.public().filter(attack=OuterRef("pk"), group=value)))
