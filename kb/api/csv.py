"""CSV exports of API lists, streamed row by row so that 250,000 rows take no more memory than 250."""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.http import StreamingHttpResponse
from django_countries import countries
from django_filters import FilterSet
from rest_framework.renderers import BaseRenderer

CHUNK_SIZE = 2000
# Excel opens a CSV as UTF-8 (Arabic and Urdu names intact) only when it starts with a byte-order mark.
BYTE_ORDER_MARK = "\ufeff"


@dataclass(frozen=True)
class Column:
    header: str  # what a spreadsheet user reads: "Founded (precision)", not "founded_precision"
    value: Callable[[dict], Any]  # from one of `CsvExport.rows`


def choice_label(model: type[Model], field_name: str) -> Callable[[dict], Any]:
    """A column of a choice field's label, read from a table made on first use."""
    table: dict[Any, str] = {}

    def label(row: dict) -> Any:
        if not table:
            table.update({value: str(text) for value, text in model._meta.get_field(field_name).flatchoices})
        value = row[field_name]
        return table.get(value, value)

    return label


@functools.lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """A country's English name by its ISO code ("" for none), looked up once per code."""
    return str(countries.name(code)) if code else ""


@dataclass(frozen=True)
class CsvExport:
    """A public list as CSV, alike from the API (`/api/v1/<list>.csv`), from `manage.py export_csv` and in a release:
    the records (a selector), the columns, the file's name, and the filters they take (the site's FilterSet; a table
    only a release writes whole has none).

    `rows` turns the filtered records into what the columns read: dicts (`QuerySet.values()`) with every value a column
    needs, related ones included, so that a list of 250,000 records streams without making a model instance per row.
    """

    records: Callable[[], QuerySet]
    rows: Callable[[QuerySet], QuerySet]
    columns: list[Column]
    filename: str
    filterset_class: type[FilterSet] | None = None


class CSVRenderer(BaseRenderer):
    """Lets `?format=csv` through content negotiation; the rows themselves are streamed by `csv_response`."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # only lists stream CSV; see ReadOnlyViewSet.list
        raise NotImplementedError("CSV is streamed by csv_response().")


class _Echo:
    def write(self, value: str) -> str:
        return value


# A text cell a spreadsheet would read as a formula (`=HYPERLINK(…)` in a name) starts with one of these; OWASP's
# advice is to make it text with a leading apostrophe, which spreadsheets show as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """`value` as a cell: nothing for None, and text that would start a formula kept as text. Numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_rows(records: Iterable[Any], columns: list[Column]) -> Iterator[str]:
    yield csv_header(columns)
    for record in records:
        yield csv_line(column.value(record) for column in columns)


_WRITER = csv.writer(_Echo())


def csv_header(columns: list[Column]) -> str:
    """The first line of a CSV file of these columns, after the byte order mark spreadsheets read UTF-8 by."""
    return BYTE_ORDER_MARK + _WRITER.writerow([column.header for column in columns])


def csv_line(values: Iterable[Any]) -> str:
    """One row's values, already computed, as a CSV line, its text cells kept from running as formulas."""
    return _WRITER.writerow([spreadsheet_safe(value) for value in values])


def csv_response(records: QuerySet, export: CsvExport) -> StreamingHttpResponse:
    """The filtered `records` (from `export.records()`) as a streamed CSV download."""
    rows = csv_rows(export.rows(records).iterator(chunk_size=CHUNK_SIZE), export.columns)
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
