"""How groups, aliases, affiliations, roles, size estimates, attacks and theatres read in the API.

Brief serializers name a related record for embedding; list serializers embed only brief
records; detail serializers embed what a reader of the record needs, each fact with its citations.
"""

from __future__ import annotations

import functools

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kb.api.csv import country_name
from kb.api.fields import (
    CountryCodeField,
    PageURLField,
    PartialDateField,
    RecordURLField,
    column_decimals,
    partial_date,
    record_urls,
    utc_datetimes,
)
from sources.api.serializers import CitationBriefSerializer
from sources.markers import without_markers

from ..models import (
    Affiliation,
    Alias,
    Attack,
    Attribution,
    Designation,
    Group,
    GroupRole,
    GroupSection,
    Person,
    SizeEstimate,
    Theatre,
    attack_place,
    attribution_phrase,
)
from ..selectors import public_markers, relationships_of
from ..theatres import theatre_groups


class GroupBriefSerializer(serializers.ModelSerializer):
    url = RecordURLField(view_name="api:group-detail", lookup_field="slug")

    class Meta:
        model = Group
        fields = ["id", "url", "slug", "name"]


class CitedSerializer(serializers.ModelSerializer):
    """A record with its public citations (prefetched into `public_citations`)."""

    citations = CitationBriefSerializer(source="public_citations", many=True, read_only=True)


class GroupListSerializer(GroupBriefSerializer):
    html_url = PageURLField()
    founded = PartialDateField("founded")
    dissolved = PartialDateField("dissolved")
    countries = serializers.SerializerMethodField(help_text="ISO 3166-1 alpha-2 codes.")
    aliases = serializers.SerializerMethodField(help_text="Every public alias, as written.")
    updated_at = serializers.DateTimeField(source="last_updated", help_text="The newest change to the group or anything its profile shows.")

    class Meta:
        model = Group
        fields = ["id", "url", "html_url", "slug", "name", "kind", "status", "founded", "dissolved", "countries", "aliases", "updated_at"]

    def get_countries(self, group) -> list[str]:
        return [country.code for country in group.countries]

    def get_aliases(self, group) -> list[str]:
        return [alias.name for alias in group.public_aliases]


class AliasInGroupSerializer(CitedSerializer):
    valid_from = PartialDateField("valid_from")
    valid_to = PartialDateField("valid_to")

    class Meta:
        model = Alias
        fields = ["id", "name", "kind", "language", "script", "valid_from", "valid_to", "citations"]


class RelationshipSerializer(serializers.Serializer):
    """An affiliation as it reads from the group whose detail embeds it."""

    id = serializers.IntegerField(source="affiliation.id")
    kind = serializers.CharField(source="affiliation.kind")
    label = serializers.CharField(help_text="As it reads from this group: “branch or province of”, “has as faction”.")
    direction = serializers.ChoiceField(choices=["outgoing", "incoming"], help_text="outgoing: this group is the affiliation's from_group.")
    other_group = GroupBriefSerializer(source="other")
    started = PartialDateField("started", of="affiliation")
    ended = PartialDateField("ended", of="affiliation")
    confidence = serializers.CharField(source="affiliation.confidence")
    description = serializers.CharField(source="affiliation.description")
    citations = CitationBriefSerializer(source="affiliation.public_citations", many=True)


class DesignationSerializer(CitedSerializer):
    designated = PartialDateField("designated")

    class Meta:
        model = Designation
        fields = ["id", "authority", "listing", "designated", "description", "citations"]


class GroupSerializer(GroupListSerializer, CitedSerializer):
    aliases = AliasInGroupSerializer(source="public_aliases", many=True)
    relationships = serializers.SerializerMethodField(help_text="In both directions.")
    designations = DesignationSerializer(source="public_designations", many=True)

    class Meta:
        model = Group
        fields = [
            "id", "url", "html_url", "slug", "name", "kind", "status", "founded", "dissolved", "summary", "ideology", "countries",
            "areas", "wikidata_id", "gtd_name", "mitre_attack_id", "ucdp_actor_id", "aliases", "relationships", "designations",
            "citations", "created_at", "updated_at",
        ]  # fmt: skip

    @extend_schema_field(RelationshipSerializer(many=True))
    def get_relationships(self, group) -> list[dict]:
        return RelationshipSerializer(relationships_of(group), many=True, context=self.context).data


class AliasSerializer(AliasInGroupSerializer):
    url = RecordURLField(view_name="api:alias-detail")
    group = GroupBriefSerializer()

    class Meta:
        model = Alias
        fields = ["id", "url", "group", "name", "kind", "language", "script", "valid_from", "valid_to", "citations", "updated_at"]


