"""The one way curated records are written: validated, saved, and recorded in history with a user and a reason.

The admin, the demo-data loader and every future import call these; nothing
else saves or deletes a curated record.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models.deletion import Collector
from django.utils import timezone

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
