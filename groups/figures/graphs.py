"""The relationship graph of a group's neighbourhood, laid out on the server and drawn as SVG.

The group sits in the middle, its name written inside its node. The groups it has a relationship with stand
on a circle around it, in two columns (right, then left), ordered by kind of relationship so that like edges
sit together, their names beside them and never above one another. On request (`?hops=2`) the groups two steps
away join the circle next to the group that leads to them, drawn smaller; `?year=` keeps the relationships
active in that year. Relationships among the groups shown are drawn too, each routed as a curve clear of every
node it does not join (`geometry.route`), and several relationships between the same two groups as distinct
curves. Every edge is coloured and dashed by its family (structure, allegiance, cooperation, rivalry), directed
kinds carry an arrowhead, and each node links to its profile. No JavaScript.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urlencode

from kb.dates import DatePrecision

from ..models import Affiliation, AffiliationKind, Group
from .geometry import Curve, Shape, parse_path, path_distance, route, trimmed


@dataclass(frozen=True)
class EdgeFamily:
    key: str
    label: str
    colour: str
    dash: str  # SVG stroke-dasharray, so the families differ without colour too


# Okabe–Ito colours, distinguishable with the common colour-vision deficiencies.
STRUCTURE = EdgeFamily("structure", "Structure: branch, faction, splinter, merger", "#0072B2", "")
ALLEGIANCE = EdgeFamily("allegiance", "Allegiance, support, inspiration", "#009E73", "8 4")
COOPERATION = EdgeFamily("cooperation", "Alliance, cooperation, affiliation", "#B8860B", "2 4")
RIVALRY = EdgeFamily("rivalry", "Rivalry", "#D55E00", "12 4 2 4")
EDGE_FAMILIES = (STRUCTURE, ALLEGIANCE, COOPERATION, RIVALRY)

FAMILY_OF_KIND = {
    AffiliationKind.BRANCH_OF: STRUCTURE,
    AffiliationKind.FACTION_OF: STRUCTURE,
    AffiliationKind.SPLINTER_FROM: STRUCTURE,
    AffiliationKind.FORMERLY_PART_OF: STRUCTURE,
    AffiliationKind.MERGED_INTO: STRUCTURE,
    AffiliationKind.FORMED_BY_FORMER_MEMBERS_OF: STRUCTURE,
    AffiliationKind.PLEDGED_ALLEGIANCE_TO: ALLEGIANCE,
    AffiliationKind.SUPPORTED_BY: ALLEGIANCE,
    AffiliationKind.INSPIRED_BY: ALLEGIANCE,
    AffiliationKind.ALLIED_WITH: COOPERATION,
    AffiliationKind.COOPERATED_WITH: COOPERATION,
    AffiliationKind.AFFILIATED_WITH: COOPERATION,
    AffiliationKind.RIVAL_OF: RIVALRY,
}


NODE_RADIUS = 9
FAR_RADIUS = 7  # a group two steps away
CENTRE_HEIGHT = 28  # the pill holding the group's own name
FONT_SIZE = 12  # drawn one unit to a pixel: the figure scrolls sideways rather than shrink its text
_CHAR_WIDTH = 6.6  # average width of a 12px sans-serif character, to keep labels inside the view box
_BOLD_CHAR_WIDTH = 7.4
_LABEL_GAP = 6
_ROW = 26  # the least vertical distance between two groups on the same side, so their names never touch
_SPREAD = math.radians(60)  # the columns reach this far above and below the middle
_MIN_RADIUS = 150.0
_CURVE_STEP = 14  # how far apart parallel edges between the same two groups bow
_CLEARANCE = 6  # how far an edge keeps from a node it does not join
_CENTRE_CLEARANCE = 12  # and from the group in the middle, so an edge passing by never reads as its own
_ARROW_GAP = 2

MAX_NODES = 30  # with the groups two steps away; the direct relationships are always all drawn
YEARS = range(1800, 2101)


@dataclass(frozen=True)
class GraphOptions:
    """What the reader asked the graph to show: `?hops=2` adds the groups two steps away, `?year=2014` keeps the
    relationships active in 2014. `problems` says what in the request could not be read (the graph then shows
    what it would without it)."""

    hops: int = 1
    year: int | None = None
    problems: tuple[str, ...] = ()

    PARAMETERS: ClassVar[tuple[str, ...]] = ("hops", "year")  # the query parameters `from_query` reads

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> GraphOptions:
        problems: list[str] = []
        hops, year = 1, None
        raw_hops = query.get("hops", "").strip()
        if raw_hops in ("1", "2"):
            hops = int(raw_hops)
        elif raw_hops:
            problems.append("The graph shows groups one or two steps away (hops=1 or hops=2); it shows the direct relationships.")
        raw_year = query.get("year", "").strip()
        if re.fullmatch(r"[0-9]{4}", raw_year) and int(raw_year) in YEARS:
            year = int(raw_year)
        elif raw_year:
            problems.append(
                f"“{raw_year[:20]}” is not a year the graph can show (a year from {YEARS.start} to {YEARS.stop - 1}, "
                "such as year=2014); it shows the relationships of every year."
            )
        return cls(hops=hops, year=year, problems=tuple(problems))

    def query(self, **changes) -> str:
        """The query string of these options with `changes` (hops=1 and year=None are left out)."""
        hops, year = changes.get("hops", self.hops), changes.get("year", self.year)
        params = {key: value for key, value in (("hops", hops if hops != 1 else None), ("year", year)) if value is not None}
        return "?" + urlencode(params) if params else "?"


def year_span(affiliation: Affiliation) -> tuple[int | None, int | None]:
    """The years a relationship started and ended, where known (every precision but "unknown" knows the year)."""

    def year(value, precision) -> int | None:
        return value.year if value is not None and precision != DatePrecision.UNKNOWN else None

    return year(affiliation.started, affiliation.started_precision), year(affiliation.ended, affiliation.ended_precision)


def active_in(affiliation: Affiliation, year: int) -> bool | None:
    """Whether the relationship was active at some time in `year`: begun by its end and not ended before it. A start
    or end not known leaves that side open ("until 2017" was active in 2010); None when neither is known."""
    started, ended = year_span(affiliation)
    if started is None and ended is None:
        return None
    return (started is None or started <= year) and (ended is None or year <= ended)


@dataclass(frozen=True)
class Neighbourhood:
    """The groups a graph draws: the centre's direct relations, and the groups two steps away it keeps."""

    affiliations: list[Affiliation]  # the ones drawn: between two groups of the neighbourhood, active in the year asked for
    first: list[Group]
    second: list[Group]
    left_out: int  # groups two steps away not drawn, for want of room
    undated: int  # relationships left out of a year's graph because no date of theirs is known
    years: list[int]  # the years in which the relationships it would draw in any year start or end


