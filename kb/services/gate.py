"""Who may make what public: the rules every write path meets, whatever a form, a command or a revert sent.

- Changing a record's publication status needs the model's `publish_<model>` permission.
- An edit of a published record by someone without it is kept as a pending change (`kb.services.pending`);
  readers keep the published version until a Reviewer approves.
- A revert keeps the record's current status; a record brought back (revert of a deleted one, restore) by
  someone who may not publish it comes back as a draft.
- Deleting a published record without publish rights becomes a pending deletion.

Accounts that commands write under (`kb.accounts.system_account`) cannot log in; their rights come from the
roles they are given, read directly since Django grants an inactive account nothing.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import models


class PublishingRefused(ValidationError):
    """The user may not make this change public (or take it away) themselves."""


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"change_reason": "Say why you are making this change; the reason is kept in the history."})
    return reason


def require_user(user) -> None:
    if user is None or getattr(user, "pk", None) is None:
        raise ValidationError("A write needs a user to record in the history.")


def publish_permission(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.publish_{model._meta.model_name}"


def can_publish(user, model: type[models.Model]) -> bool:
    """Whether `user` may publish and unpublish records of `model` (and so edit published ones directly)."""
    if user is None:
        return False
    if user.is_active:
        return user.has_perm(publish_permission(model))
    # An inactive system account: the rights of its roles (ModelBackend gives inactive users none).
    opts = model._meta
    cache = user.__dict__.setdefault("_kb_publish_rights", {})
    if opts.label not in cache:
        cache[opts.label] = (
            user.is_superuser
            or Permission.objects.filter(
                models.Q(user=user) | models.Q(group__user=user),
                content_type__app_label=opts.app_label,
                codename=f"publish_{opts.model_name}",
            ).exists()
        )
    return cache[opts.label]


def refuse_status_change(model: type[models.Model], record) -> PublishingRefused:
    return PublishingRefused(
        {
            "publication_status": f"Only a Reviewer may publish or unpublish {model._meta.verbose_name_plural}: "
            f"“{record}” keeps its status. Your other changes can be saved for review."
        }
    )
