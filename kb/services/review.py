"""Decisions on change sets: a Reviewer approves or rejects all or some of their pending changes (`kb.services.pending`).

Approval is atomic: every chosen change is applied under the Reviewer's name with one reason, the citation rule
checked once over all of it; new records are published in bulk (one UPDATE and one history INSERT per model).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from kb.cache import bump_data_version
from kb.models import ChangeSet, PendingAction, PendingChange, ReviewStatus

from .bulk import records_bulk_publish
from .gate import PublishingRefused, can_publish, require_reason, require_user
from .pending import PENDING, apply_values
from .publishing import check_facts, publication_checks
from .records import record_delete, record_save

# --- Decisions --------------------------------------------------------------------------------------------------


@dataclass
class Decision:
    applied: int
    skipped: int


def _chosen(change_set: ChangeSet, change_ids) -> models.QuerySet:
    """The pending changes a decision covers, as they stand when it starts (later additions wait for the next one).
    Deciding locks the change set, so two Reviewers cannot decide on the same changes at once."""
    ChangeSet.objects.select_for_update().filter(pk=change_set.pk).first()
    changes = change_set.changes.filter(status=PENDING)
    if change_ids is not None:
        changes = changes.filter(pk__in=list(change_ids))
    last = changes.aggregate(last=models.Max("id"))["last"]
    return changes.filter(id__lte=last or 0)


def reviewer_refusal(change_set: ChangeSet, user, changes=None) -> str | None:
    """Why `user` may not decide on `changes` (the change set's pending ones by default), or None when they may:
    nobody decides on their own change set (unless KB_REVIEW_OWN_CHANGES), and only a publisher of every kind of
    record in it."""
    if change_set.created_by_id == user.pk and not getattr(settings, "KB_REVIEW_OWN_CHANGES", False):
        return "You cannot review your own change set; another Reviewer must (KB_REVIEW_OWN_CHANGES allows it)."
    changes = change_set.changes.filter(status=PENDING) if changes is None else changes
    content_types = ContentType.objects.filter(pk__in=changes.values("content_type")).order_by()
    refused = [ct.model_class()._meta.verbose_name_plural for ct in content_types if not can_publish(user, ct.model_class())]
    return f"Only a Reviewer may publish {', '.join(refused)}." if refused else None


def _check_reviewer(change_set: ChangeSet, user, changes) -> None:
    refusal = reviewer_refusal(change_set, user, changes)
    if refusal:
        raise PublishingRefused(refusal)


@transaction.atomic
def change_set_approve(*, change_set: ChangeSet, user, reason: str, change_ids=None) -> Decision:
    """Apply the change set's pending changes (all, or those in `change_ids`) as the Reviewer `user`: new records
    published, edits written, deletions carried out, all or nothing."""
    reason = require_reason(reason)
    require_user(user)
    changes = _chosen(change_set, change_ids)
    _check_reviewer(change_set, user, changes)
    moment = timezone.now()
    history_reason = f"Approved change set #{change_set.pk} “{change_set.title}”: {reason}"
    applied = skipped = 0
    with publication_checks():
        publishing = changes.filter(action=PendingAction.PUBLISH)
        for content_type_id, count in publishing.values_list("content_type").annotate(count=models.Count("id")).order_by():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            chosen = publishing.filter(content_type_id=content_type_id).values("object_id")
            published = records_bulk_publish(model=model, ids=chosen, user=user, reason=history_reason, moment=moment)
            applied += published
            skipped += count - published
            check_facts(model, Q(pk__in=chosen))
        for pending in changes.filter(action=PendingAction.CHANGE).select_related("content_type"):
            record = pending.model.objects.filter(pk=pending.object_id).first()
            if record is None:
                skipped += 1
                continue
            apply_values(record, pending.values)
            record_save(instance=record, user=user, reason=f"{history_reason} (edited by {pending.reasons})")
            applied += 1
        for pending in changes.filter(action=PendingAction.DELETE).select_related("content_type"):
            record = pending.model.objects.filter(pk=pending.object_id).first()
            if record is None:
                skipped += 1
                continue
            _decide_one(pending, ReviewStatus.APPROVED, user=user, reason=reason, moment=moment)  # not forgotten with the record
            record_delete(instance=record, user=user, reason=f"{history_reason} (deletion asked by {pending.reasons})")
            applied += 1
    _decide(change_set, changes, ReviewStatus.APPROVED, user=user, reason=reason, moment=moment)
    return Decision(applied=applied, skipped=skipped)


@transaction.atomic
def change_set_reject(*, change_set: ChangeSet, user, reason: str, change_ids=None) -> Decision:
    """Turn down pending changes with a reason: the published records stay as they are, new records stay drafts."""
    reason = require_reason(reason)
    require_user(user)
    changes = _chosen(change_set, change_ids)
    _check_reviewer(change_set, user, changes)
    count = changes.count()
    _decide(change_set, changes, ReviewStatus.REJECTED, user=user, reason=reason, moment=timezone.now())
    return Decision(applied=count, skipped=0)


def _decide_one(pending: PendingChange, status, *, user, reason: str, moment) -> None:
    pending.status, pending.decided_by, pending.decided_at, pending.decision_reason = status, user, moment, reason
    pending.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])


def _decide(change_set, changes, status, *, user, reason: str, moment) -> None:
    changes.update(status=status, decided_by=user, decided_at=moment, decision_reason=reason)
    if not change_set.changes.filter(status=PENDING).exists():
        ChangeSet.objects.filter(pk=change_set.pk).update(is_open=False)
        change_set.is_open = False
    bump_data_version()