def neighbourhood(centre: Group, affiliations: Iterable[Affiliation], options: GraphOptions, *, limit: int = MAX_NODES) -> Neighbourhood:
    """The groups and relationships a graph of `centre` draws from `affiliations` (which may reach further)."""
    every = _neighbourhood(centre, list(affiliations), options.hops, limit)
    years = sorted({year for affiliation in every.affiliations for year in year_span(affiliation) if year is not None})
    if options.year is None:
        return Neighbourhood(every.affiliations, every.first, every.second, every.left_out, 0, years)
    states = [(affiliation, active_in(affiliation, options.year)) for affiliation in every.affiliations]
    active = [affiliation for affiliation, state in states if state]
    kept = _neighbourhood(centre, active, options.hops, limit)
    undated = sum(1 for _, state in states if state is None)
    return Neighbourhood(kept.affiliations, kept.first, kept.second, kept.left_out, undated, years)


def _neighbourhood(centre: Group, affiliations: list[Affiliation], hops: int, limit: int) -> Neighbourhood:
    first: dict[int, tuple[EdgeFamily, Group]] = {}
    for affiliation in affiliations:
        if centre.pk in (affiliation.from_group_id, affiliation.to_group_id):
            other = affiliation.other_group(centre)
            first.setdefault(other.pk, (FAMILY_OF_KIND[affiliation.kind], other))
    family_order = {family.key: index for index, family in enumerate(EDGE_FAMILIES)}
    ordered = [group for _, group in sorted(first.values(), key=lambda item: (family_order[item[0].key], item[1].name.casefold()))]
    inside = {centre.pk} | set(first)
    second: list[Group] = []
    left_out = 0
    if hops == 2:
        links: Counter[int] = Counter()
        groups: dict[int, Group] = {}
        for affiliation in affiliations:
            ends = {affiliation.from_group_id: affiliation.from_group, affiliation.to_group_id: affiliation.to_group}
            inner = [pk for pk in ends if pk in first]
            outer = [pk for pk in ends if pk not in inside]
            if inner and outer:
                links[outer[0]] += 1
                groups[outer[0]] = ends[outer[0]]
        room = max(0, limit - len(inside))
        ranked = sorted(links, key=lambda pk: (-links[pk], groups[pk].name.casefold(), pk))
        second = [groups[pk] for pk in ranked[:room]]
        left_out = max(0, len(ranked) - room)
        inside |= {group.pk for group in second}
    drawn = [a for a in affiliations if a.from_group_id in inside and a.to_group_id in inside]
    return Neighbourhood(drawn, ordered, second, left_out, 0, [])


