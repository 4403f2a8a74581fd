"""Dates known only partly: "Oct 2016", "early 2017", "2015", or not at all.

A partial date is two columns: a `DateField` holding the first day of the
period (for any year-level precision, 1 January) and a `<name>_precision`
column saying how much of it is known. The constraints below keep the pair
consistent in the database itself.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast, ExtractDay, ExtractMonth
from django.db.models.lookups import Exact


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    EARLY = "early", "Early in the year"
    MID = "mid", "Middle of the year"
    LATE = "late", "Late in the year"
    YEAR = "year", "Year"
    UNKNOWN = "unknown", "Unknown"


YEAR_LEVEL_PRECISIONS = (DatePrecision.EARLY, DatePrecision.MID, DatePrecision.LATE, DatePrecision.YEAR)

_YEAR_PART_WORDS = {DatePrecision.EARLY: "early", DatePrecision.MID: "mid-", DatePrecision.LATE: "late"}


def precision_field(verbose_name: str) -> models.CharField:
    return models.CharField(
        verbose_name,
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.UNKNOWN,
        help_text="How much of the date the sources give. Store the first day of the period (1 January for a year or part of a year).",
    )


def partial_date_constraints(field: str, *, model: str, label: str) -> list[models.CheckConstraint]:
    precision = f"{field}_precision"
    unknown = Q(**{precision: DatePrecision.UNKNOWN})
    # The cast keeps Django's own pre-save check of the constraint valid SQL when the date is empty.
    as_date = Cast(F(field), models.DateField())
    first_of_month = Exact(ExtractDay(as_date), 1)
    return [
        models.CheckConstraint(
            condition=(unknown & Q(**{f"{field}__isnull": True})) | (~unknown & Q(**{f"{field}__isnull": False})),
            name=f"{model}_{field}_dated_unless_unknown",
            violation_error_message=f"Give the {label} a date, or set its precision to unknown "
            "(and leave the date empty) when the sources do not say.",
        ),
        models.CheckConstraint(
            condition=~Q(**{precision: DatePrecision.MONTH}) | Q(first_of_month),
            name=f"{model}_{field}_month_on_first_day",
            violation_error_message=f"A {label} known to the month is stored as the first day of that month.",
        ),
        models.CheckConstraint(
            condition=~Q(**{f"{precision}__in": YEAR_LEVEL_PRECISIONS}) | Q(first_of_month, Exact(ExtractMonth(as_date), 1)),
            name=f"{model}_{field}_year_on_first_day",
            violation_error_message=f"A {label} known only to the year (or part of it) is stored as 1 January of that year.",
        ),
        choices_constraint(precision, DatePrecision, model=model),
    ]


def choices_constraint(field: str, choices: type[models.TextChoices], *, model: str, blank: bool = False):
    allowed = list(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": allowed}),
        name=f"{model}_{field}_valid",
        violation_error_message=f"{field.replace('_', ' ').capitalize()} must be one of: {', '.join(choices.values)}.",
    )


# What "%b" writes for each month (a page of attacks formats a hundred dates: strftime took a tenth of its rows' time).
_MONTHS = ("", *(datetime.date(2000, month, 1).strftime("%b") for month in range(1, 13)))


def format_partial_date(value: datetime.date | None, precision: str) -> str:
    """Render a partial date with honest precision: "26 Oct 2016", "Oct 2016", "early 2017"."""
    if value is None or precision == DatePrecision.UNKNOWN:
        return "date unknown"
    if precision == DatePrecision.DAY:
        return f"{value.day} {_MONTHS[value.month]} {value.year}"
    if precision == DatePrecision.MONTH:
        return f"{_MONTHS[value.month]} {value.year}"
    if precision in _YEAR_PART_WORDS:
        word = _YEAR_PART_WORDS[precision]
        return f"{word}{value.year}" if word.endswith("-") else f"{word} {value.year}"
    return str(value.year)


def format_period(start: datetime.date | None, start_precision: str, end: datetime.date | None, end_precision: str) -> str:
    """A span of partial dates as a reader says it: "since Oct 2016", "2014–2017", "until 2017", or ""."""
    known_start = start is not None and start_precision != DatePrecision.UNKNOWN
    known_end = end is not None and end_precision != DatePrecision.UNKNOWN
    if known_start and known_end:
        return f"{format_partial_date(start, start_precision)} – {format_partial_date(end, end_precision)}"
    if known_start:
        return f"since {format_partial_date(start, start_precision)}"
    if known_end:
        return f"until {format_partial_date(end, end_precision)}"
    return ""


MOMENT_KEY_FORMAT = "%Y%m%dT%H%M%S%fZ"  # 20261121T052345248029Z: sortable, no characters a URL must escape
MOMENT_KEY_SECONDS_FORMAT = "%Y%m%dT%H%M%SZ"  # 20261121T052346Z: a whole second, as the versions a profile cites are


def moment_key(moment: datetime.datetime) -> str:
    """A moment as a URL path segment (a profile's version address: `/groups/<slug>/as-of/<key>/`); a whole second
    is written without its microseconds."""
    moment = moment.astimezone(datetime.UTC)
    return moment.strftime(MOMENT_KEY_SECONDS_FORMAT if moment.microsecond == 0 else MOMENT_KEY_FORMAT)


def parse_moment_key(key: str) -> datetime.datetime | None:
    """The moment of a key in either form (addresses given out with `000000` before the Z still work)."""
    for key_format in (MOMENT_KEY_SECONDS_FORMAT, MOMENT_KEY_FORMAT):
        try:
            return datetime.datetime.strptime(key, key_format).replace(tzinfo=datetime.UTC)
        except ValueError:
            continue
    return None
