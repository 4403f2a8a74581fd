"""Change sets and pending changes: what editors wrote waits here for a Reviewer (`kb.services.review` decides).

What is written together belongs to one change set (`kb.models.ChangeSet`): an editor's named batch (their
current open one, created on their first change), the intake of a source, or one import run. Each record has at
most one pending change (`kb.models.PendingChange`): a new draft to publish, the new values of a published
record's fields (the record as stored keeps the published ones, so readers, the API, search, exports and history
see them until approval), or a deletion. A second edit extends the pending change.
"""

from __future__ import annotations

import datetime
import decimal
import difflib
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from kb.history import FieldChange, comparable, latest_revision, tracked_fields
from kb.models import ChangeSet, ChangeSetKind, CuratedModel, PendingAction, PendingChange, ReviewStatus

from .copy import array_cursor
from .gate import require_user

PENDING = ReviewStatus.PENDING


# --- Change sets ------------------------------------------------------------------------------------------------


def current_change_set(user) -> ChangeSet:
    """The user's open change set of their own edits, started on their first change."""
    change_set = ChangeSet.objects.filter(created_by=user, kind=ChangeSetKind.EDIT, is_open=True).order_by("-id").first()
    if change_set is None:
        change_set = ChangeSet.objects.create(
            created_by=user, kind=ChangeSetKind.EDIT, title=f"Changes by {user.get_username()} from {timezone.now():%d %b %Y}"
        )
    return change_set


def change_set_start(*, user, title: str, kind: str = ChangeSetKind.EDIT) -> ChangeSet:
    """Start a named change set; for an editor's own batch, their new changes join it from now on."""
    require_user(user)
    title = (title or "").strip()
    change_set = ChangeSet(created_by=user, kind=kind, title=title)
    change_set.full_clean()
    with transaction.atomic():
        if kind == ChangeSetKind.EDIT:
            ChangeSet.objects.filter(created_by=user, kind=ChangeSetKind.EDIT, is_open=True).update(is_open=False)
        change_set.save()
    return change_set


def intake_change_set(record) -> ChangeSet | None:
    """The intake change set that waits with `record` (a new source) in it, which what is cited from it joins."""
    pending = pending_change_for(record)
    if pending is not None and pending.change_set.kind == ChangeSetKind.INTAKE and pending.change_set.is_open:
        return pending.change_set
    return None


def change_set_open_to(change_set_id: int | None, user) -> ChangeSet | None:
    """The change set a page asked to write into, if it is still open and this user may add to it: their own, or
    a source's intake (any editor may cite from a source another recorded)."""
    if change_set_id is None:
        return None
    change_set = ChangeSet.objects.filter(pk=change_set_id, is_open=True).first()
    if change_set is None or (change_set.created_by_id != user.pk and change_set.kind != ChangeSetKind.INTAKE):
        return None
    return change_set


def _target_set(change_set, user) -> ChangeSet:
    return change_set if change_set is not None else current_change_set(user)


def _content_type(model) -> ContentType:
    return ContentType.objects.get_for_model(model, for_concrete_model=True)


def pending_change_for(instance) -> PendingChange | None:
    return (
        PendingChange.objects.filter(content_type=_content_type(type(instance)), object_id=instance.pk, status=PENDING)
        .select_related("change_set", "created_by")
        .first()
    )


def last_rejection(instance) -> PendingChange | None:
    """The record's most recently rejected pending change, if any."""
    rows = PendingChange.objects.filter(content_type=_content_type(type(instance)), object_id=instance.pk, status=ReviewStatus.REJECTED)
    return rows.select_related("decided_by").order_by("-decided_at").first()


def pending_changes_for(model, ids) -> dict[int, PendingChange]:
    rows = PendingChange.objects.filter(content_type=_content_type(model), object_id__in=list(ids), status=PENDING)
    return {row.object_id: row for row in rows.select_related("change_set", "created_by")}


def _add_reason(pending: PendingChange, user, reason: str) -> None:
    line = f"{user.get_username()}: {reason}"
    if line not in pending.reasons.splitlines():
        pending.reasons = f"{pending.reasons}\n{line}".strip()


def _pending(model, record_id: int, action: str, *, user, change_set, **fields) -> PendingChange:
    """The record's pending change, or a new one of `action` in `change_set` (or the user's current one)."""
    pending = PendingChange.objects.filter(content_type=_content_type(model), object_id=record_id, status=PENDING).first()
    if pending is None:
        pending = PendingChange(
            change_set=_target_set(change_set, user),
            content_type=_content_type(model),
            object_id=record_id,
            action=action,
            created_by=user,
            **fields,
        )
    return pending


def _keep(pending: PendingChange, user, reason: str) -> PendingChange:
    _add_reason(pending, user, reason)
    pending.save()
    return pending


def queue_publish(instance, *, user, reason: str, change_set=None) -> PendingChange:
    """A new draft, to be published when its change set is approved."""
    pending = _pending(type(instance), instance.pk, PendingAction.PUBLISH, user=user, change_set=change_set)
    return _keep(pending, user, reason)