@dataclass(frozen=True)
class GraphNode:
    key: int
    name: str
    url: str
    x: float
    y: float
    radius: int
    is_centre: bool
    label_x: float
    label_y: float
    label_anchor: str
    far: bool = False  # two steps away
    half_width: float = 0.0  # the centre is a pill: this much wider than a circle on each side

    @property
    def shape(self) -> Shape:
        return Shape(self.x, self.y, self.radius, self.half_width)

    @property
    def left(self) -> float:
        return self.x - self.half_width - self.radius

    @property
    def width(self) -> float:
        return 2 * (self.half_width + self.radius)

    @property
    def top(self) -> float:
        return self.y - self.radius

    @property
    def height(self) -> float:
        return 2 * self.radius


@dataclass(frozen=True)
class GraphEdge:
    path: str
    family: EdgeFamily
    directed: bool
    title: str
    ended: bool
    source: GraphNode
    target: GraphNode
    kind: str  # "branch or province of"
    period: str

    @property
    def ends(self) -> tuple[int, int]:
        return self.source.key, self.target.key


@dataclass(frozen=True)
class YearLink:
    year: int | None  # None: every year
    query: str
    current: bool


@dataclass(frozen=True)
class RelationshipGraph:
    width: int
    height: int
    view_box: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    families: list[EdgeFamily]
    options: GraphOptions = field(default_factory=GraphOptions)
    left_out: int = 0
    undated: int = 0
    year_links: list[YearLink] = field(default_factory=list)
    hops_query: str = "?hops=2"  # the address of the other reach (two steps when one is shown, and back)

    @property
    def far(self) -> int:
        return sum(1 for node in self.nodes if node.far)

    @property
    def empty(self) -> bool:
        return not self.edges

    @property
    def description(self) -> str:
        counts = Counter(edge.family.label for edge in self.edges)
        parts = ", ".join(f"{count} × {label.lower()}" for label, count in counts.items())
        related = len(self.nodes) - 1 - self.far
        groups = f"{related} related groups" + (f" and {self.far} two steps away" if self.far else "")
        when = f" active in {self.options.year}" if self.options.year else ""
        return f"{groups}, {len(self.edges)} relationships{when}: {parts}."


