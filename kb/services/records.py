"""The one way curated records are written: validated, saved, and recorded in history with a user and a reason,
under the publication gate (`kb.services.gate`) and the citation rule (`kb.services.publishing`).

The admin, the demo-data loader, commands and approvals call these; nothing else saves or deletes a curated
record (`kb.audit` refuses any other write). Imports of many rows use `kb.services.bulk`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models.deletion import Collector
from django.utils import timezone

from kb.history import changes_between, comparable, latest_revision, tracked_fields
from kb.models import CuratedModel, PublicationStatus, curated_models_parents_first

from .gate import can_publish, refuse_status_change, require_reason, require_user
from .pending import forget_deleted, queue_change, queue_delete, queue_publish
from .publishing import check_records, publication_checks


def _write(instance: models.Model, *, user, reason: str) -> None:
    """Validate, then save with the user and reason history records."""
    instance.full_clean()
    _mark_for_history(instance, user=user, reason=reason)
    instance.save()


def _mark_for_history(instance: models.Model, *, user, reason: str) -> None:
    # django-simple-history reads the first two when it writes the historical row; kb.audit reads the last.
    instance._history_user = user
    instance._change_reason = reason
    instance._kb_through_services = True


@transaction.atomic
def record_save(*, instance: models.Model, user, reason: str, change_set=None, keep_status: bool = False) -> models.Model:
    """Validate (model rules and database constraints) and save, recording who and why, under the gate.

    - A user without the model's publish permission cannot change a record's status (PublishingRefused), and
      their edit of a published record is kept as a pending change for review: the record as stored, which
      readers see, does not change (`instance.pending_change` says so). Their new records are drafts queued for
      review, in `change_set` or their current one.
    - `keep_status`: the record keeps the status it has (a revert); one that does not exist comes back as a
      draft unless the user may publish it.
    - Nothing is written when nothing differs from the stored record.
    - A fact that becomes public needs a public citation; a citation or source that stops being public must
      leave its facts another one (`kb.services.publishing`).
    """
    reason = require_reason(reason)
    require_user(user)
    model = type(instance)
    stored = model.objects.filter(pk=instance.pk).first() if instance.pk is not None else None
    if not isinstance(instance, CuratedModel):  # an audited record: nothing to publish, written when it differs
        if stored is None or changes_between(stored, instance, tracked_fields(model)):
            _write(instance, user=user, reason=reason)
        return instance
    publisher = can_publish(user, model)
    if keep_status:
        if stored is not None:
            instance.publication_status = stored.publication_status
        elif not publisher:
            instance.publication_status = PublicationStatus.DRAFT
    if stored is None:
        if instance.is_published and not publisher:
            raise refuse_status_change(model, instance)
        _write(instance, user=user, reason=reason)
        if instance.is_published:
            check_records([instance])
        elif change_set is not None or not publisher:
            queue_publish(instance, user=user, reason=reason, change_set=change_set)
        return instance
    instance._state.adding = False  # an older version (a revert) of a record that exists
    if instance.publication_status != stored.publication_status and not publisher:
        raise refuse_status_change(model, stored)
    changes = changes_between(stored, instance, tracked_fields(model))
    if stored.is_published and not publisher:
        if changes:
            instance.full_clean()
        instance.pending_change = queue_change(instance, changes=changes, user=user, reason=reason, change_set=change_set)
        return instance
    if not changes:
        return instance
    _write(instance, user=user, reason=reason)
    if instance.is_published and not stored.is_published:
        check_records([instance])
    elif stored.is_published and (not instance.is_published or any(change.field.is_relation for change in changes.values())):
        check_records(stored.facts_supported())
    return instance


def record_revert(*, instance: models.Model, user, reason: str) -> models.Model:
    """Save an older version of a record (history's `instance`), keeping the status the record has now."""
    return record_save(instance=instance, user=user, reason=reason, keep_status=True)


@transaction.atomic
def record_delete(*, instance: models.Model, user, reason: str, change_set=None):
    """Delete a record and what cascades from it; every deleted row gets the user and reason in history.

    When the cascade holds a published record the user may not unpublish, nothing is deleted: the deletion waits
    for review (returns the pending change). Deleting the last public citation of a public fact is refused."""
    reason = require_reason(reason)
    require_user(user)
    collector = Collector(using=router.db_for_write(type(instance), instance=instance))
    collector.collect([instance])
    rows = [obj for instances in collector.data.values() for obj in instances]
    published = [obj for obj in rows if isinstance(obj, CuratedModel) and obj.is_published]
    if any(not can_publish(user, type(obj)) for obj in published):
        return queue_delete(instance, user=user, reason=reason, change_set=change_set)
    deleted = {(type(obj), obj.pk) for obj in rows}
    supported = [fact for obj in published for fact in obj.facts_supported() if (type(fact), fact.pk) not in deleted]
    # One moment for every row of the cascade: it is how `record_restore` finds what went together.
    moment = timezone.now()
    for obj in rows:
        _mark_for_history(obj, user=user, reason=reason)
        obj._history_date = moment
    collector.delete()
    forget_deleted(rows)
    check_records(supported)
    return None


class RestoreError(Exception):
    pass


@transaction.atomic
def record_restore(*, model: type[models.Model], record_id: int, user, reason: str) -> list[models.Model]:
    """Bring back a deleted record, and every row deleted with it, with the same ids, as history's new entries.

    Refuses (RestoreError) when the record exists, was never deleted, or a restored row would clash with
    what was created since (a new group with the same slug, say); nothing is restored then.
    """
    reason = require_reason(reason)
    require_user(user)
    if model.objects.filter(pk=record_id).exists():
        raise RestoreError(f"{model._meta.verbose_name.capitalize()} {record_id} exists; there is nothing to restore.")
    deletion = model.history.filter(id=record_id, history_type="-").order_by("-history_id").first()
    if deletion is None:
        raise RestoreError(f"No deleted {model._meta.verbose_name} {record_id} is in the history.")
    restored = []
    try:
        with publication_checks():
            _restore_rows(deletion, model, user=user, reason=reason, restored=restored)
    except RestoreError:
        raise
    except ValidationError as error:
        raise RestoreError(f"Cannot restore: {' '.join(error.messages)}") from error
    return restored


def _restore_rows(deletion, model, *, user, reason: str, restored: list) -> None:
    """Every row deleted with `deletion`, brought back with its id; as a draft where the user may not publish it."""
    models_in_order = curated_models_parents_first()  # parents first, so that what refers to them can be saved after
    if model not in models_in_order:  # an audited record that is not curated (kb.models.AuditedModel) comes back last
        models_in_order.append(model)
    for deleted_model in models_in_order:
        rows = deleted_model.history.filter(history_type="-", history_date=deletion.history_date).order_by("id")
        for row in rows:
            if deleted_model.objects.filter(pk=row.id).exists():
                continue
            instance = row.instance
            try:
                record_save(instance=instance, user=user, reason=f"Restored: {reason}", keep_status=True)
            except ValidationError as error:
                raise RestoreError(f"Cannot restore {deleted_model._meta.verbose_name} {row.id}: {' '.join(error.messages)}") from error
            # The insert stamped a new creation time; the record and its new history row keep the first one.
            deleted_model.objects.filter(pk=row.id).update(created_at=row.created_at)
            deleted_model.history.filter(id=row.id, history_id=latest_revision(instance)).update(created_at=row.created_at)
            instance.created_at = row.created_at
            restored.append(instance)


def record_upsert(
    *, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], user, reason: str, change_set=None
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
    record_save(instance=instance, user=user, reason=reason, change_set=change_set)
    return instance, True


def _same_value(instance: models.Model, name: str, value: Any) -> bool:
    field = instance._meta.get_field(name)
    return comparable(field, field.value_from_object(instance)) == comparable(field, value)
