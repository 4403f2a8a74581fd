"""The import of the Global Terrorism Database's CSV files: `parse` reads a file and maps each row to an attack, its
perpetrators and the record's words they cite; `match` finds the group each perpetrator name means; `write` writes a
batch with its history; `report` says what a run did; `pipeline` runs a whole file for `manage.py import_gtd`."""

from .match import DRAFT_GROUP_SUMMARY, GroupMatcher, PerpetratorResolver, generic_labels_recorded, shipped_generic_labels
from .parse import (
    GTD_ATTACK_TYPES,
    GTD_COUNTRY_NAMES,
    GTD_TARGET_TYPES,
    GTD_UNPLACEABLE_COUNTRIES,
    GTD_WEAPON_TYPES,
    IMPORTED_FIELDS,
    MAX_COUNT,
    PLACE_MAX_LENGTH,
    GtdAttack,
    GtdFileError,
    GtdRowError,
    ParsedBatch,
    Perpetrator,
    RowProblem,
    approximate_range,
    check_file,
    parse_batches,
    parse_row,
    parse_rows,
    read_rows,
)
from .pipeline import DEFAULT_BATCH_SIZE, GtdImportStopped, fewer_garbage_collections, gtd_file_import, read_ahead
from .report import GtdImportReport, NamedInRows
from .write import EARLIER_WORDS_HEADING, attacks_bulk_import

__all__ = [
    "DEFAULT_BATCH_SIZE", "DRAFT_GROUP_SUMMARY", "EARLIER_WORDS_HEADING", "GTD_ATTACK_TYPES", "GTD_COUNTRY_NAMES",
    "GTD_TARGET_TYPES", "GTD_UNPLACEABLE_COUNTRIES", "GTD_WEAPON_TYPES", "IMPORTED_FIELDS", "MAX_COUNT",
    "PLACE_MAX_LENGTH", "GroupMatcher", "GtdAttack", "GtdFileError", "GtdImportReport", "GtdImportStopped", "GtdRowError",
    "NamedInRows", "ParsedBatch", "Perpetrator", "PerpetratorResolver", "RowProblem", "approximate_range",
    "attacks_bulk_import", "check_file", "fewer_garbage_collections", "generic_labels_recorded", "gtd_file_import",
    "parse_batches", "parse_row", "parse_rows", "read_ahead", "read_rows", "shipped_generic_labels",
]  # fmt: skip