def relationship_graph(
    centre: Group,
    affiliations: Iterable[Affiliation],
    *,
    url_for: Callable[[Group], str],
    options: GraphOptions | None = None,
) -> RelationshipGraph | None:
    """Lay out `centre` and every group one of `affiliations` joins it to (and, with hops=2, the groups those are
    joined to); None when it has no relationships. A year with none active gives an `empty` graph.

    `affiliations` may include relationships among the neighbours and beyond; any whose ends are not both
    in the neighbourhood drawn are left out.
    """
    options = options or GraphOptions()
    affiliations = list(affiliations)
    if not any(centre.pk in (a.from_group_id, a.to_group_id) for a in affiliations):
        return None
    around = neighbourhood(centre, affiliations, options)
    ring = _ring_order(around)
    nodes = _layout(centre, ring, {group.pk for group in around.second}, url_for)
    edges = _edges(around.affiliations, {node.key: node for node in nodes})
    families = [family for family in EDGE_FAMILIES if any(edge.family is family for edge in edges)]
    min_x, min_y, max_x, max_y = _extent(nodes, edges)
    width, height = math.ceil(max_x - min_x), math.ceil(max_y - min_y)
    year_links = [YearLink(None, options.query(year=None), options.year is None)] if around.years else []
    year_links += [YearLink(year, options.query(year=year), options.year == year) for year in around.years]
    return RelationshipGraph(
        width=width,
        height=height,
        view_box=f"{min_x:.0f} {min_y:.0f} {width} {height}",
        nodes=nodes if edges else [],
        edges=edges,
        families=families,
        options=options,
        left_out=around.left_out,
        undated=around.undated,
        year_links=year_links,
        hops_query=options.query(hops=1 if options.hops == 2 else 2),
    )


def _ring_order(around: Neighbourhood) -> list[Group]:
    """The direct relations in their order, each followed by the groups two steps away it is the first to lead to."""
    second = {group.pk: group for group in around.second}
    children: dict[int, list[Group]] = defaultdict(list)
    placed: set[int] = set()
    first_ids = [group.pk for group in around.first]
    for parent in first_ids:
        for affiliation in around.affiliations:
            ends = (affiliation.from_group_id, affiliation.to_group_id)
            if parent not in ends:
                continue
            other = ends[1] if ends[0] == parent else ends[0]
            if other in second and other not in placed:
                placed.add(other)
                children[parent].append(second[other])
    ring: list[Group] = []
    for group in around.first:
        ring.append(group)
        ring += sorted(children[group.pk], key=lambda g: g.name.casefold())
    return ring


def _layout(centre: Group, ring: list[Group], far: set[int], url_for: Callable[[Group], str]) -> list[GraphNode]:
    """The centre as a pill holding its name; the others on a circle, the first half down its right side and
    the rest up its left, evenly spaced in height so that their names, written outwards, never overlap."""
    radius = CENTRE_HEIGHT / 2
    half_width = max(0.0, len(centre.name) * _BOLD_CHAR_WIDTH / 2 - 2)
    nodes = [
        GraphNode(
            key=centre.pk,
            name=centre.name,
            url=url_for(centre),
            x=0.0,
            y=0.0,
            radius=int(radius),
            is_centre=True,
            label_x=0.0,
            label_y=4.0,
            label_anchor="middle",
            half_width=round(half_width, 1),
        )
    ]
    right = math.ceil(len(ring) / 2)
    left = len(ring) - right
    circle = max(_MIN_RADIUS, half_width + radius + 100, _ROW * max(right, 1) / (2 * math.sin(_SPREAD)))
    reach = circle * math.sin(_SPREAD)
    for index, group in enumerate(ring):
        side, position, count = (1, index, right) if index < right else (-1, left - 1 - (index - right), left)
        y = reach * (2 * (position + 0.5) / count - 1)
        x = side * math.sqrt(circle * circle - y * y)
        node_radius = FAR_RADIUS if group.pk in far else NODE_RADIUS
        nodes.append(
            GraphNode(
                key=group.pk,
                name=group.name,
                url=url_for(group),
                x=round(x, 1),
                y=round(y, 1),
                radius=node_radius,
                is_centre=False,
                label_x=round(x + side * (node_radius + _LABEL_GAP), 1),
                label_y=round(y + 4, 1),
                label_anchor="start" if side > 0 else "end",
                far=group.pk in far,
            )
        )
    return nodes