class AffiliationSerializer(CitedSerializer):
    url = RecordURLField(view_name="api:affiliation-detail")
    from_group = GroupBriefSerializer()
    to_group = GroupBriefSerializer()
    label = serializers.CharField(source="get_kind_display", help_text="Reads “<from_group> <label> <to_group>”.")
    symmetric = serializers.BooleanField(source="is_symmetric", help_text="The relationship reads the same from both sides.")
    started = PartialDateField("started")
    ended = PartialDateField("ended")

    class Meta:
        model = Affiliation
        fields = [
            "id", "url", "from_group", "kind", "label", "symmetric", "to_group", "started", "ended", "confidence", "description",
            "citations", "updated_at",
        ]  # fmt: skip


class PersonBriefSerializer(serializers.ModelSerializer):
    """A person is a name only: nothing else about anyone is recorded."""

    class Meta:
        model = Person
        fields = ["id", "slug", "name"]


class RoleSerializer(CitedSerializer):
    url = RecordURLField(view_name="api:role-detail")
    person = PersonBriefSerializer()
    group = GroupBriefSerializer()
    label = serializers.CharField(source="role_display", help_text="The role as it reads: “Spokesman”, “Leader (“emir”)”.")
    started = PartialDateField("started")
    ended = PartialDateField("ended")
    as_of = PartialDateField("as_of", help_text="When a source names the person in the role without dating it.")

    class Meta:
        model = GroupRole
        fields = ["id", "url", "person", "group", "kind", "title", "label", "started", "ended", "as_of", "citations", "updated_at"]


class SizeEstimateSerializer(CitedSerializer):
    url = RecordURLField(view_name="api:size-estimate-detail")
    group = GroupBriefSerializer()
    figure = serializers.CharField(source="figure_display", help_text="As it reads: “3,000–4,000 fighters”, “about 500”.")
    as_of = PartialDateField("as_of")

    class Meta:
        model = SizeEstimate
        fields = [
            "id", "url", "group", "low", "high", "qualifier", "counted", "figure", "as_of", "estimated_by", "description",
            "citations", "updated_at",
        ]  # fmt: skip


class SectionListSerializer(serializers.ListSerializer):
    """A page of sections, which markers readers may follow read for them all at once."""

    def to_representation(self, data):
        sections = list(data.all() if hasattr(data, "all") else data)
        markers = public_markers(sections)
        for section in sections:
            section.public_marker_ids = markers[section.pk]
        return super().to_representation(sections)


class GroupSectionSerializer(CitedSerializer):
    url = RecordURLField(view_name="api:section-detail")
    html_url = PageURLField()
    group = GroupBriefSerializer()
    heading = serializers.CharField(source="heading_display", help_text="The section's heading: its own, or its topic's.")
    text = serializers.SerializerMethodField(
        help_text="Plain paragraphs separated by a blank line. “[cite:123]” after a statement names the citation that supports "
        "it (/api/v1/citations/123/), one of this group's; only markers of public citations are kept."
    )

    class Meta:
        model = GroupSection
        fields = ["id", "url", "html_url", "group", "topic", "heading", "text", "citations", "updated_at"]
        list_serializer_class = SectionListSerializer

    def get_text(self, section) -> str:
        if not hasattr(section, "public_marker_ids"):  # one section on its own
            section.public_marker_ids = public_markers([section])[section.pk]
        return without_markers(section.text, keeping=section.public_marker_ids)


class AttributionBriefSerializer(serializers.ModelSerializer):
    group = GroupBriefSerializer()
    statement = serializers.CharField(source="phrase", help_text="Neutral wording: “Attributed by Pakistani authorities to”.")

    class Meta:
        model = Attribution
        fields = ["id", "kind", "attributed_by", "statement", "group"]


class AttributionSerializer(AttributionBriefSerializer, CitedSerializer):
    class Meta:
        model = Attribution
        fields = ["id", "kind", "attributed_by", "statement", "group", "description", "citations"]


