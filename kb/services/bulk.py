"""Bulk writes for imports and approvals: the same records and history rows as `record_save`, a few statements a batch."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from psycopg import sql

from kb.cache import invalidate_records

from .copy import array_cursor, copy_rows
from .gate import can_publish, refuse_status_change, require_reason, require_user
from .pending import queue_values

# Bulk writes for imports. django-simple-history's bulk_create_with_history and bulk_update_with_history build a
# model instance per record and per history row and insert them through the ORM, which costs far more than the
# database's own work. These write the same rows with COPY and let PostgreSQL copy each written record into its
# history table. They send no signals, like every bulk write: the caller says what they wrote with
# `kb.cache.invalidate_models()` (a publication here says it itself), which stales cached and prebuilt pages alike.
HISTORY_BOOKKEEPING = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


def records_bulk_create(
    *, model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]], user, reason: str, moment: datetime.datetime
) -> list[int]:
    """Insert new records and their history rows ("+"); returns their ids, in the order of `rows`.

    Each row holds the values of `fields`, in that order, as the model's attributes would (a date, a Decimal, a
    country code, a foreign key's id), already validated: nothing is checked here but the database's constraints.
    Other fields take their defaults; `created_at` and `updated_at` are `moment`, the history rows' date. Runs in
    the caller's transaction (`transaction.atomic`).
    """
    reason = require_reason(reason)
    require_user(user)
    if not rows:
        return []
    _refuse_status_without_rights(model, fields, user)
    columns = [model._meta.get_field(name).column for name in fields]
    defaults = {
        field.column: field.get_default()
        for field in model._meta.concrete_fields
        if not field.primary_key and not field.generated and field.column not in columns and field.name not in ("created_at", "updated_at")
    }
    constant = (*defaults.values(), moment, moment)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s) ORDER BY 1", [cursor.fetchone()[0], len(rows)])
        ids = [row[0] for row in cursor.fetchall()]
        all_columns = [model._meta.pk.column, *columns, *defaults, "created_at", "updated_at"]
        copy_rows(
            cursor, model._meta.db_table, all_columns, ((record_id, *row, *constant) for record_id, row in zip(ids, rows, strict=True))
        )
        _copy_into_history(model, ids, history_type="+", user=user, reason=reason, moment=moment)
    return ids


def records_bulk_update(
    *,
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    user,
    reason: str,
    moment: datetime.datetime,
    change_set=None,
) -> None:
    """Set `fields` of existing records and write their history rows ("~").

    Each row holds a record's id, then the new values of `fields`, as in `records_bulk_create`; `updated_at`
    becomes `moment`. The history rows hold each record as it is after the update, all its fields. For a user who
    may not publish the model, the rows of published records become pending changes (in `change_set`, or the
    user's current one) and only the drafts are written.
    """
    reason = require_reason(reason)
    require_user(user)
    if not rows:
        return
    _refuse_status_without_rights(model, fields, user)
    if not can_publish(user, model):
        rows = _hold_published_for_review(model, fields, rows, user=user, reason=reason, change_set=change_set)
        if not rows:
            return
    table = sql.Identifier(model._meta.db_table)
    pk, columns = model._meta.pk.column, [model._meta.get_field(name).column for name in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE TEMPORARY TABLE bulk_update_rows ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA")
            .format(sql.SQL(", ").join(map(sql.Identifier, [pk, *columns])), table)
            .as_string(cursor.connection)
        )
        copy_rows(cursor, "bulk_update_rows", [pk, *columns], rows)
        assignments = [sql.SQL("{} = bulk_update_rows.{}").format(sql.Identifier(column), sql.Identifier(column)) for column in columns]
        cursor.execute(
            sql.SQL("UPDATE {} SET {}, updated_at = %s FROM bulk_update_rows WHERE {}.{} = bulk_update_rows.{}")
            .format(table, sql.SQL(", ").join(assignments), table, sql.Identifier(pk), sql.Identifier(pk))
            .as_string(cursor.connection),
            [moment],
        )
        cursor.execute("DROP TABLE bulk_update_rows")
        _copy_into_history(model, [row[0] for row in rows], history_type="~", user=user, reason=reason, moment=moment)


def _copy_into_history(model: type[models.Model], ids: list, *, history_type: str, user, reason: str, moment) -> None:
    """One history row per record, copied from the table as stored: what the *_with_history helpers would write."""
    history = model.history.model
    tracked = [field.column for field in history.tracked_fields]
    untracked = {field.name for field in history._meta.concrete_fields if field.column not in tracked}
    if untracked != HISTORY_BOOKKEEPING:  # a history field these writes would leave empty
        raise NotImplementedError(f"Bulk writes of {history._meta.label} do not know its fields {sorted(untracked ^ HISTORY_BOOKKEEPING)}.")
    columns = sql.SQL(", ").join(sql.SQL("record.{}").format(sql.Identifier(column)) for column in tracked)
    with array_cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "INSERT INTO {} ({}, history_date, history_change_reason, history_type, history_user_id) "
                "SELECT {}, %s, %s, %s, %s FROM unnest(%b::bigint[]) WITH ORDINALITY AS written (id, position) "
                "JOIN {} AS record ON record.{} = written.id WHERE record.{} = ANY(%b) ORDER BY written.position"
            ).format(
                sql.Identifier(history._meta.db_table),
                sql.SQL(", ").join(map(sql.Identifier, tracked)),
                columns,
                sql.Identifier(model._meta.db_table),
                sql.Identifier(model._meta.pk.column),
                sql.Identifier(model._meta.pk.column),
            ),
            # The second list of ids lets the planner read them through the primary key, not the whole table.
            [moment, reason, history_type, user.pk, ids, ids],
        )


def records_bulk_publish(*, model: type[models.Model], ids: models.QuerySet, user, reason: str, moment: datetime.datetime) -> int:
    """Publish the draft records whose ids the one-column queryset `ids` selects, each with its history row ("~");
    returns how many were published. One UPDATE and one INSERT, whatever their number."""
    reason = require_reason(reason)
    require_user(user)
    table, pk = model._meta.db_table, model._meta.pk.column
    selected, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("UPDATE {} SET publication_status = %s, updated_at = %s WHERE {} IN ({}) AND publication_status <> %s RETURNING {}")
            .format(sql.Identifier(table), sql.Identifier(pk), sql.SQL(selected), sql.Identifier(pk))
            .as_string(cursor.connection),
            ["published", moment, *params, "published"],
        )
        published = [row[0] for row in cursor.fetchall()]
        if len(published) > ANALYZE_AFTER:
            # What comes next in the transaction (the citation rule) joins these rows by their status; statistics
            # that still count them as drafts would have the planner loop over them row by row.
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)).as_string(cursor.connection))
    _copy_into_history(model, published, history_type="~", user=user, reason=reason, moment=moment)
    invalidate_records(model, published)  # the pages that show them, and those of what they point to
    return len(published)


ANALYZE_AFTER = 1000  # rows whose status one bulk publish changed, past which their table's statistics are renewed


def _refuse_status_without_rights(model, fields: Sequence[str], user) -> None:
    if "publication_status" in fields and not can_publish(user, model):
        raise refuse_status_change(model, model._meta.verbose_name_plural)


def _hold_published_for_review(model, fields: Sequence[str], rows: Sequence[Sequence[Any]], *, user, reason: str, change_set):
    """The rows of drafts, to write; the rows of published records are kept as pending changes instead."""
    with array_cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT {} FROM {} WHERE {} = ANY(%b) AND publication_status = 'published'").format(
                sql.Identifier(model._meta.pk.column), sql.Identifier(model._meta.db_table), sql.Identifier(model._meta.pk.column)
            ),
            [[row[0] for row in rows]],
        )
        published = {row[0] for row in cursor.fetchall()}
    if not published:
        return rows
    attnames = [model._meta.get_field(name) for name in fields]
    for row in rows:
        if row[0] in published:
            queue_values(model, row[0], dict(zip(attnames, row[1:], strict=True)), user=user, reason=reason, change_set=change_set)
    return [row for row in rows if row[0] not in published]
