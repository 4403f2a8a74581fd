"""Footnotes: numbering the citations a page shows and collecting them into its references list.

A page asks `References.notes_for(citations)` for the markers of each fact, in the
order it renders the facts; the same quote from the same source keeps one number
wherever it is cited again. `references.entries` is then the numbered list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .models import Citation


@dataclass
class Reference:
    number: int
    citation: Citation
    supports: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"ref-{self.number}"


class References:
    def __init__(self) -> None:
        self.entries: list[Reference] = []
        self._by_key: dict[tuple[int, str, str], Reference] = {}

    def notes_for(self, citations: Iterable[Citation], *, supports: str = "") -> list[Reference]:
        """The numbered references for one fact; `supports` says which fact, for the references list."""
        notes: list[Reference] = []
        for citation in citations:
            key = (citation.source_id, " ".join(citation.quote.split()), citation.locator)
            reference = self._by_key.get(key)
            if reference is None:
                reference = Reference(number=len(self.entries) + 1, citation=citation)
                self._by_key[key] = reference
                self.entries.append(reference)
            if supports and supports not in reference.supports:
                reference.supports.append(supports)
            if all(note is not reference for note in notes):
                notes.append(reference)
        return notes

    def notes_by_field(self, record: models.Model, citations: Iterable[Citation]) -> dict[str, list[Reference]]:
        """A record's own citations keyed by the field each supports; "record" for those supporting it as a whole."""
        notes: dict[str, list[Reference]] = defaultdict(list)
        for citation in citations:
            supports = f"{record} — {field_label(type(record), citation.field)}" if citation.field else str(record)
            notes[citation.field or "record"].extend(self.notes_for([citation], supports=supports))
        return dict(notes)


def field_label(model: type[models.Model], name: str) -> str:
    """How a reader names a citable field: its verbose name, or the name itself for a part that is not one column."""
    if not name:
        return ""
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ")
