"""Serializer fields every app's API shares."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kb.dates import DatePrecision, format_partial_date


class PartialDateSerializer(serializers.Serializer):
    """A date known to some precision: `{"date": "2016-10-01", "precision": "month", "display": "Oct 2016"}`."""

    date = serializers.DateField(help_text="The first day of the period the sources give (1 January for a year).")
    precision = serializers.ChoiceField(choices=DatePrecision.choices)
    display = serializers.CharField(help_text="As a reader says it: “Oct 2016”, “early 2017”.")


@extend_schema_field(PartialDateSerializer(allow_null=True))
class PartialDateField(serializers.Field):
    """Reads `<name>` and `<name>_precision` from the record; null when the sources give no date."""

    def __init__(self, name: str, *, of: str = "", **kwargs):
        self.date_name = name
        self.of = of  # read the date from this attribute of the object instead
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(source="*", **kwargs)

    def to_representation(self, record):
        if self.of:
            record = getattr(record, self.of)
        value, precision = getattr(record, self.date_name), getattr(record, f"{self.date_name}_precision")
        if value is None or precision == DatePrecision.UNKNOWN:
            return None
        return {"date": value.isoformat(), "precision": precision, "display": format_partial_date(value, precision)}


@extend_schema_field({"type": "string", "format": "uri"})
class PageURLField(serializers.Field):
    """The record's page on the public site, as an absolute URL."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record):
        path = record.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
