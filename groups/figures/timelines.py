"""A theatre's groups over its period, laid out on the server and drawn as SVG: the genealogy of its "map".

The x axis is the theatre's years, one tick a year (every fifth year on a long period). Each group is one row: a
line from its founding to its end. A date known to the day or month starts or ends the line with a short bar; a date
known only to the year (or part of it) is drawn faint over the months it may fall in; an unknown founding is a
faint dashed lead-in from the start of the period, an unknown end a faint dashed tail to its end; a group still
active, or ending after the period, runs to the end with an open arrow, and one founded before it starts with one.

A relationship between two groups of the theatre is a vertical link at its start, coloured and dashed by its family
(`graphs.EDGE_FAMILIES`, as in the relationship graph). A split (splinter, formed by former members) with no start of
its own is drawn at the founding of the new group, and a merger at the end of the merged one: those dates are the
event itself, not a guess. Every other relationship with no known start is not drawn (`Timeline.undrawn`, with the
reason), nor is one that started outside the period.

Rows keep related groups together: each group comes after the group it split from, is a branch or faction of, or
merged into, then its siblings in order of founding. Labels sit above their lines, one row apart, so they never touch;
the figure is drawn one unit to a pixel (labels 12 px) and scrolls sideways when wider than the page.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kb.dates import DatePrecision, format_partial_date

from ..models import Affiliation, AffiliationKind, Group, GroupStatus
from .graphs import EDGE_FAMILIES, FAMILY_OF_KIND, EdgeFamily

FONT_SIZE = 12
CHAR_WIDTH = 6.6  # average width of a 12px sans-serif character (as in graphs)
LEFT = 16  # room for an open arrow at the start of the period
RIGHT = 24  # and at its end
AXIS_Y = 30  # the year axis, its labels above it
FIRST_ROW = 66
ROW = 40  # between two rows' lines: the label (12 px) above its line never reaches the row above
LABEL_RISE = 7  # a label's baseline above its line
LABEL_INSET = 8  # a label starts this far right of its line's start, clear of a link drawn there
MIN_PLOT_WIDTH = 560
MIN_YEAR_WIDTH = 48  # a year's label (4 digits, ~27 px) with room around it
LONG_PERIOD = 40  # years; past it a year is narrower and only every fifth is labelled
LEAD = 28  # the faint lead-in of an unknown founding, or tail of an unknown end
LINK_GAP = 7  # the least distance between two links whose rows overlap
BOTTOM = 16

PRECISE = (DatePrecision.DAY, DatePrecision.MONTH)
# A split's child is the relationship's first group; its start is the child's founding.
SPLIT_KINDS = (AffiliationKind.SPLINTER_FROM, AffiliationKind.FORMED_BY_FORMER_MEMBERS_OF)
# Which relationship makes a group a child of another, for the order of rows: the first found wins.
PARENT_KINDS = (
    AffiliationKind.SPLINTER_FROM,
    AffiliationKind.FORMED_BY_FORMER_MEMBERS_OF,
    AffiliationKind.BRANCH_OF,
    AffiliationKind.FACTION_OF,
    AffiliationKind.FORMERLY_PART_OF,
    AffiliationKind.MERGED_INTO,
)


def date_span(value: datetime.date | None, precision: str) -> tuple[float, float] | None:
    """The stretch of years a partial date may fall in, as fractional years: (2015.0, 2016.0) for "2015", a point for
    a day; None when it is not known."""
    if value is None or precision == DatePrecision.UNKNOWN:
        return None
    year = value.year
    if precision == DatePrecision.DAY:
        days = (datetime.date(year + 1, 1, 1) - datetime.date(year, 1, 1)).days
        point = year + (value - datetime.date(year, 1, 1)).days / days
        return point, point
    if precision == DatePrecision.MONTH:
        return year + (value.month - 1) / 12, year + value.month / 12
    thirds = {DatePrecision.EARLY: 0, DatePrecision.MID: 1, DatePrecision.LATE: 2}
    if precision in thirds:
        return year + thirds[precision] / 3, year + (thirds[precision] + 1) / 3
    return float(year), float(year + 1)


@dataclass(frozen=True)
class Segment:
    x1: float
    x2: float
    faint: bool = False  # a stretch the dates do not fix: approximate, or unknown
    dashed: bool = False  # unknown


@dataclass(frozen=True)
class Row:
    group: Group
    name: str
    url: str
    y: float
    x_start: float  # where the line begins (faint or not)
    x_end: float
    segments: list[Segment]
    start: str  # "known", "approximate", "unknown", "before" (the period)
    end: str  # "known", "approximate", "unknown", "active", "after", "merged"
    label_x: float
    label_y: float
    label_width: float
    title: str

    @property
    def start_bar(self) -> bool:
        return self.start == "known"

    @property
    def end_bar(self) -> bool:
        return self.end in ("known", "merged")

    @property
    def arrow_start(self) -> bool:
        return self.start == "before"

    @property
    def arrow_end(self) -> bool:
        return self.end in ("active", "after")


@dataclass(frozen=True)
class Link:
    affiliation: Affiliation
    family: EdgeFamily
    x: float
    y_from: float  # the row the link starts at (its dot)
    y_to: float  # the row its arrow points at, for a directed kind
    directed: bool
    title: str
    href: str  # the reference that cites it, or the profile of its first group
    when: str  # what the x stands for: "Jan 2015", "2015 (founding of ISKP)"

    @property
    def path(self) -> str:
        return f"M{self.x:.1f} {self.y_from:.1f} V{self.y_to:.1f}"


@dataclass(frozen=True)
class Undrawn:
    affiliation: Affiliation
    reason: str


@dataclass(frozen=True)
class Tick:
    year: int
    x: float  # where the year begins
    labelled: bool
    label_x: float  # the middle of the year (of five years, on a long period), where its label is centred


@dataclass
class Timeline:
    start_year: int
    end_year: int
    rows: list[Row]
    links: list[Link]
    undrawn: list[Undrawn]
    ticks: list[Tick]
    width: int
    height: int
    year_width: float
    families: tuple[EdgeFamily, ...] = EDGE_FAMILIES
    axis_y: int = AXIS_Y

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def description(self) -> str:
        drawn = len(self.links)
        return (
            f"{len(self.rows)} group{'s' if len(self.rows) != 1 else ''} from {self.start_year} to {self.end_year}, one line each from "
            f"founding to end; {drawn} relationship{'s' if drawn != 1 else ''} drawn at {'their' if drawn != 1 else 'its'} start"
            + (f"; {len(self.undrawn)} not drawn, listed below the figure." if self.undrawn else ".")
        )

    @property
    def plot_right(self) -> float:
        """Where the period ends: the end of its last year."""
        return self.x_of(self.end_year + 1)

    def x_of(self, value: float) -> float:
        return _x(value, self.start_year, self.end_year, self.year_width)


def _x(value: float, start_year: int, end_year: int, year_width: float) -> float:
    value = min(max(value, start_year), end_year + 1)
    return round(LEFT + (value - start_year) * year_width, 1)


def label_box(row: Row) -> tuple[float, float, float, float]:
    """The box a row's label takes: left, top, right, bottom."""
    return row.label_x, row.label_y - FONT_SIZE, row.label_x + row.label_width, row.label_y + 3