def queue_change(instance, *, changes: dict[str, FieldChange], user, reason: str, change_set=None) -> PendingChange | None:
    """An edit of a published record: the fields that differ from the stored record wait for review. An edit back
    to the stored values withdraws the pending change."""
    pending = pending_change_for(instance)
    if pending is not None and pending.action == PendingAction.DELETE:
        raise ValidationError(f"“{instance}” is awaiting deletion in change set {pending.change_set}; it cannot be edited meanwhile.")
    if not changes:
        if pending is not None and pending.action == PendingAction.CHANGE:
            pending.delete()
        return None
    if pending is None:
        base = latest_revision(instance)
        pending = _pending(type(instance), instance.pk, PendingAction.CHANGE, user=user, change_set=change_set, base_revision=base)
    pending.values = {change.field.attname: to_json(change.field, change.after) for change in changes.values()}
    return _keep(pending, user, reason)


def queue_values(model, record_id: int, values: dict, *, user, reason: str, change_set=None) -> PendingChange:
    """New values of a published record's fields (`{field: value}`), from a bulk write, added to its pending change."""
    pending = _pending(model, record_id, PendingAction.CHANGE, user=user, change_set=change_set)
    pending.values = {**pending.values, **{field.attname: to_json(field, value) for field, value in values.items()}}
    return _keep(pending, user, reason)


def queue_delete(instance, *, user, reason: str, change_set=None) -> PendingChange:
    """The deletion of a published record, to be carried out when approved."""
    pending = _pending(type(instance), instance.pk, PendingAction.DELETE, user=user, change_set=change_set)
    pending.action, pending.values = PendingAction.DELETE, {}
    return _keep(pending, user, reason)


def queue_bulk_publish(*, change_set: ChangeSet, model, ids: list[int], user) -> None:
    """New drafts written by an import: one pending change each, made by the server from one array of their ids
    (one statement, however many: no row is built or sent one by one)."""
    if not ids:
        return
    content_type, moment = _content_type(model), timezone.now()
    with array_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PendingChange._meta.db_table} (change_set_id, content_type_id, object_id, action, values, reasons, "
            "created_by_id, created_at, updated_at, status, decision_reason) "
            "SELECT %s, %s, object_id, %s, '{}'::jsonb, '', %s, %s, %s, %s, '' FROM unnest(%b::bigint[]) AS object_id",
            # values: an empty JSON object, which a later change to the record joins
            [change_set.pk, content_type.pk, PendingAction.PUBLISH, user.pk, moment, moment, PENDING, ids],
        )


def forget_deleted(records) -> None:
    """Pending changes of records that no longer exist have nothing left to review."""
    by_model = defaultdict(list)
    for record in records:
        if isinstance(record, CuratedModel):
            by_model[_content_type(type(record))].append(record.pk)
    for content_type, ids in by_model.items():
        PendingChange.objects.filter(content_type=content_type, object_id__in=ids, status=PENDING).delete()


# --- What the pending version looks like ------------------------------------------------------------------------


def to_json(field: models.Field, value):
    value = comparable(field, value)
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def from_json(field: models.Field, value):
    return field.to_python(value) if value is not None else None


def apply_values(instance, values: dict) -> None:
    fields = {field.attname: field for field in tracked_fields(type(instance))}
    for attname, value in values.items():
        if attname in fields:
            setattr(instance, attname, from_json(fields[attname], value))


def with_pending_values(instance, pending: PendingChange | None = None):
    """`instance` as its pending version reads (for the editors' forms); the stored record is untouched."""
    pending = pending if pending is not None else pending_change_for(instance)
    if pending is not None and pending.action == PendingAction.CHANGE:
        apply_values(instance, pending.values)
    instance.pending_change = pending
    return instance


@dataclass(frozen=True)
class FieldDiff:
    label: str
    published: object
    pending: object

    @property
    def words(self) -> list[tuple[str, str]]:
        """For two texts, the pending one as ("same" | "removed" | "added", words) runs, so a Reviewer sees what changed
        inside a long summary; empty otherwise."""
        if not (isinstance(self.published, str) and isinstance(self.pending, str)):
            return []
        before, after = self.published.split(" "), self.pending.split(" ")
        runs = []
        for operation, a1, a2, b1, b2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
            if operation == "equal":
                runs.append(("same", " ".join(after[b1:b2])))
                continue
            if a2 > a1:
                runs.append(("removed", " ".join(before[a1:a2])))
            if b2 > b1:
                runs.append(("added", " ".join(after[b1:b2])))
        return runs


def pending_diff(pending: PendingChange, record) -> list[FieldDiff]:
    """Field by field: the published value and the pending one; a new record in full."""
    fields = tracked_fields(type(record))
    if pending.action == PendingAction.CHANGE:
        diffs = []
        for field in fields:
            if field.attname in pending.values:
                published = _display(field, field.value_from_object(record))
                diffs.append(
                    FieldDiff(str(field.verbose_name), published, _display(field, from_json(field, pending.values[field.attname])))
                )
        return diffs
    if pending.action == PendingAction.PUBLISH:
        shown = [field for field in fields if field.name != "publication_status"]
        return [FieldDiff(str(field.verbose_name), None, _display(field, field.value_from_object(record))) for field in shown]
    return [FieldDiff("record", str(record), "deleted")]


def _display(field, value):
    if field.choices and value not in (None, ""):
        return dict(field.flatchoices).get(value, value)
    if field.is_relation and value is not None:
        related = field.related_model.objects.filter(pk=value).first()
        return str(related) if related is not None else value
    return value
