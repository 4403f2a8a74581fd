"""Reads of theatres for the public faces: the list of maps, one map with its timeline, text equivalent and references,
and the maps a group is on. Public records only, each page in a fixed number of queries.

A theatre covers the groups its editors list (`TheatreGroup`) and every group operating in one of its countries that was
active within its period; of the relationships, those between two of its groups."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kb.cache import depends_on_lists
from sources.references import Note, Reference, References, SourceReferences, by_source
from sources.selectors import prefetch_public_citations

from .figures.timelines import Timeline, theatre_timeline
from .models import Affiliation, Group, Theatre, TheatreGroup
from .selectors import related_groups_shown


def public_theatres() -> QuerySet[Theatre]:
    return Theatre.objects.public()


def theatres_for_list() -> QuerySet[Theatre]:
    return public_theatres()


# A period still open ends after any year a group's dates may name.
OPEN_END = 9999


class _SharesCountry(Func):
    """Whether two multiple `CountryField`s, stored as comma-separated two-letter codes ("AF,PK"), name a country in
    common: their codes as arrays, overlapping (`&&`). Either side may be a column, an outer reference or a value."""

    template = "string_to_array(%(expressions)s, ',')"
    arg_joiner = ", ',') && string_to_array("
    output_field = BooleanField()


def _countries(codes) -> Value:
    return Value(",".join(str(code) for code in codes))


def on_map(*, theatre, countries, start_year, end_year) -> Q:
    """The condition on a public group for a theatre's map to draw it: listed for it (whatever its dates: the editors
    chose it), or operating in one of its `countries` and active within its period, founded by `end_year` (`OPEN_END`
    for a period still open) and not dissolved before `start_year`.

    A partial date is stored as the first day of the period it names (`kb.dates`), which lies in the year it names,
    so comparing years reads every precision rightly: a group dissolved "in 2014" is still active in a period from
    2014, one dissolved on 31 December 2013 is not. A date the sources do not give keeps the group in.

    The arguments are the theatre's fields as values, or as outer references (`theatre` is the one the `TheatreGroup`
    subquery reads), so one theatre's groups and every theatre's groups in one query (`groups.exports`) are the same."""
    listed = TheatreGroup.objects.public().filter(theatre_id=theatre, group=OuterRef("pk"))
    active = (Q(dissolved__isnull=True) | Q(dissolved__year__gte=start_year)) & (Q(founded__isnull=True) | Q(founded__year__lte=end_year))
    return Q(Exists(listed)) | (Q(_SharesCountry(F("countries"), countries)) & active)


def theatre_groups(theatre: Theatre) -> QuerySet[Group]:
    """The public groups `theatre` covers (`on_map`)."""
    depends_on_lists(Group)  # a group that comes to operate in one of its countries joins the map
    return Group.objects.public().filter(
        on_map(
            theatre=theatre.pk,
            countries=_countries(theatre.countries),
            start_year=theatre.start_year,
            end_year=theatre.end_year or OPEN_END,
        )
    )


def groups_of_outer_theatre() -> QuerySet[Group]:
    """The public groups of the theatre an outer query reads (`on_map`): for a subquery."""
    return Group.objects.public().filter(
        on_map(
            theatre=OuterRef(OuterRef("pk")),
            countries=OuterRef("countries"),
            start_year=OuterRef("start_year"),
            end_year=Coalesce(OuterRef("end_year"), Value(OPEN_END)),
        )
    )


def theatres_of(group: Group) -> list[Theatre]:
    """The public theatres whose maps draw `group`, by name. One query."""
    depends_on_lists(Theatre)  # a theatre found by its countries (a membership's write reaches the group by its key)
    return list(public_theatres().filter(Exists(groups_of_outer_theatre().filter(pk=group.pk))).only("name", "slug"))


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
    with related_groups_shown():  # by their names, dates and relationships: their aliases' edits leave the map as it is
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