def theatre_timeline(
    groups: Iterable[Group],
    affiliations: Iterable[Affiliation],
    *,
    start_year: int,
    end_year: int,
    url_for: Callable[[Group], str],
    cite: Callable[[Affiliation], tuple[str, str]] | None = None,
) -> Timeline | None:
    """The timeline of `groups` from `start_year` to the end of `end_year`, with the `affiliations` among them (others
    are ignored). `cite(affiliation)` gives a link's address and how its title names the reference ("reference 3");
    without it, a link leads to its first group's profile. None when there is no group."""
    groups = list({group.pk: group for group in groups}.values())
    if not groups:
        return None
    if end_year < start_year:
        raise ValueError(f"The period cannot end ({end_year}) before it starts ({start_year}).")
    ids = {group.pk for group in groups}
    among = [a for a in affiliations if a.from_group_id in ids and a.to_group_id in ids and a.from_group_id != a.to_group_id]
    years = end_year - start_year + 1
    year_width = max(math.ceil(MIN_PLOT_WIDTH / years), MIN_YEAR_WIDTH if years <= LONG_PERIOD else 12)
    x = lambda value: _x(value, start_year, end_year, year_width)  # noqa: E731
    plot_right = x(end_year + 1)
    merged_at = _merger_dates(among)

    rows: list[Row] = []
    for index, group in enumerate(row_order(groups, among)):
        y = FIRST_ROW + index * ROW
        rows.append(_row(group, y, x, start_year, end_year, plot_right, merged_at.get(group.pk), url_for))
    width = math.ceil(max(plot_right + RIGHT, *(row.label_x + row.label_width + RIGHT for row in rows)))
    by_id = {row.group.pk: row for row in rows}
    links, undrawn = _links(among, by_id, x, start_year, end_year, cite, url_for)
    step = 1 if year_width >= MIN_YEAR_WIDTH - 8 else 5
    ticks = [
        Tick(year, x(year), (year - start_year) % step == 0, round(x(year) + min(step, end_year + 1 - year) * year_width / 2, 1))
        for year in range(start_year, end_year + 1)
    ]
    height = FIRST_ROW + (len(rows) - 1) * ROW + BOTTOM
    return Timeline(start_year, end_year, rows, links, undrawn, ticks, width, height, year_width)


