"""Reads of theatres for the public faces: the list of maps, one map with its timeline, text equivalent and references,
and the maps a group is on. Public records only, each page in a fixed number of queries.

A theatre covers the groups its editors list (`TheatreGroup`) and every group operating in one of its countries that was
active within its period; of the relationships, those between two of its groups."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from sources.references import Note, Reference, References, SourceReferences, by_source
from sources.selectors import prefetch_public_citations

from .figures.timelines import Timeline, theatre_timeline
from .models import Affiliation, Group, Theatre, TheatreGroup


def public_theatres() -> QuerySet[Theatre]:
    return Theatre.objects.public()


def theatres_for_list() -> QuerySet[Theatre]:
    return public_theatres()


def _countries_q(codes, field_name: str = "countries") -> Q:
    # `countries` is stored as comma-separated two-letter codes: a code can only match as a whole.
    condition = Q(pk__in=[])
    for code in codes:
        condition |= Q(**{f"{field_name}__contains": str(code)})
    return condition


def _active_within(start_year: int, end_year: int | None) -> Q:
    """Groups active at some time in the years `start_year` to `end_year` (None: still open): founded by its end and not
    dissolved before its start. A partial date is stored as the first day of the period it names (`kb.dates`), which
    lies in the year it names, so comparing years reads every precision rightly: a group dissolved "in 2014" is still
    active in a period from 2014, one dissolved on 31 December 2013 is not. A date the sources do not give keeps the
    group in."""
    condition = Q(dissolved__isnull=True) | Q(dissolved__year__gte=start_year)
    if end_year is not None:
        condition &= Q(founded__isnull=True) | Q(founded__year__lte=end_year)
    return condition


def _covering(group: Group) -> Q:
    """Theatres whose period the group was active in (`_active_within`, read from the group's side)."""
    condition = Q()
    if group.founded is not None:
        condition &= Q(end_year__isnull=True) | Q(end_year__gte=group.founded.year)
    if group.dissolved is not None:
        condition &= Q(start_year__lte=group.dissolved.year)
    return condition


def theatre_groups(theatre: Theatre) -> QuerySet[Group]:
    """The public groups `theatre` covers: listed for it (whatever their dates: the editors chose them), or operating in
    one of its countries and active within its period."""
    listed = TheatreGroup.objects.public().filter(theatre_id=theatre.pk, group=OuterRef("pk"))
    in_region = _countries_q(theatre.countries) & _active_within(theatre.start_year, theatre.end_year)
    return Group.objects.public().filter(Q(Exists(listed)) | in_region)


def theatres_of(group: Group) -> list[Theatre]:
    """The public theatres whose maps draw `group`, by name. One query."""
    listed = TheatreGroup.objects.public().filter(theatre=OuterRef("pk"), group_id=group.pk)
    in_region = _countries_q(group.countries) & _covering(group)
    return list(public_theatres().filter(Q(Exists(listed)) | in_region).only("name", "slug"))


@dataclass(frozen=True)
class RelationshipEntry:
    affiliation: Affiliation
    notes: list[Note]
    when: str  # where the figure draws it, or why it does not


@dataclass
class TheatrePage:
    theatre: Theatre
    end_year: int  # the period's end, or this year for an open one
    groups: list[Group]  # in the figure's order
    timeline: Timeline | None
    drawn: list[RelationshipEntry]
    undrawn: list[RelationshipEntry]
    references: list[Reference] = field(default_factory=list)

    @property
    def reference_sources(self) -> list[SourceReferences]:
        return by_source(self.references)


def theatre_page(slug: str, *, today: datetime.date | None = None) -> TheatrePage:
    """Everything a theatre's map shows. Raises Theatre.DoesNotExist. Four queries: the theatre, its groups, the
    relationships among them, and their citations."""
    theatre = public_theatres().get(slug=slug)
    end_year = theatre.end_year or max((today or timezone.now().date()).year, theatre.start_year)
    groups = list(theatre_groups(theatre))
    ids = [group.pk for group in groups]
    affiliations = list(
        Affiliation.objects.public()
        .filter(from_group__in=ids, to_group__in=ids)
        .select_related("from_group", "to_group")
        .prefetch_related(prefetch_public_citations())
    )
    references = References()
    notes: dict[int, list[Note]] = {}

    def cite(affiliation: Affiliation) -> tuple[str, str]:
        notes[affiliation.pk] = references.notes_for(affiliation.public_citations, supports=str(affiliation))
        numbers = [note.number for note in notes[affiliation.pk]]
        if not numbers:
            return "", ""
        return f"#ref-{numbers[0]}", ("reference " if len(numbers) == 1 else "references ") + ", ".join(map(str, numbers))

    timeline = theatre_timeline(
        groups, affiliations, start_year=theatre.start_year, end_year=end_year, url_for=lambda g: g.get_absolute_url(), cite=cite
    )
    drawn, undrawn = [], []
    if timeline is not None:
        drawn = [RelationshipEntry(link.affiliation, notes[link.affiliation.pk], link.when) for link in timeline.links]
        for item in timeline.undrawn:
            entry_notes = references.notes_for(item.affiliation.public_citations, supports=str(item.affiliation))
            undrawn.append(RelationshipEntry(item.affiliation, entry_notes, item.reason))
    return TheatrePage(
        theatre=theatre,
        end_year=end_year,
        groups=[row.group for row in timeline.rows] if timeline else [],
        timeline=timeline,
        drawn=drawn,
        undrawn=undrawn,
        references=references.entries,
    )
