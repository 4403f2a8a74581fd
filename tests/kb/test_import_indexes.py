"""An import writes a pending change for every record it creates, and a source with its history row for every GTD
event: each index of those tables costs every such row, so none repeats what another one serves."""

import pytest
from django.db import connection

from kb.models import PendingChange
from sources.models import Source

pytestmark = pytest.mark.django_db


def indexes(table: str) -> list[tuple[str, list[str], list[str], bool, bool]]:
    """(name, key columns, operator classes, partial, unique) of the table's indexes on plain columns."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT index.relname,
                   array(SELECT attribute.attname FROM unnest(i.indkey) WITH ORDINALITY AS k (attnum, position)
                         JOIN pg_attribute AS attribute ON attribute.attrelid = i.indrelid AND attribute.attnum = k.attnum
                         ORDER BY k.position),
                   array(SELECT opclass.opcname FROM unnest(i.indclass) WITH ORDINALITY AS c (oid, position)
                         JOIN pg_opclass AS opclass ON opclass.oid = c.oid ORDER BY c.position),
                   i.indpred IS NOT NULL, i.indisunique
            FROM pg_index AS i JOIN pg_class AS index ON index.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass AND i.indexprs IS NULL
            """,
            [table],
        )
        return cursor.fetchall()


def redundant_indexes(table: str) -> list[str]:
    """Non-unique, whole-table indexes whose columns begin another whole-table index of the table."""
    found = []
    every = indexes(table)
    for name, columns, _, partial, unique in every:
        if partial or unique:
            continue
        for other, other_columns, _, other_partial, _ in every:
            if other != name and not other_partial and len(other_columns) > len(columns) and other_columns[: len(columns)] == columns:
                found.append(f"{name} (served by {other})")
                break
    return found


@pytest.mark.parametrize("model", [PendingChange, Source, Source.history.model], ids=lambda model: model._meta.db_table)
def test_no_index_of_a_table_an_import_fills_repeats_another(model):
    assert redundant_indexes(model._meta.db_table) == []


def test_a_text_fingerprint_has_one_index_for_equality_and_none_in_history():
    source_indexes = [(columns, classes) for _, columns, classes, *_ in indexes(Source._meta.db_table) if "text_hash" in columns]
    assert source_indexes == [(["text_hash"], ["text_ops"])]  # no pattern index: a fingerprint is never matched by prefix
    assert [name for name, columns, *_ in indexes(Source.history.model._meta.db_table) if "text_hash" in columns] == []


def test_the_review_queues_lookups_are_still_served_by_an_index():
    """The change set's changes, a record's pending change, and a decider's decisions (for PROTECT when a user is deleted)."""
    leading = {columns[0] for _, columns, *_ in indexes(PendingChange._meta.db_table)}
    assert {"change_set_id", "content_type_id", "created_by_id", "decided_by_id"} <= leading