class AttackRowsSerializer(serializers.ListSerializer):
    """A page of attacks read as rows (`selectors.attack_rows`, their attributions with them), each as `AttackListSerializer`
    gives an attack: the same fields, values and order (tests/api/test_attacks.py holds them to it), without a model
    instance per row, DRF's walk of 27 fields each, or an address reversed per record. Those were 15 of the 21 ms
    of an uncached page of 100 attacks at GTD scale. Model instances, given instead of rows, are serialised as usual."""

    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        if not rows or not isinstance(rows[0], dict):
            return super().to_representation(rows)
        request = self.context.get("request")
        attack_url, page_url = record_urls(request, "api:attack-detail", "slug"), record_urls(request, "groups:attack_detail", "key")
        group_url = functools.cache(record_urls(request, "api:group-detail", "slug"))  # a page names a few groups often
        latitude, longitude = (column_decimals(field) for field in _attack_coordinate_fields())
        updated = utc_datetimes(serializers.DateTimeField(default_timezone=timezone.get_current_timezone()))  # as `updated_at`

        def place(row) -> str:
            return attack_place(row["locality"], row["district"], row["province"], country_name(row["country"]))

        def day(value):
            return None if value is None else value.isoformat()

        def attribution(row) -> dict:
            group = {"id": row["group_id"], "url": group_url(row["group__slug"]), "slug": row["group__slug"], "name": row["group__name"]}
            statement = attribution_phrase(row["kind"], row["attributed_by"])
            return {"id": row["id"], "kind": row["kind"], "attributed_by": row["attributed_by"], "statement": statement, "group": group}

        return [
            {
                "id": row["id"],
                "url": attack_url(row["slug"]),
                "html_url": page_url(row["slug"]),
                "slug": row["slug"],
                "title": row["title"],
                "date": partial_date(row["date"], row["date_precision"]),
                "end_date": day(row["end_date"]),
                "date_earliest": day(row["date_earliest"]),
                "date_latest": day(row["date_latest"]),
                "locality": row["locality"],
                "district": row["district"],
                "province": row["province"],
                "country": row["country"],
                "place": place(row),
                "latitude": latitude(row["latitude"]),
                "longitude": longitude(row["longitude"]),
                "attack_type": row["attack_type"],
                "target_type": row["target_type"],
                "weapon_type": row["weapon_type"],
                "suicide": row["suicide"],
                "killed": row["killed"],
                "killed_qualifier": row["killed_qualifier"],
                "wounded": row["wounded"],
                "wounded_qualifier": row["wounded_qualifier"],
                "perpetrator_description": row["perpetrator_description"],
                "attributions": [attribution(each) for each in row["roles"]],
                "updated_at": updated(row["updated_at"]),
            }
            for row in rows
        ]


@functools.cache
def _attack_coordinate_fields() -> tuple[serializers.Field, ...]:
    """`AttackListSerializer`'s fields of latitude and longitude, for `AttackRowsSerializer` to format them as they do."""
    fields = AttackListSerializer().fields
    return fields["latitude"], fields["longitude"]


class AttackListSerializer(serializers.ModelSerializer):
    url = RecordURLField(view_name="api:attack-detail", lookup_field="slug")
    html_url = PageURLField()
    date = PartialDateField("date")
    country = CountryCodeField()
    place = serializers.CharField(read_only=True)
    attributions = AttributionBriefSerializer(source="public_attributions", many=True)

    class Meta:
        model = Attack
        fields = [
            "id", "url", "html_url", "slug", "title", "date", "end_date", "date_earliest", "date_latest", "locality", "district",
            "province", "country", "place", "latitude", "longitude", "attack_type", "target_type", "weapon_type", "suicide",
            "killed", "killed_qualifier", "wounded", "wounded_qualifier", "perpetrator_description", "attributions", "updated_at",
        ]  # fmt: skip
        list_serializer_class = AttackRowsSerializer


class AttackSerializer(AttackListSerializer, CitedSerializer):
    attributions = AttributionSerializer(source="public_attributions", many=True)

    class Meta(AttackListSerializer.Meta):
        fields = [*AttackListSerializer.Meta.fields[:-1], "description", "citations", "created_at", "updated_at"]
        list_serializer_class = serializers.ListSerializer


class TheatreListSerializer(serializers.ModelSerializer):
    url = RecordURLField(view_name="api:theatre-detail", lookup_field="slug")
    html_url = PageURLField()
    countries = serializers.SerializerMethodField(help_text="ISO 3166-1 alpha-2 codes: every group operating in one of them is on the map.")
    end_year = serializers.IntegerField(allow_null=True, help_text="Empty for a period still open.")

    class Meta:
        model = Theatre
        fields = ["id", "url", "html_url", "slug", "name", "description", "countries", "start_year", "end_year", "updated_at"]

    def get_countries(self, theatre) -> list[str]:
        return [country.code for country in theatre.countries]


class TheatreSerializer(TheatreListSerializer):
    groups = serializers.SerializerMethodField(
        help_text="The public groups on the map: those the editors list, and those of its countries active within its period."
    )

    class Meta(TheatreListSerializer.Meta):
        fields = [*TheatreListSerializer.Meta.fields, "groups"]

    @extend_schema_field(GroupBriefSerializer(many=True))
    def get_groups(self, theatre) -> list[dict]:
        return GroupBriefSerializer(theatre_groups(theatre), many=True, context=self.context).data
