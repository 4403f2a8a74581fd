"""Footnotes: numbering the citations a page shows and collecting them into its references list.

A page asks `References.notes_for(citations)` for the markers of each fact, in the
order it renders the facts; the same quote from the same source keeps one number
wherever it is cited again. `references.entries` is then the numbered list, and
`by_source(references.entries)` the same entries under their sources, each source once.

Each marker is a `Note`: a place in the page (its id) that cites a reference. The
`footnotes` template tags draw the markers and record which places were drawn, so
the references list, drawn after them, links back only to places on the page
(Wikipedia's "^ a b c").
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
    places: list[str] = field(default_factory=list)  # ids of the markers citing it that the page has drawn
    _marked: int = 0  # markers handed out so far, drawn or not

    @property
    def anchor(self) -> str:
        return f"ref-{self.number}"

    def new_place(self) -> str:
        self._marked += 1
        return f"cite-{self.number}-{self._marked}"

    @property
    def backlinks(self) -> list[tuple[str, str]]:
        """(letter, place id) of each drawn marker: a, b, c … (aa, ab … past z)."""
        return [(_letters(index), place) for index, place in enumerate(self.places)]


@dataclass
class Note:
    """One marker of a reference, at one place of the page."""

    reference: Reference
    place: str

    @property
    def number(self) -> int:
        return self.reference.number

    @property
    def anchor(self) -> str:
        return self.reference.anchor


@dataclass
class SourceReferences:
    """A source once, with the references that quote it, in the order of their numbers."""

    source: object  # sources.models.Source
    references: list[Reference]


def by_source(references: Iterable[Reference]) -> list[SourceReferences]:
    """The references under their sources, each source once, in the order the page first cites them."""
    grouped: dict[int, SourceReferences] = {}
    for reference in references:
        source = reference.citation.source
        grouped.setdefault(source.pk, SourceReferences(source, [])).references.append(reference)
    return list(grouped.values())


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


class References:
    def __init__(self) -> None:
        self.entries: list[Reference] = []
        self._by_key: dict[tuple[int, str, str], Reference] = {}

    def notes_for(self, citations: Iterable[Citation], *, supports: str = "") -> list[Note]:
        """The markers for one fact, at one place; `supports` says which fact, for the references list."""
        notes: list[Note] = []
        for citation in citations:
            key = (citation.source_id, " ".join(citation.quote.split()), citation.locator)
            reference = self._by_key.get(key)
            if reference is None:
                reference = Reference(number=len(self.entries) + 1, citation=citation)
                self._by_key[key] = reference
                self.entries.append(reference)
            if supports and supports not in reference.supports:
                reference.supports.append(supports)
            if all(note.reference is not reference for note in notes):
                notes.append(Note(reference, reference.new_place()))
        return notes

    def notes_by_field(self, record: models.Model, citations: Iterable[Citation]) -> dict[str, list[Note]]:
        """A record's own citations keyed by the field each supports; "record" for those supporting it as a whole."""
        notes: dict[str, list[Note]] = defaultdict(list)
        for citation in citations:
            supports = f"{record} — {field_label(type(record), citation.field)}" if citation.field else str(record)
            at = notes[citation.field or "record"]
            at.extend(note for note in self.notes_for([citation], supports=supports) if all(n.reference is not note.reference for n in at))
        return dict(notes)


def field_label(model: type[models.Model], name: str) -> str:
    """How a reader names a citable field: its verbose name, or the name itself for a part that is not one column."""
    if not name:
        return ""
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ")
