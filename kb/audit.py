"""Every write says who and why: a curated (or audited) record is not saved or deleted without a user and a reason.

Writes go through `kb.services`, which mark each record with the user and the reason that
django-simple-history then records. This guard catches any other path (a shell session, a
future command, a stray `.save()` or `.delete()`): the write is refused before anything reaches
the database. `QuerySet.update()` sends no signal; `tests/kb/test_audit.py` looks for it in the code.
A raw save (a fixture: `manage.py loaddata`) is refused too, and so is a save that set a user and a reason
by hand without going through the services, which hold the publication gate.
Factories in the test settings write without a reason (`KB_AUDIT_WRITES = False`); the audit
test switches the guard on and walks every write path.
"""

from __future__ import annotations

from django.conf import settings


class UnauditedWrite(RuntimeError):
    pass


def require_user_and_reason(sender, instance, **kwargs) -> None:
    from kb.models import AuditedModel, CuratedModel

    if not getattr(settings, "KB_AUDIT_WRITES", True) or not isinstance(instance, CuratedModel | AuditedModel):
        return
    if kwargs.get("raw"):
        raise UnauditedWrite(
            f"A fixture tried to write {sender._meta.verbose_name} “{instance}”: curated records are not loaded from fixtures, "
            "which would skip the user, the reason, the history and the review. Load them through kb.services "
            "(manage.py load_demo_data, manage.py import_gtd)."
        )
    user, reason = getattr(instance, "_history_user", None), (getattr(instance, "_change_reason", "") or "").strip()
    if user is None or not reason:
        missing = " and ".join(part for part, absent in (("a user", user is None), ("a reason", not reason)) if absent)
        raise UnauditedWrite(
            f"A change to {sender._meta.verbose_name} “{instance}” was refused: it came without {missing}. Write through "
            "kb.services (record_save, record_delete, record_upsert, record_restore), which record both."
        )
    if not getattr(instance, "_kb_through_services", False):
        raise UnauditedWrite(
            f"A change to {sender._meta.verbose_name} “{instance}” was refused: it did not go through kb.services, where the "
            "rules of who may publish what are kept (record_save, record_delete, record_restore, record_upsert)."
        )
