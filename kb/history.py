"""Reading the history tables: what a record looked like at a revision, and which fields changed since."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import Any

from django.db import models
from simple_history.utils import get_history_model_for_model

# A record's `updated_at` older than its history row by this much was not written by the save (`update_fields`).
SAVED_JUST_NOW = datetime.timedelta(seconds=1)

# Bookkeeping that changes on every save and says nothing about the record itself.
UNTRACKED_FIELDS = frozenset({"id", "created_at", "updated_at"})


@functools.cache
def history_rows(model: type[models.Model]) -> models.Manager:
    """The manager of `model`'s history rows, as `model.history` is but made once: simple-history builds a new
    manager class at each `model.history` (0.2 ms), which a query naming eight history tables felt."""
    return get_history_model_for_model(model)._default_manager


def dated_as_saved(sender, instance, history_instance, **kwargs) -> None:
    """A save's history row carries the record's `updated_at`, the moment the save wrote, rather than a moment read
    a little later: so a profile's "last updated" (read from `updated_at`) and its versions (read from history) agree
    to the microsecond, and a version's address never falls between the two. An explicit `_history_date` (one moment
    for a cascade, a dated test) stands; a deletion keeps the moment it happened."""
    saved_at = getattr(instance, "updated_at", None)
    if history_instance.history_type == "-" or saved_at is None or hasattr(instance, "_history_date"):
        return
    if datetime.timedelta(0) <= history_instance.history_date - saved_at < SAVED_JUST_NOW:  # not a save that left it out
        history_instance.history_date = saved_at


def latest_revision(instance: models.Model) -> int | None:
    """The id of the newest history row of this record: what an editor saw when they opened it."""
    return type(instance).history.filter(id=instance.pk).order_by("-history_id").values_list("history_id", flat=True).first()


def revision(model: type[models.Model], record_id: Any, revision_id: int):
    return model.history.filter(id=record_id, history_id=revision_id).first()


def tracked_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if field.name not in UNTRACKED_FIELDS and field.editable]


def comparable(field: models.Field, value: Any) -> Any:
    """A value as the database stores it, so that 33.5 equals 33.500000 and a Group equals its id."""
    if field.is_relation:
        return getattr(value, "pk", value)
    return field.get_prep_value(field.to_python(value))


@dataclass(frozen=True)
class FieldChange:
    field: models.Field
    before: Any
    after: Any

    @property
    def label(self) -> str:
        return str(self.field.verbose_name)


def changes_between(before, after, fields: list[models.Field]) -> dict[str, FieldChange]:
    """The fields whose stored values differ between two versions (historical rows or model instances)."""
    changes = {}
    for field in fields:
        old, new = field.value_from_object(before), field.value_from_object(after)
        if comparable(field, old) != comparable(field, new):
            changes[field.name] = FieldChange(field, old, new)
    return changes