def _edges(affiliations: list[Affiliation], nodes: dict[int, GraphNode]) -> list[GraphEdge]:
    """Every relationship as a curve clear of the nodes it does not join; those between the same two groups apart."""
    order = {key: index for index, key in enumerate(nodes)}
    by_pair: dict[tuple[int, int], list[Affiliation]] = defaultdict(list)
    for affiliation in affiliations:
        pair = tuple(sorted((affiliation.from_group_id, affiliation.to_group_id), key=order.__getitem__))
        by_pair[pair].append(affiliation)
    edges: list[GraphEdge] = []
    for (first, second), between in by_pair.items():
        a, b = nodes[first], nodes[second]
        obstacles = [
            _inflated(node.shape, _CENTRE_CLEARANCE - _CLEARANCE if node.is_centre else 0)
            for node in nodes.values()
            if node.key not in (first, second)
        ]
        start, end = _anchor(a, b), _anchor(b, a)
        # Nearest to straight first; among bowed curves, those bending towards the middle, away from the names.
        chord_middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
        normal = (-(end[1] - start[1]), end[0] - start[0])
        prefer = -(normal[0] * chord_middle[0] + normal[1] * chord_middle[1])
        curves = route(_at(a.shape, start), _at(b.shape, end), obstacles, margin=_CLEARANCE, step=_CURVE_STEP, prefer=prefer)
        chosen = [curve for _, (_, curve) in zip(between, curves, strict=False)]
        if len(chosen) < len(between):  # nowhere clear: keep them apart at least (no layout here comes to this)
            chosen += [Curve.bowed(start, end, _CURVE_STEP * (i + 1)) for i in range(len(between) - len(chosen))]
        for affiliation, curve in zip(between, chosen, strict=True):
            forward = affiliation.from_group_id == first
            source, target = (a, b) if forward else (b, a)
            drawn = trimmed(curve if forward else curve.reversed(), source.shape, target.shape, end_gap=_ARROW_GAP)
            edges.append(
                GraphEdge(
                    path=drawn.path(),
                    family=FAMILY_OF_KIND[affiliation.kind],
                    directed=not affiliation.is_symmetric,
                    title=str(affiliation) + (f" ({affiliation.period_display})" if affiliation.period_display else ""),
                    ended=affiliation.ended is not None,
                    source=source,
                    target=target,
                    kind=affiliation.get_kind_display(),
                    period=affiliation.period_display,
                )
            )
    return edges


def _anchor(node: GraphNode, toward: GraphNode) -> tuple[float, float]:
    """Where an edge to `toward` leaves `node`: its centre, or for the pill the end of its spine on that side."""
    return (node.x + max(-node.half_width, min(node.half_width, toward.x - node.x)), node.y)


def _at(shape: Shape, point: tuple[float, float]) -> Shape:
    """`shape`, centred at `point` on its spine (for routing from there)."""
    return Shape(point[0], point[1], shape.radius, 0.0) if shape.half_width else shape


def _inflated(shape: Shape, extra: float) -> Shape:
    return Shape(shape.x, shape.y, shape.radius + extra, shape.half_width)


def _extent(nodes: list[GraphNode], edges: list[GraphEdge]) -> tuple[float, float, float, float]:
    """The box holding every node, its label and every edge, with a margin."""
    xs: list[float] = []
    ys: list[float] = []
    for node in nodes:
        label_width = len(node.name) * _CHAR_WIDTH
        left = {"start": 0.0, "middle": label_width / 2, "end": label_width}[node.label_anchor]
        xs += [node.left, node.left + node.width, node.label_x - left, node.label_x - left + label_width]
        ys += [node.y - node.radius, node.y + node.radius, node.label_y - FONT_SIZE, node.label_y + 4]
    for edge in edges:
        for x, y in parse_path(edge.path).points(16):
            xs.append(x)
            ys.append(y)
    margin = 8
    return min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin


def crossings(graph: RelationshipGraph, *, margin: float = 3.0) -> list[tuple[GraphEdge, GraphNode, float]]:
    """Every edge that passes within `margin` of a node it does not join, as drawn (read back from its path data),
    with how near it comes: none, for a graph a reader can follow."""
    found = []
    for edge in graph.edges:
        for node in graph.nodes:
            if node.key not in edge.ends and (distance := path_distance(edge.path, node.shape)) < margin:
                found.append((edge, node, distance))
    return found
