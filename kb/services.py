"""The one way curated records are written: validated, saved, and recorded in history with a user and a reason.

The admin, the demo-data loader and every future import call these; nothing
else saves or deletes a curated record. Imports of many rows that they have
already validated use `records_bulk_create`/`records_bulk_update`, which write
the same records and history rows with a few statements per batch.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models, router, transaction
from django.db.models.deletion import Collector
from django.utils import timezone
from psycopg import sql

from kb.history import latest_revision


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"change_reason": "Say why you are making this change; the reason is kept in the history."})
    return reason


def _mark_for_history(instance: models.Model, *, user, reason: str) -> None:
    # django-simple-history reads these two attributes when it writes the historical row.
    instance._history_user = user
    instance._change_reason = reason


def record_save(*, instance: models.Model, user, reason: str) -> models.Model:
    """Validate (model rules and database constraints) and save, recording who and why."""
    reason = _require_reason(reason)
    instance.full_clean()
    _mark_for_history(instance, user=user, reason=reason)
    instance.save()
    return instance


@transaction.atomic
def record_delete(*, instance: models.Model, user, reason: str) -> None:
    """Delete a record and what cascades from it; every deleted row gets the user and reason in history."""
    reason = _require_reason(reason)
    collector = Collector(using=router.db_for_write(type(instance), instance=instance))
    collector.collect([instance])
    # One moment for every row of the cascade: it is how `record_restore` finds what went together.
    moment = timezone.now()
    for instances in collector.data.values():
        for obj in instances:
            _mark_for_history(obj, user=user, reason=reason)
            obj._history_date = moment
    collector.delete()


# Restored parents first, so that what refers to them can be saved after.
RESTORE_ORDER = (
    "sources.Source", "groups.Group", "groups.Attack", "groups.Alias", "groups.Affiliation",
    "groups.Designation", "groups.Attribution", "sources.Citation",
)  # fmt: skip


class RestoreError(Exception):
    pass


@transaction.atomic
def record_restore(*, model: type[models.Model], record_id: int, user, reason: str) -> list[models.Model]:
    """Bring back a deleted record, and every row deleted with it, with the same ids, as history's new entries.

    Refuses (RestoreError) when the record exists, was never deleted, or a restored row would clash with
    what was created since (a new group with the same slug, say); nothing is restored then.
    """
    reason = _require_reason(reason)
    if model.objects.filter(pk=record_id).exists():
        raise RestoreError(f"{model._meta.verbose_name.capitalize()} {record_id} exists; there is nothing to restore.")
    deletion = model.history.filter(id=record_id, history_type="-").order_by("-history_id").first()
    if deletion is None:
        raise RestoreError(f"No deleted {model._meta.verbose_name} {record_id} is in the history.")
    restored = []
    for label in RESTORE_ORDER:
        deleted_model = apps.get_model(label)
        rows = deleted_model.history.filter(history_type="-", history_date=deletion.history_date).order_by("id")
        for row in rows:
            if deleted_model.objects.filter(pk=row.id).exists():
                continue
            instance = row.instance
            try:
                record_save(instance=instance, user=user, reason=f"Restored: {reason}")
            except ValidationError as error:
                raise RestoreError(f"Cannot restore {deleted_model._meta.verbose_name} {row.id}: {' '.join(error.messages)}") from error
            # The insert stamped a new creation time; the record and its new history row keep the first one.
            deleted_model.objects.filter(pk=row.id).update(created_at=row.created_at)
            deleted_model.history.filter(id=row.id, history_id=latest_revision(instance)).update(created_at=row.created_at)
            instance.created_at = row.created_at
            restored.append(instance)
    return restored


def record_upsert(
    *, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], user, reason: str
) -> tuple[models.Model, bool]:
    """Create or update the record matching `lookup`; save (and write history) only when something differs.

    Returns the record and whether it was written.
    """
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
    elif all(_same_value(instance, name, value) for name, value in values.items()):
        return instance, False
    else:
        for name, value in values.items():
            setattr(instance, name, value)
    record_save(instance=instance, user=user, reason=reason)
    return instance, True


def _same_value(instance: models.Model, name: str, value: Any) -> bool:
    field = instance._meta.get_field(name)
    if field.is_relation:
        return getattr(instance, field.attname) == getattr(value, "pk", value)
    # Compare as the database would store them (sorted country lists, 33.5 == 33.500000).
    return _stored_form(field, getattr(instance, name)) == _stored_form(field, value)


def _stored_form(field: models.Field, value: Any) -> Any:
    return field.get_prep_value(field.to_python(value))


# Bulk writes for imports. django-simple-history's bulk_create_with_history and bulk_update_with_history build a
# model instance per record and per history row and insert them through the ORM, which costs far more than the
# database's own work. These write the same rows with COPY and let PostgreSQL copy each written record into its
# history table. They send no signals, like every bulk write: the caller calls `kb.cache.bump_data_version()`.
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
    reason = _require_reason(reason)
    _require_user(user)
    if not rows:
        return []
    columns = [model._meta.get_field(name).column for name in fields]
    defaults = {
        field.column: field.get_default()
        for field in model._meta.concrete_fields
        if not field.primary_key and field.column not in columns and field.name not in ("created_at", "updated_at")
    }
    constant = (*defaults.values(), moment, moment)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s) ORDER BY 1", [cursor.fetchone()[0], len(rows)])
        ids = [row[0] for row in cursor.fetchall()]
        all_columns = [model._meta.pk.column, *columns, *defaults, "created_at", "updated_at"]
        _copy(cursor, model._meta.db_table, all_columns, ((record_id, *row, *constant) for record_id, row in zip(ids, rows, strict=True)))
        _copy_into_history(model, ids, history_type="+", user=user, reason=reason, moment=moment)
    return ids


def records_bulk_update(
    *, model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]], user, reason: str, moment: datetime.datetime
) -> None:
    """Set `fields` of existing records and write their history rows ("~").

    Each row holds a record's id, then the new values of `fields`, as in `records_bulk_create`; `updated_at`
    becomes `moment`. The history rows hold each record as it is after the update, all its fields.
    """
    reason = _require_reason(reason)
    _require_user(user)
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
        _copy(cursor, "bulk_update_rows", [pk, *columns], rows)
        assignments = [sql.SQL("{} = bulk_update_rows.{}").format(sql.Identifier(column), sql.Identifier(column)) for column in columns]
        cursor.execute(
            sql.SQL("UPDATE {} SET {}, updated_at = %s FROM bulk_update_rows WHERE {}.{} = bulk_update_rows.{}")
            .format(table, sql.SQL(", ").join(assignments), table, sql.Identifier(pk), sql.Identifier(pk))
            .as_string(cursor.connection),
            [moment],
        )
        cursor.execute("DROP TABLE bulk_update_rows")
        _copy_into_history(model, [row[0] for row in rows], history_type="~", user=user, reason=reason, moment=moment)


def _require_user(user) -> None:
    if user is None:
        raise ValidationError("A bulk write needs a user to record in the history.")


def array_cursor() -> psycopg.Cursor:
    """A cursor on Django's connection, in its transaction, that sends `%b` parameters in binary: one array of a
    batch's thousands of ids or slugs in a fraction of the time Django's cursor takes to quote it as text."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _copy(cursor, table: str, columns: list[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY in PostgreSQL's binary format, each value sent as its column's type: half the work of the text format."""
    cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", [table])
    types = dict(cursor.fetchall())
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(sql.Identifier(table), names)
    with cursor.copy(statement) as copy:
        copy.set_types([types[column] for column in columns])
        for row in rows:
            copy.write_row(row)


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
