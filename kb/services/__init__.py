"""Every write of curated data: the records (`records`), imports in bulk (`bulk`), who may make what public
(`gate`), the citation rule (`publishing`) and the review of what waits for a Reviewer (`review`)."""

from .bulk import HISTORY_BOOKKEEPING, records_bulk_create, records_bulk_publish, records_bulk_update
from .copy import array_cursor
from .gate import PublishingRefused, can_publish, require_reason, require_user
from .pending import change_set_start, current_change_set, intake_change_set
from .publishing import UncitedFact, publication_checks
from .records import RestoreError, record_delete, record_restore, record_revert, record_save, record_upsert
from .review import change_set_approve, change_set_reject

__all__ = [
    "HISTORY_BOOKKEEPING", "PublishingRefused", "RestoreError", "UncitedFact", "array_cursor",
    "can_publish", "change_set_approve", "change_set_reject", "change_set_start", "current_change_set",
    "intake_change_set", "publication_checks", "record_delete", "record_restore", "record_revert", "record_save",
    "record_upsert", "records_bulk_create", "records_bulk_publish", "records_bulk_update", "require_reason", "require_user",
]  # fmt: skip