def row_order(groups: list[Group], affiliations: list[Affiliation]) -> list[Group]:
    """Each group once: those with no parent on the map in order of founding (then name), each followed by the groups
    that split from it, are its branches or factions, or merged into it, and so on down."""
    by_id = {group.pk: group for group in groups}
    parent_of: dict[int, int] = {}
    ranked = sorted(
        (a for a in affiliations if a.kind in PARENT_KINDS),
        key=lambda a: (PARENT_KINDS.index(a.kind), by_id[a.to_group_id].name.casefold(), a.to_group_id),
    )
    for affiliation in ranked:
        child, parent = affiliation.from_group_id, affiliation.to_group_id
        if child in parent_of:
            continue
        ancestor = parent
        while ancestor is not None and ancestor != child:
            ancestor = parent_of.get(ancestor)
        if ancestor is None:  # no loop
            parent_of[child] = parent
    children: dict[int | None, list[Group]] = defaultdict(list)
    for group in groups:
        children[parent_of.get(group.pk)].append(group)

    def key(group: Group):
        span = date_span(group.founded, group.founded_precision)
        return (span is None, span[0] if span else 0, group.name.casefold(), group.pk)

    order: list[Group] = []

    def visit(group: Group) -> None:
        order.append(group)
        for child in sorted(children[group.pk], key=key):
            visit(child)

    for root in sorted(children[None], key=key):
        visit(root)
    return order


def _merger_dates(affiliations: list[Affiliation]) -> dict[int, tuple[float, str]]:
    """The dated mergers: the merged group's id → the year it merged, and that date as written."""
    merged: dict[int, tuple[float, str]] = {}
    for affiliation in affiliations:
        span = date_span(affiliation.started, affiliation.started_precision)
        if affiliation.kind == AffiliationKind.MERGED_INTO and span is not None:
            merged.setdefault(affiliation.from_group_id, (span[0], _date_text(affiliation.started, affiliation.started_precision)))
    return merged


def _date_text(value, precision) -> str:
    return format_partial_date(value, precision)


