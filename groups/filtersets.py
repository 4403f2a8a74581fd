"""Filters over groups, aliases, affiliations, roles, size estimates, attacks and theatres: one FilterSet per model, shared by the
public site and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django_countries import countries

from kb.filtersets import (
    CuratedFilterSet,
    FixedChoices,
    ManyOptionsSelect,
    NamedOrderingFilter,
    SearchTextFilter,
    SlugOrIdFilter,
    YearFilter,
    public_record_filter,
    updated_since_filter,
)
from kb.lookups import any_of
from kb.search import matching, query_words

from .models import (
    Affiliation,
    AffiliationKind,
    Alias,
    AliasKind,
    Attack,
    AttackType,
    Attribution,
    AttributionKind,
    Group,
    GroupKind,
    GroupRole,
    GroupSection,
    GroupStatus,
    RoleKind,
    SectionTopic,
    SizeEstimate,
    Theatre,
)
from .normalization import normalize_name

COUNTRY_CHOICES = FixedChoices((country.code, country.name) for country in countries)


def country_filter(**options) -> django_filters.ChoiceFilter:
    """One country of all, by its code (`?country=PK`)."""
    return django_filters.ChoiceFilter(choices=COUNTRY_CHOICES, empty_label="Any country", widget=ManyOptionsSelect, **options)


def public_group_filter(**options) -> SlugOrIdFilter:
    """A published group, by slug, id or a name only it goes by: `?related_to=islamic-state`, `=7` or `=Daesh`."""
    return public_record_filter(Group, to_field_name="slug", **options)


class GroupFilterSet(CuratedFilterSet):
    updated_since = updated_since_filter("last_updated")  # a group changes when anything its record shows does
    q = SearchTextFilter(method="filter_q", label="Name contains", help_text="Any name or alias, spelling variants folded.")
    alias = SearchTextFilter(
        method="filter_alias",
        label="Known as",
        help_text="Exactly this name or alias, spelling folded: alias=daesh finds the Islamic State.",
    )
    status = django_filters.ChoiceFilter(choices=GroupStatus.choices, empty_label="Any status")
    kind = django_filters.ChoiceFilter(choices=GroupKind.choices, empty_label="Any kind")
    country = country_filter(method="filter_country", label="Country of operation")
    related_to = public_group_filter(method="filter_related_to", label="Related to")
    relationship = django_filters.ChoiceFilter(
        choices=AffiliationKind.choices,
        method="filter_related_to",
        label="Relationship",
        empty_label="Any relationship",
        help_text="With “related to”: only this kind of relationship, in either direction.",
    )
    active_in = YearFilter(
        method="filter_active_in",
        label="Active in (year)",
        help_text="Founded by then and not yet dissolved, or named in an attack that year.",
    )
    ordering = NamedOrderingFilter(
        orderings={"name": ("Name", Lower("name")), "updated": ("Last updated", "last_updated"), "founded": ("Founded", "founded")},
        default="name",
        label="Sort by",
        empty_label="Name",
    )

    class Meta:
        model = Group
        fields = ["q", "alias", "status", "kind", "country", "related_to", "relationship", "active_in", "updated_since", "ordering"]

    def filter_q(self, queryset, name, value):
        key = normalize_name(value)
        if not key:
            return queryset.none()
        alias_contains = Alias.objects.public().filter(group=OuterRef("pk"), normalized_name__contains=key)
        return queryset.filter(Q(normalized_name__contains=key) | Q(Exists(alias_contains)))

    def filter_alias(self, queryset, name, value):
        key = normalize_name(value)
        return queryset.filter(Group.known_as(key)) if key else queryset.none()

    def filter_country(self, queryset, name, value: str):
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


class AliasFilterSet(CuratedFilterSet):
    group = public_group_filter(field_name="group", label="Group")
    name = SearchTextFilter(method="filter_name", label="Name", help_text="This name, spelling folded (daesh = Daish).")
    kind = django_filters.ChoiceFilter(choices=AliasKind.choices, empty_label="Any kind")
    language = django_filters.CharFilter(label="Language", help_text="BCP 47 tag, e.g. ar.")
    ordering = NamedOrderingFilter(
        orderings={"name": ("Name", Lower("name")), "updated": ("Last updated", "updated_at")}, default="name", label="Sort by"
    )

    class Meta:
        model = Alias
        fields = ["group", "name", "kind", "language", "updated_since", "ordering"]

    def filter_name(self, queryset, name, value):
        key = normalize_name(value)
        return queryset.filter(normalized_name=key) if key else queryset.none()


class AffiliationFilterSet(CuratedFilterSet):
    group = public_group_filter(method="filter_group", label="Group", help_text="Relationships of this group, in either direction.")
    from_group = public_group_filter(field_name="from_group", label="From group")
    to_group = public_group_filter(field_name="to_group", label="To group")
    kind = django_filters.ChoiceFilter(choices=AffiliationKind.choices, label="Relationship", empty_label="Any relationship")
    active_in = YearFilter(method="filter_active_in", label="In effect in (year)")
    ordering = NamedOrderingFilter(
        orderings={"started": ("Start", "started"), "updated": ("Last updated", "updated_at")}, default="id", label="Sort by"
    )

    class Meta:
        model = Affiliation
        fields = ["group", "from_group", "to_group", "kind", "active_in", "updated_since", "ordering"]

    def filter_group(self, queryset, name, value):
        return queryset.filter(Q(from_group=value) | Q(to_group=value))

    def filter_active_in(self, queryset, name, value):
        year = int(value)
        return queryset.filter(Q(started__year__lte=year) & (Q(ended__isnull=True) | Q(ended__year__gte=year)))


class RoleFilterSet(CuratedFilterSet):
    group = public_group_filter(field_name="group", label="Group")
    person = SearchTextFilter(
        method="filter_person", label="Person", help_text="The person's name, spelling folded: “abu bakr al baghdadi”."
    )
    kind = django_filters.ChoiceFilter(choices=RoleKind.choices, label="Role", empty_label="Any role")
    ordering = NamedOrderingFilter(
        orderings={"person": ("Person", Lower("person__name")), "started": ("Start", "started"), "updated": ("Last updated", "updated_at")},
        default="id",
        label="Sort by",
    )

    class Meta:
        model = GroupRole
        fields = ["group", "person", "kind", "updated_since", "ordering"]

    def filter_person(self, queryset, name, value):
        key = normalize_name(value)
        return queryset.filter(person__normalized_name__contains=key) if key else queryset.none()


class SizeEstimateFilterSet(CuratedFilterSet):
    group = public_group_filter(field_name="group", label="Group")
    ordering = NamedOrderingFilter(
        orderings={"as_of": ("As of", "as_of"), "updated": ("Last updated", "updated_at")}, default="id", label="Sort by"
    )

    class Meta:
        model = SizeEstimate
        fields = ["group", "updated_since", "ordering"]


class GroupSectionFilterSet(CuratedFilterSet):
    q = SearchTextFilter(
        method="filter_q",
        label="Words",
        help_text="Every word, or the beginning of it, in the heading or text (citation markers aside); accents ignored.",
    )
    group = public_group_filter(field_name="group", label="Group")
    topic = django_filters.ChoiceFilter(choices=SectionTopic.choices, label="Topic", empty_label="Any topic")
    ordering = NamedOrderingFilter(orderings={"updated": ("Last updated", "updated_at")}, default="id", label="Sort by")

    class Meta:
        model = GroupSection
        fields = ["q", "group", "topic", "updated_since", "ordering"]

    def filter_q(self, queryset, name, value):
        return matching(queryset, query_words(value))


class AttackFilterSet(CuratedFilterSet):
    q = SearchTextFilter(
        method="filter_q",
        label="Words",
        help_text="Every word, or the beginning of it, in the title, place or description; accents ignored.",
    )
    group = public_group_filter(method="filter_attribution", label="Group", help_text="Attacks the group is named in.")
    attribution_kind = django_filters.ChoiceFilter(
        choices=AttributionKind.choices,
        method="filter_attribution",
        label="Attribution",
        empty_label="Any attribution",
        help_text="With “group”: how that group is named (claimed, attributed…).",
    )
    country = country_filter()
    year = YearFilter(field_name="date", lookup_expr="year", label="Year")
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="From date", help_text="YYYY-MM-DD")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="To date", help_text="YYYY-MM-DD")
    attack_type = django_filters.ChoiceFilter(choices=AttackType.choices, label="Attack type", empty_label="Any type")
    ordering = NamedOrderingFilter(
        orderings={"date": ("Date", "date_sort", "id"), "updated": ("Last updated", "updated_at"), "id": ("Id", "id")},
        default="-date",
        label="Sort by",
        empty_label="Newest first",
    )

    class Meta:
        model = Attack
        fields = [
            "q", "group", "attribution_kind", "country", "year", "date_after", "date_before", "attack_type", "updated_since", "ordering",
        ]  # fmt: skip

    def filter_q(self, queryset, name, value):
        return matching(queryset, query_words(value))

    def filter_attribution(self, queryset, name, value):
        """`group` and `attribution_kind` apply to the same attribution: `group=islamic-state&attribution_kind=claimed`."""
        group, kind = self.form.cleaned_data.get("group"), self.form.cleaned_data.get("attribution_kind")
        if name == "attribution_kind" and group:
            return queryset  # applied with `group`
        if group:  # a public group, and the list's attacks are public: the attributions need only be published
            named = Attribution.objects.published().filter(group=group, **({"kind": kind} if kind else {}))
            return queryset.filter(any_of("pk", named.values("attack_id")))
        return queryset.filter(Exists(Attribution.objects.public().filter(attack=OuterRef("pk"), kind=kind)))


class TheatreFilterSet(CuratedFilterSet):
    country = country_filter(method="filter_country", label="Country covered")

    class Meta:
        model = Theatre
        fields = ["country", "updated_since"]

    def filter_country(self, queryset, name, value: str):
        # `countries` is stored as comma-separated two-letter codes: a code can only match as a whole.
        return queryset.filter(countries__contains=value)
