"""How sources and citations read in the API. Brief serializers are for embedding; sources never carry their full text."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kb.api.fields import PageURLField, PartialDateField, RecordURLField

from ..models import CITATION_TARGETS, Citation, Source


class SourceBriefSerializer(serializers.ModelSerializer):
    url = RecordURLField(view_name="api:source-detail", lookup_field="slug")
    title = serializers.CharField(source="display_title")
    published = PartialDateField("published")

    class Meta:
        model = Source
        fields = ["id", "url", "slug", "title", "outlet", "published"]


class SourceSerializer(SourceBriefSerializer):
    html_url = PageURLField()
    link = serializers.URLField(source="url", allow_blank=True, help_text="The article at its publisher; empty when not known.")

    class Meta:
        model = Source
        fields = [
            "id", "url", "html_url", "slug", "title", "outlet", "authors", "link", "archive_url", "published", "language",
            "reliability", "created_at", "updated_at",
        ]  # fmt: skip


class CitationBriefSerializer(serializers.ModelSerializer):
    """A quote under the fact it supports."""

    source = SourceBriefSerializer()
    supports = serializers.CharField(source="field", help_text="The field the quote supports; empty for the whole record.")

    class Meta:
        model = Citation
        fields = ["id", "quote", "locator", "supports", "credibility", "source"]


class CitedFactSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=CITATION_TARGETS)
    id = serializers.IntegerField()


class CitationSerializer(CitationBriefSerializer):
    url = RecordURLField(view_name="api:citation-detail")
    fact = serializers.SerializerMethodField(help_text="The record the quote supports.")

    class Meta:
        model = Citation
        fields = ["id", "url", "quote", "locator", "supports", "credibility", "fact", "source", "created_at", "updated_at"]

    @extend_schema_field(CitedFactSerializer)
    def get_fact(self, citation) -> dict:
        name = next(name for name in CITATION_TARGETS if getattr(citation, f"{name}_id"))
        return {"type": name, "id": getattr(citation, f"{name}_id")}
