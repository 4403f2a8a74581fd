"""Every public fact cites its source: a fact (a group's record, an alias, a relationship, a designation, an attack,
an attribution) is public only with at least one citation that is public with it.

Publishing a fact, or a group that makes its aliases and relationships public, checks them; unpublishing or deleting
a citation or a source checks the facts it supported. A write made of several saves (an admin form with its
inline rows, an approval, the demo-data load) checks once at its end, inside its transaction, so a group and its
first citation can be published together (`publication_checks`).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q

from kb.models import curated_models

_state = threading.local()


class UncitedFact(ValidationError):
    pass


@contextmanager
def publication_checks() -> Iterator[None]:
    """Defer the citation checks of the saves inside to its end (nested uses join the outermost)."""
    if getattr(_state, "pending", None) is not None:
        yield
        return
    _state.pending = defaultdict(list)
    try:
        yield
        pending = _state.pending
    finally:
        _state.pending = None
    _check(pending)


def check_facts(model: type[models.Model], condition: Q) -> None:
    """Check (now, or at the end of `publication_checks`) that the public facts of `model` matching `condition`, and
    what they make public, each have a public citation."""
    pending = getattr(_state, "pending", None)
    checks = _with_dependents(model, condition)
    if pending is None:
        _check(checks)
    else:
        for checked_model, conditions in checks.items():
            pending[checked_model].extend(conditions)


def check_records(records: Iterable[models.Model]) -> None:
    by_model = defaultdict(set)
    for record in records:
        by_model[type(record)].add(record.pk)
    for model, ids in by_model.items():
        check_facts(model, Q(pk__in=ids))


def _with_dependents(model, condition: Q) -> dict:
    """`condition` on `model`, and the records public only through those (an alias through its group…)."""
    checks = defaultdict(list)
    checks[model].append(condition)
    ids = model.objects.filter(condition).values("pk")
    for dependent in curated_models():
        for name in dependent.PUBLISHED_WITH:
            if dependent._meta.get_field(name).related_model is model:
                checks[dependent].append(Q(**{f"{name}__in": ids}))
    return checks


def citations_exist(model: type[models.Model]) -> Exists:
    relation = model._meta.get_field("citations")
    citation = relation.related_model
    return Exists(citation.objects.filter(citation.supports_publicly_q(), **{relation.field.name: OuterRef("pk")}))


def uncited_public_facts(model: type[models.Model], condition: Q):
    return model.objects.public().filter(condition).exclude(citations_exist(model))


def _check(checks: dict) -> None:
    problems = []
    for model, conditions in checks.items():
        if not getattr(model, "NEEDS_CITATION", False):
            continue
        for condition in conditions:
            # Counted first: a LIMIT would have the planner hunt row by row for the few it expects, and at an
            # import's scale there are none; a count joins whole tables, which is what finding none costs anyway.
            uncited = uncited_public_facts(model, condition)
            count = uncited.count()
            if count:
                names = [f"{model._meta.verbose_name} “{fact}”" for fact in uncited.order_by("pk")[:5]]
                problems += names + ([f"{count - 5} more {model._meta.verbose_name_plural}"] if count > 5 else [])
    if problems:
        raise UncitedFact(
            "Every public fact cites its source. This would leave public without a public citation: "
            + "; ".join(problems)
            + ". Publish a citation of each (from a published source) first or in the same change, or leave it a draft."
        )
