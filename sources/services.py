"""Writes to sources and citations, through `kb.services` so history records who and why."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from kb.services import record_save, record_upsert

from .models import CITATION_TARGETS, Citation, Source


def source_upsert(*, key: str, values: dict[str, Any], user, reason: str) -> tuple[Source, bool]:
    """Create or update the source whose address is or was `key`. A new one gets an address from its title
    (`sources.slugs`), and `key` stays one of its earlier addresses, which lead to it and find it next time."""
    found = Source.objects.filter(Q(slug=key) | Q(previous_slugs__contains=[key])).values_list("pk", flat=True).first()
    if found is not None:
        return record_upsert(model=Source, lookup={"pk": found}, values=values, user=user, reason=reason)
    return record_save(instance=Source(previous_slugs=[key], **values), user=user, reason=reason), True


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
