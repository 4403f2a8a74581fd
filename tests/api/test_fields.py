"""Serializer fields and helpers every app's API shares (`kb.api.fields`)."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from rest_framework import serializers

from kb.api.fields import column_decimals, utc_datetimes

VALUES = [
    None,
    Decimal("34.123400"),  # as the column gives it: six places
    Decimal("-70.000001"),
    Decimal("0.000000"),
    Decimal("-0.000000"),
    Decimal("180.000000"),
    Decimal("34.1234"),  # fewer places, more, none: not from the column, through DRF
    Decimal("34.12345678"),
    Decimal("34"),
    Decimal("1E+2"),
    Decimal("1234567.000000"),  # more figures than the field's max_digits
    34.5,
    7,
    "12.5",
]


@pytest.mark.parametrize(
    "field",
    [
        serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True),
        serializers.DecimalField(max_digits=None, decimal_places=6, allow_null=True),
        serializers.DecimalField(max_digits=9, decimal_places=6, coerce_to_string=False, allow_null=True),
        serializers.DecimalField(max_digits=9, decimal_places=None, allow_null=True),
        serializers.DecimalField(max_digits=9, decimal_places=2, rounding="ROUND_UP", allow_null=True),
    ],
)
def test_column_decimals_write_what_the_field_writes(field):
    represent = column_decimals(field)
    for value in VALUES:
        assert outcome(represent, value) == outcome(lambda value: None if value is None else field.to_representation(value), value)


def outcome(write, value):
    """What `write(value)` gives, and its type, or the error it raises."""
    try:
        written = write(value)
    except Exception as error:  # DRF refuses more figures than max_digits: so must the shortcut
        return type(error)
    return written, type(written)


MOMENTS = [
    None,
    datetime.datetime(2022, 3, 4, 12, 30, 5, 123456, tzinfo=datetime.UTC),  # as the database gives them
    datetime.datetime(2022, 3, 4, 12, 30, 5, tzinfo=datetime.UTC),  # no microseconds: isoformat leaves them out
    datetime.datetime(1, 1, 1, tzinfo=datetime.UTC),
    datetime.datetime(2022, 3, 4, 12, 30, 5, tzinfo=zoneinfo.ZoneInfo("Asia/Karachi")),  # through DRF
    datetime.datetime(2022, 3, 4, 12, 30, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
    datetime.datetime(2022, 3, 4, 12, 30, 5),  # naive
    "2022-03-04T12:30:05Z",
]


@pytest.mark.parametrize(
    "field",
    [
        serializers.DateTimeField(default_timezone=zoneinfo.ZoneInfo("UTC")),
        serializers.DateTimeField(default_timezone=datetime.UTC),
        serializers.DateTimeField(default_timezone=zoneinfo.ZoneInfo("Asia/Karachi")),  # not in UTC: DRF's own way
        serializers.DateTimeField(default_timezone=zoneinfo.ZoneInfo("UTC"), format="%d %b %Y"),
        serializers.DateTimeField(),  # the settings' zone
    ],
)
def test_utc_datetimes_write_what_the_field_writes(field, settings):
    settings.TIME_ZONE = "UTC"
    represent = utc_datetimes(field)
    for value in MOMENTS:
        expected = outcome(lambda value: None if value is None else field.to_representation(value), value)
        assert outcome(represent, value) == expected, value