def _row(group, y, x, start_year, end_year, plot_right, merged, url_for) -> Row:
    left = x(start_year)
    segments: list[Segment] = []
    founded = date_span(group.founded, group.founded_precision)
    if founded is None:
        start, x_start, solid_from = "unknown", left, left + LEAD
        segments.append(Segment(left, left + LEAD, faint=True, dashed=True))
        formed = "founding date unknown"
    elif founded[1] <= start_year:
        start, x_start, solid_from = "before", left, left
        formed = f"formed {group.founded_display}, before the period"
    else:
        x_start, solid_from = x(founded[0]), x(founded[1])
        start = "known" if group.founded_precision in PRECISE else "approximate"
        if solid_from > x_start:
            segments.append(Segment(x_start, solid_from, faint=True))
        formed = f"formed {group.founded_display}" + (" (date approximate)" if start == "approximate" else "")

    dissolved = date_span(group.dissolved, group.dissolved_precision)
    if dissolved is not None and dissolved[0] < end_year + 1:
        end = "known" if group.dissolved_precision in PRECISE else "approximate"
        solid_to, x_end = x(dissolved[0]), x(dissolved[1])
        ended = f"ended {group.dissolved_display}" + (" (date approximate)" if end == "approximate" else "")
    elif dissolved is not None:
        end, solid_to, x_end, ended = "after", plot_right, plot_right, f"ended {group.dissolved_display}, after the period"
    elif merged is not None and merged[0] < end_year + 1:
        end, solid_to, x_end, ended = "merged", x(merged[0]), x(merged[0]), f"merged {merged[1]}"
    elif group.status == GroupStatus.ACTIVE:
        end, solid_to, x_end, ended = "active", plot_right, plot_right, "active"
    else:
        end, solid_to, x_end = "unknown", plot_right - LEAD, plot_right
        ended = "end date unknown" if group.status != GroupStatus.UNKNOWN else "whether and when it ended is not known"
    solid_from = min(solid_from, solid_to)
    if solid_to > solid_from:
        segments.append(Segment(solid_from, solid_to))
    if x_end > solid_to:
        segments.append(Segment(solid_to, x_end, faint=True, dashed=end == "unknown"))
    width = len(group.name) * CHAR_WIDTH
    label_x = round(min(max(x_start + LABEL_INSET, left), plot_right - width), 1)
    label_x = max(label_x, 2.0)
    return Row(
        group=group,
        name=group.name,
        url=url_for(group),
        y=y,
        x_start=x_start,
        x_end=x_end,
        segments=sorted(segments, key=lambda s: s.x1),
        start=start,
        end=end,
        label_x=label_x,
        label_y=y - LABEL_RISE,
        label_width=round(width, 1),
        title=f"{group.name}: {formed}; {ended}.",
    )


def _links(affiliations, rows: dict[int, Row], x, start_year, end_year, cite, url_for) -> tuple[list[Link], list[Undrawn]]:
    links: list[Link] = []
    undrawn: list[Undrawn] = []
    placed: list[tuple[float, float, float]] = []  # x and the rows it spans
    for affiliation in sorted(affiliations, key=lambda a: (a.started is None, a.started or datetime.date.min, a.pk or 0)):
        source, target = rows[affiliation.from_group_id], rows[affiliation.to_group_id]
        span, when = _link_date(affiliation)
        if span is None:
            undrawn.append(Undrawn(affiliation, "no known date"))
            continue
        if span < start_year or span >= end_year + 1:
            undrawn.append(Undrawn(affiliation, f"began {when}, outside the period"))
            continue
        link_x = x(span)
        low, high = sorted((source.y, target.y))
        while any(abs(link_x - other) < LINK_GAP and low <= other_high and other_low <= high for other, other_low, other_high in placed):
            link_x += LINK_GAP
        placed.append((link_x, low, high))
        directed = not affiliation.is_symmetric
        # A split points from the group split from to the new group; every other kind as in the relationship graph.
        y_from, y_to = (target.y, source.y) if affiliation.kind in SPLIT_KINDS else (source.y, target.y)
        href, reference = cite(affiliation) if cite else ("", "")
        title = f"{source.name} {affiliation.get_kind_display()} {target.name}, {when}"
        if affiliation.confidence != "reported":
            title += f" ({affiliation.get_confidence_display().lower()})"
        links.append(
            Link(
                affiliation=affiliation,
                family=FAMILY_OF_KIND[affiliation.kind],
                x=link_x,
                y_from=y_from,
                y_to=y_to,
                directed=directed,
                title=title + (f"; {reference}" if reference else ""),
                href=href or url_for(source.group),
                when=when,
            )
        )
    return links, undrawn


def _link_date(affiliation: Affiliation) -> tuple[float | None, str]:
    """Where a relationship is drawn (its start, in fractional years) and how its title says when."""
    started = date_span(affiliation.started, affiliation.started_precision)
    if started is not None:
        return started[0], _date_text(affiliation.started, affiliation.started_precision)
    child = affiliation.from_group
    if affiliation.kind in SPLIT_KINDS and (founded := date_span(child.founded, child.founded_precision)):
        return founded[0], f"{child.founded_display} (when {child.name} was formed)"
    if affiliation.kind == AffiliationKind.MERGED_INTO and (ended := date_span(child.dissolved, child.dissolved_precision)):
        return ended[0], f"{child.dissolved_display} (when {child.name} ended)"
    return None, ""
