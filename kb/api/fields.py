"""Serializer fields every app's API shares."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from kb.dates import DatePrecision, format_partial_date
from kb.links import STAND_IN, quoted_key, record_path


def absolute(request, path: str) -> str:
    """`request.build_absolute_uri(path)` for a path from the site's root, the origin worked out once a request."""
    if request is None:
        return path
    origin = getattr(request, "_kb_origin", None)
    if origin is None:
        origin = request._kb_origin = request.build_absolute_uri("/").removesuffix("/")
    return origin + path


def record_urls(request, view_name: str, kwarg: str) -> Callable[[object], str | None]:
    """`RecordURLField`'s address for many records of one view: `record_urls(request, "api:group-detail", "slug")(slug)`,
    the view reversed and the origin worked out once."""
    before, after = absolute(request, record_path(view_name, **{kwarg: STAND_IN})).split(STAND_IN)
    return lambda key: None if key in (None, "") else f"{before}{quoted_key(key)}{after}"


def column_decimals(field: serializers.DecimalField) -> Callable[[Decimal | None], str | None]:
    """`field.to_representation` for many values read from the column it serializes, None kept as None. A value
    already at the field's decimal places (each one of such a column) is written as it is, which is what DRF's
    quantize gives, without a copy of the decimal context and a power of ten for each; any other goes through DRF."""
    places, digits = field.decimal_places, field.max_digits
    as_string = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    as_drf_writes = _as_drf_writes(field)
    if places is None or field.localize or not as_string:
        return as_drf_writes

    def represent(value):
        if isinstance(value, Decimal) and value.is_finite():
            # As written, its places are those after the point; its figures at most as many as written, sign aside.
            text = f"{value:f}"
            point = text.find(".")
            if point > 0 and len(text) - point - 1 == places and (digits is None or len(text) - 1 - (text[0] == "-") <= digits):
                return text
        return as_drf_writes(value)

    return represent


def utc_datetimes(field: serializers.DateTimeField) -> Callable[[datetime.datetime | None], str | None]:
    """`field.to_representation` for many datetimes read from the database, None kept as None. When the field writes
    ISO 8601 in UTC, a value the database gave in UTC is written by `isoformat` alone ("+00:00" as "Z", as DRF
    does), without DRF's conversion to the field's zone for each; any other goes through DRF."""
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    output = getattr(field, "format", api_settings.DATETIME_FORMAT)
    in_utc = zone is datetime.UTC or getattr(zone, "key", None) in ("UTC", "Etc/UTC")
    as_drf_writes = _as_drf_writes(field)
    if not (in_utc and isinstance(output, str) and output.lower() == ISO_8601):
        return as_drf_writes

    def represent(value):
        if isinstance(value, datetime.datetime) and value.tzinfo is datetime.UTC:
            return value.isoformat()[:-6] + "Z"
        return as_drf_writes(value)

    return represent


def _as_drf_writes(field: serializers.Field) -> Callable:
    """`field.to_representation`, None kept as None (DRF skips the field for it)."""
    return lambda value: None if value is None else field.to_representation(value)


class RecordURLField(serializers.HyperlinkedIdentityField):
    """The record's address in the API, as HyperlinkedIdentityField gives it, from one reversed template a view
    (`kb.links.record_path`) rather than a reverse() a row."""

    def get_url(self, obj, view_name, request, format):
        if format:  # a ?format= suffix: DRF's own way
            return super().get_url(obj, view_name, request, format)
        key = getattr(obj, self.lookup_field)
        if key in (None, ""):
            return None
        return absolute(request, record_path(view_name, **{self.lookup_url_kwarg: key}))


class PartialDateSerializer(serializers.Serializer):
    """A date known to some precision: `{"date": "2016-10-01", "precision": "month", "display": "Oct 2016"}`."""

    date = serializers.DateField(help_text="The first day of the period the sources give (1 January for a year).")
    precision = serializers.ChoiceField(choices=DatePrecision.choices)
    display = serializers.CharField(help_text="As a reader says it: “Oct 2016”, “early 2017”.")


class CountryCodeField(serializers.ChoiceField):
    """A record's country (django-countries' CountryField) as its code, "" when the sources name none. DRF's own
    ChoiceField hands a blank country back as the empty Country object, which no JSON can hold: a 500."""

    def __init__(self, **kwargs):
        super().__init__(choices=countries, allow_blank=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return value.code if value else ""


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
        return partial_date(getattr(record, self.date_name), getattr(record, f"{self.date_name}_precision"))


def partial_date(value, precision: str) -> dict | None:
    """A `PartialDateField`'s value for a date and its precision."""
    if value is None or precision == DatePrecision.UNKNOWN:
        return None
    return {"date": value.isoformat(), "precision": precision, "display": format_partial_date(value, precision)}


@extend_schema_field({"type": "string", "format": "uri"})
class PageURLField(serializers.Field):
    """The record's page on the public site, as an absolute URL."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record):
        return absolute(self.context.get("request"), record.get_absolute_url())
