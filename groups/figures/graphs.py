"""The relationship graph of a group's neighbourhood, laid out on the server and drawn as SVG.

The group sits in the middle, the groups it has a relationship with on a circle
around it, ordered by kind of relationship so that like edges sit together.
Relationships among the neighbours are drawn too. Every edge is coloured and
dashed by its family (structure, allegiance, cooperation, rivalry), directed
kinds carry an arrowhead, and each node links to its profile. No JavaScript.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..models import Affiliation, AffiliationKind, Group


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
CENTRE_RADIUS = 13
_CHAR_WIDTH = 6.6  # average width of a 12px sans-serif character, to keep labels inside the view box
_LABEL_GAP = 6
_CURVE_STEP = 14  # how far apart parallel edges between the same two groups bow


@dataclass(frozen=True)
class GraphNode:
    name: str
    url: str
    x: float
    y: float
    radius: int
    is_centre: bool
    label_x: float
    label_y: float
    label_anchor: str


@dataclass(frozen=True)
class GraphEdge:
    path: str
    family: EdgeFamily
    directed: bool
    title: str
    ended: bool


@dataclass(frozen=True)
class RelationshipGraph:
    width: int
    height: int
    view_box: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    families: list[EdgeFamily]

    @property
    def description(self) -> str:
        counts = Counter(edge.family.label for edge in self.edges)
        parts = ", ".join(f"{count} × {label.lower()}" for label, count in counts.items())
        return f"{len(self.nodes) - 1} related groups, {len(self.edges)} relationships: {parts}."


def relationship_graph(
    centre: Group,
    affiliations: Iterable[Affiliation],
    *,
    url_for: Callable[[Group], str],
) -> RelationshipGraph | None:
    """Lay out `centre` and every group one of `affiliations` joins it to; None when it has no relationships.

    `affiliations` may include relationships among the neighbours; any whose ends are not
    both in the neighbourhood are left out.
    """
    affiliations = list(affiliations)
    neighbours: dict[int, tuple[EdgeFamily, Group]] = {}
    for affiliation in affiliations:
        if centre.pk in (affiliation.from_group_id, affiliation.to_group_id):
            other = affiliation.other_group(centre)
            neighbours.setdefault(other.pk, (FAMILY_OF_KIND[affiliation.kind], other))
    if not neighbours:
        return None

    family_order = {family.key: index for index, family in enumerate(EDGE_FAMILIES)}
    ordered = sorted(neighbours.values(), key=lambda item: (family_order[item[0].key], item[1].name.casefold()))
    radius = max(110.0, len(ordered) * 34 / (2 * math.pi))
    positions: dict[int, tuple[float, float]] = {centre.pk: (0.0, 0.0)}
    nodes = [_node(centre, url_for(centre), 0.0, 0.0, is_centre=True)]
    for index, (_, group) in enumerate(ordered):
        angle = -math.pi / 2 + 2 * math.pi * index / len(ordered)
        x, y = radius * math.cos(angle), radius * math.sin(angle)
        positions[group.pk] = (x, y)
        nodes.append(_node(group, url_for(group), x, y, is_centre=False))

    edges: list[GraphEdge] = []
    seen_pairs: Counter[frozenset[int]] = Counter()
    for affiliation in affiliations:
        ends = (affiliation.from_group_id, affiliation.to_group_id)
        if not all(end in positions for end in ends):
            continue
        pair = frozenset(ends)
        edges.append(_edge(affiliation, positions[ends[0]], positions[ends[1]], parallel_index=seen_pairs[pair]))
        seen_pairs[pair] += 1

    families = [family for family in EDGE_FAMILIES if any(edge.family is family for edge in edges)]
    min_x, min_y, max_x, max_y = _extent(nodes)
    width, height = math.ceil(max_x - min_x), math.ceil(max_y - min_y)
    return RelationshipGraph(
        width=width,
        height=height,
        view_box=f"{min_x:.0f} {min_y:.0f} {width} {height}",
        nodes=nodes,
        edges=edges,
        families=families,
    )


def _node(group: Group, url: str, x: float, y: float, *, is_centre: bool) -> GraphNode:
    radius = CENTRE_RADIUS if is_centre else NODE_RADIUS
    if is_centre:
        label_x, label_y, anchor = x, y + radius + 16, "middle"
    else:
        length = math.hypot(x, y)
        ux, uy = x / length, y / length
        label_x = x + ux * (radius + _LABEL_GAP)
        label_y = y + uy * (radius + _LABEL_GAP) + 4
        anchor = "middle" if abs(ux) < 0.3 else ("start" if ux > 0 else "end")
        if anchor == "middle":
            label_y += 10 if uy > 0 else -4
    return GraphNode(
        name=group.name,
        url=url,
        x=round(x, 1),
        y=round(y, 1),
        radius=radius,
        is_centre=is_centre,
        label_x=round(label_x, 1),
        label_y=round(label_y, 1),
        label_anchor=anchor,
    )


def _edge(affiliation: Affiliation, start: tuple[float, float], end: tuple[float, float], *, parallel_index: int) -> GraphEdge:
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    start_gap = CENTRE_RADIUS if (x1, y1) == (0.0, 0.0) else NODE_RADIUS
    end_gap = (CENTRE_RADIUS if (x2, y2) == (0.0, 0.0) else NODE_RADIUS) + 2
    sx, sy = x1 + ux * start_gap, y1 + uy * start_gap
    ex, ey = x2 - ux * end_gap, y2 - uy * end_gap
    # Parallel edges bow alternately to either side: 0, +1, -1, +2…
    bow = ((parallel_index + 1) // 2) * _CURVE_STEP * (1 if parallel_index % 2 else -1)
    if bow:
        cx, cy = (sx + ex) / 2 - uy * bow, (sy + ey) / 2 + ux * bow
        path = f"M{sx:.1f} {sy:.1f} Q{cx:.1f} {cy:.1f} {ex:.1f} {ey:.1f}"
    else:
        path = f"M{sx:.1f} {sy:.1f} L{ex:.1f} {ey:.1f}"
    return GraphEdge(
        path=path,
        family=FAMILY_OF_KIND[affiliation.kind],
        directed=not affiliation.is_symmetric,
        title=str(affiliation) + (f" ({affiliation.period_display})" if affiliation.period_display else ""),
        ended=affiliation.ended is not None,
    )


def _extent(nodes: list[GraphNode]) -> tuple[float, float, float, float]:
    """The box holding every node and its label, with a margin."""
    xs: list[float] = []
    ys: list[float] = []
    for node in nodes:
        label_width = len(node.name) * _CHAR_WIDTH
        left = {"start": 0.0, "middle": label_width / 2, "end": label_width}[node.label_anchor]
        xs += [node.x - node.radius, node.x + node.radius, node.label_x - left, node.label_x - left + label_width]
        ys += [node.y - node.radius, node.y + node.radius, node.label_y - 12, node.label_y + 4]
    margin = 8
    return min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin
