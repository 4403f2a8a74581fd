"""Writes to sources and citations, through `kb.services` so history records who and why."""

from __future__ import annotations

from typing import Any

from django.db import models

from kb.services import record_upsert

from .models import CITATION_TARGETS, Citation, Source


def source_upsert(*, slug: str, values: dict[str, Any], user, reason: str) -> tuple[Source, bool]:
    return record_upsert(model=Source, lookup={"slug": slug}, values=values, user=user, reason=reason)


def citation_upsert(
    *,
    target: models.Model,
    source: Source,
    quote: str,
    field: str = "",
    values: dict[str, Any] | None = None,
    user,
    reason: str,
    change_set=None,
) -> tuple[Citation, bool]:
    """Cite `quote` from `source` for `target` (a group, alias, affiliation, designation, attack or attribution)."""
    target_field = citation_target_field(target)
    return record_upsert(
        model=Citation,
        lookup={target_field: target, "source": source, "quote": quote, "field": field},
        values=values or {},
        user=user,
        reason=reason,
        change_set=change_set,
    )


def citation_target_field(target: models.Model) -> str:
    """The citation's foreign key to records of `target`'s kind."""
    name = next((name for name in CITATION_TARGETS if Citation._meta.get_field(name).related_model is type(target)), None)
    if name is None:
        raise ValueError(f"{type(target).__name__} records cannot be cited.")
    return name
