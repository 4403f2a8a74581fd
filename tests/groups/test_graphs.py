import datetime
import math
import re
from dataclasses import replace

import pytest

from groups.figures.geometry import Shape, parse_path, path_distance
from groups.figures.graphs import (
    ALLEGIANCE,
    COOPERATION,
    MAX_NODES,
    NODE_RADIUS,
    RIVALRY,
    STRUCTURE,
    GraphOptions,
    active_in,
    crossings,
    relationship_graph,
)
from groups.models import Affiliation, AffiliationKind, Group


def group(pk, name):
    return Group(pk=pk, name=name, slug=f"g{pk}")


def affiliation(source, target, kind, **extra):
    return Affiliation(from_group=source, to_group=target, kind=kind, **extra)


def url(g):
    return f"/groups/{g.slug}/"


CENTRE = group(1, "Islamic State")
KHORASAN = group(2, "Islamic State Khorasan Province")
QAEDA = group(3, "al-Qaeda")
LEJ = group(4, "Lashkar-e-Jhangvi Al-Alami")
STRANGER = group(5, "Unrelated Front")


def test_no_relationships_no_graph():
    assert relationship_graph(CENTRE, [], url_for=url) is None
    assert relationship_graph(CENTRE, [affiliation(QAEDA, STRANGER, AffiliationKind.RIVAL_OF)], url_for=url) is None


def test_centre_in_the_middle_neighbours_around_it_each_linked():
    graph = relationship_graph(
        CENTRE,
        [
            affiliation(KHORASAN, CENTRE, AffiliationKind.BRANCH_OF),
            affiliation(CENTRE, QAEDA, AffiliationKind.RIVAL_OF),
            affiliation(LEJ, CENTRE, AffiliationKind.COOPERATED_WITH),
        ],
        url_for=url,
    )
    centre, *others = graph.nodes
    assert (centre.name, centre.x, centre.y, centre.is_centre) == ("Islamic State", 0, 0, True)
    assert {node.url for node in others} == {"/groups/g2/", "/groups/g3/", "/groups/g4/"}
    distances = {round((node.x**2 + node.y**2) ** 0.5) for node in others}
    assert len(distances) == 1 and distances.pop() >= 100


def test_edges_are_typed_directed_only_when_the_kind_is():
    graph = relationship_graph(
        CENTRE,
        [
            affiliation(KHORASAN, CENTRE, AffiliationKind.BRANCH_OF),
            affiliation(KHORASAN, CENTRE, AffiliationKind.PLEDGED_ALLEGIANCE_TO),
            affiliation(CENTRE, QAEDA, AffiliationKind.RIVAL_OF),
            affiliation(LEJ, CENTRE, AffiliationKind.COOPERATED_WITH),
        ],
        url_for=url,
    )
    by_family = {edge.family: edge for edge in graph.edges}
    assert by_family[STRUCTURE].directed and by_family[ALLEGIANCE].directed
    assert not by_family[RIVALRY].directed and not by_family[COOPERATION].directed
    assert graph.families == [STRUCTURE, ALLEGIANCE, COOPERATION, RIVALRY]
    assert by_family[STRUCTURE].title == "Islamic State Khorasan Province branch or province of Islamic State"


def test_parallel_edges_between_two_groups_bow_apart():
    graph = relationship_graph(
        CENTRE,
        [affiliation(KHORASAN, CENTRE, AffiliationKind.BRANCH_OF), affiliation(KHORASAN, CENTRE, AffiliationKind.PLEDGED_ALLEGIANCE_TO)],
        url_for=url,
    )
    first, second = (edge.path for edge in graph.edges)
    assert first.count("L") == 1 and "Q" in second and first != second


def test_relationships_among_neighbours_are_drawn_and_strangers_left_out():
    graph = relationship_graph(
        CENTRE,
        [
            affiliation(KHORASAN, CENTRE, AffiliationKind.BRANCH_OF),
            affiliation(CENTRE, QAEDA, AffiliationKind.RIVAL_OF),
            affiliation(KHORASAN, QAEDA, AffiliationKind.RIVAL_OF),
            affiliation(QAEDA, STRANGER, AffiliationKind.ALLIED_WITH),
        ],
        url_for=url,
    )
    assert len(graph.edges) == 3 and "Unrelated Front" not in {node.name for node in graph.nodes}


def test_ended_relationships_are_marked():
    import datetime

    graph = relationship_graph(
        CENTRE,
        [affiliation(KHORASAN, CENTRE, AffiliationKind.ALLIED_WITH, ended=datetime.date(2020, 1, 1), ended_precision="year")],
        url_for=url,
    )
    assert graph.edges[0].ended and "until 2020" in graph.edges[0].title


@pytest.mark.parametrize("neighbours", [1, 4, 30])
def test_every_node_and_label_fits_in_the_view_box(neighbours):
    others = [group(100 + i, f"Group with a fairly long name number {i}") for i in range(neighbours)]
    graph = relationship_graph(CENTRE, [affiliation(other, CENTRE, AffiliationKind.FACTION_OF) for other in others], url_for=url)
    min_x, min_y, width, height = map(float, graph.view_box.split())
    for node in graph.nodes:
        assert min_x <= node.x - node.radius and node.x + node.radius <= min_x + width
        assert min_y <= node.label_y - 12 and node.label_y <= min_y + height
    coordinates = [float(n) for edge in graph.edges for n in re.findall(r"-?\d+\.\d", edge.path)]
    assert all(min(min_x, min_y) <= c <= max(min_x + width, min_y + height) for c in coordinates)
    assert f"{neighbours} related groups" in graph.description


# --- Geometry: no edge passes through a node it does not join -------------------------------------------------


def clique(count, kinds=(AffiliationKind.RIVAL_OF,)):
    """The centre related to `count` groups, every one of them related to every other in each of `kinds`."""
    others = [group(200 + i, f"Neighbour number {i} of a clique") for i in range(count)]
    affiliations = [affiliation(other, CENTRE, AffiliationKind.BRANCH_OF) for other in others]
    for i, first in enumerate(others):
        for second in others[i + 1 :]:
            affiliations += [affiliation(first, second, kind) for kind in kinds]
    return affiliations


def assert_clear(graph):
    assert crossings(graph) == []
    centre = graph.nodes[0]
    for edge in graph.edges:  # nor through the name in the middle, which is written inside its node
        if centre.key not in edge.ends:
            assert path_distance(edge.path, centre.shape) >= 6


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 12, 20, 30])
def test_no_edge_crosses_a_node_it_does_not_join_in_a_star(count):
    others = [group(300 + i, f"Spoke {i}") for i in range(count)]
    graph = relationship_graph(CENTRE, [affiliation(other, CENTRE, AffiliationKind.FACTION_OF) for other in others], url_for=url)
    assert_clear(graph)


@pytest.mark.parametrize("count", [2, 3, 4, 6, 9, 12, 20])
def test_no_edge_crosses_a_node_it_does_not_join_in_a_clique(count):
    graph = relationship_graph(CENTRE, clique(count, kinds=(AffiliationKind.RIVAL_OF, AffiliationKind.ALLIED_WITH)), url_for=url)
    assert len(graph.edges) == count + count * (count - 1)
    assert_clear(graph)


def test_the_check_sees_an_edge_drawn_through_a_node():
    graph = relationship_graph(CENTRE, clique(4), url_for=url)
    edge = next(edge for edge in graph.edges if graph.nodes[0].key not in edge.ends)  # between two neighbours
    start = parse_path(edge.path).start
    through = replace(edge, path=f"M{start[0]:.1f} {start[1]:.1f} L{-start[0]:.1f} {-start[1]:.1f}")  # across the middle
    assert True in [node.is_centre for _, node, _ in crossings(replace(graph, edges=[through]))]


def test_a_curve_is_checked_along_its_length_not_only_at_its_ends():
    node = Shape(0, 0, 9)
    assert path_distance("M-50.0 -40.0 Q0.0 40.0 50.0 -40.0", node) < 0 < path_distance("M-50.0 -40.0 L50.0 -40.0", node)


def test_parallel_relationships_are_distinct_curves_between_the_same_two_groups():
    kinds = [AffiliationKind.BRANCH_OF, AffiliationKind.PLEDGED_ALLEGIANCE_TO, AffiliationKind.SUPPORTED_BY, AffiliationKind.INSPIRED_BY]
    graph = relationship_graph(CENTRE, [affiliation(KHORASAN, CENTRE, kind) for kind in kinds], url_for=url)
    middles = [parse_path(edge.path).at(0.5) for edge in graph.edges]
    assert all(math.dist(a, b) >= 6 for i, a in enumerate(middles) for b in middles[i + 1 :])
    assert_clear(graph)


def test_the_centre_is_a_pill_holding_its_name_and_edges_start_at_its_edge():
    graph = relationship_graph(CENTRE, clique(6), url_for=url)
    centre = graph.nodes[0]
    assert centre.is_centre and centre.label_anchor == "middle" and centre.width >= len(CENTRE.name) * 6
    for edge in graph.edges:
        curve = parse_path(edge.path)
        for end in (curve.start, curve.end):
            assert min(abs(node.shape.distance(end)) for node in graph.nodes) < 3.5  # every edge ends at a node's outline


def test_names_on_the_same_side_never_overlap():
    graph = relationship_graph(CENTRE, clique(30), url_for=url)
    for anchor in ("start", "end"):
        heights = sorted(node.label_y for node in graph.nodes if node.label_anchor == anchor)
        assert all(b - a >= 14 for a, b in zip(heights, heights[1:], strict=False))


# --- Two steps away, and a year ---------------------------------------------------------------------------


def test_two_steps_adds_the_groups_beyond_the_neighbours_up_to_a_limit():
    far = [group(400 + i, f"Far group {i}") for i in range(40)]
    affiliations = [affiliation(KHORASAN, CENTRE, AffiliationKind.BRANCH_OF), affiliation(QAEDA, CENTRE, AffiliationKind.RIVAL_OF)]
    affiliations += [affiliation(other, KHORASAN if i % 2 else QAEDA, AffiliationKind.FACTION_OF) for i, other in enumerate(far)]
    affiliations.append(affiliation(far[0], far[2], AffiliationKind.ALLIED_WITH))  # among the groups two steps away

    one = relationship_graph(CENTRE, affiliations, url_for=url)
    assert len(one.nodes) == 3 and one.far == 0

    two = relationship_graph(CENTRE, affiliations, url_for=url, options=GraphOptions(hops=2))
    assert len(two.nodes) == MAX_NODES and two.far == MAX_NODES - 3 and two.left_out == 40 - (MAX_NODES - 3)
    assert {n.name for n in two.nodes if n.far} <= {g.name for g in far} and all(n.radius < NODE_RADIUS for n in two.nodes if n.far)
    assert any(edge.ends == (400, 402) for edge in two.edges)
    assert "2 related groups and 27 two steps away" in two.description
    assert_clear(two)


def dated(source, target, kind, started=None, ended=None):
    return affiliation(
        source,
        target,
        kind,
        started=datetime.date(started, 1, 1) if started else None,
        started_precision="year" if started else "unknown",
        ended=datetime.date(ended, 1, 1) if ended else None,
        ended_precision="year" if ended else "unknown",
    )


YEARS_OF = [
    dated(KHORASAN, CENTRE, AffiliationKind.BRANCH_OF, started=2015),
    dated(CENTRE, QAEDA, AffiliationKind.RIVAL_OF, started=2013, ended=2016),
    dated(LEJ, CENTRE, AffiliationKind.COOPERATED_WITH, ended=2014),
    affiliation(STRANGER, CENTRE, AffiliationKind.ALLIED_WITH),  # no date known
]


@pytest.mark.parametrize(
    ("year", "names"),
    [
        (2012, {"Lashkar-e-Jhangvi Al-Alami"}),
        (2014, {"al-Qaeda", "Lashkar-e-Jhangvi Al-Alami"}),
        (2015, {"al-Qaeda", "Islamic State Khorasan Province"}),
        (2017, {"Islamic State Khorasan Province"}),
    ],
)
def test_a_year_keeps_the_relationships_active_in_it(year, names):
    graph = relationship_graph(CENTRE, YEARS_OF, url_for=url, options=GraphOptions(year=year))
    assert {node.name for node in graph.nodes if not node.is_centre} == names
    assert graph.undated == 1 and f"active in {year}" in graph.description
    assert [link.year for link in graph.year_links] == [None, 2013, 2014, 2015, 2016]
    assert [link.year for link in graph.year_links if link.current] == ([year] if year in (2014, 2015) else [])


def test_a_year_with_nothing_active_gives_an_empty_graph_not_none():
    graph = relationship_graph(CENTRE, [YEARS_OF[0], YEARS_OF[-1]], url_for=url, options=GraphOptions(year=1990))
    assert graph is not None and graph.empty and graph.nodes == [] and graph.undated == 1


def test_precision_other_than_unknown_gives_the_year():
    late = dated(KHORASAN, CENTRE, AffiliationKind.BRANCH_OF, started=2015)
    late.started_precision = "late"
    assert active_in(late, 2015) and not active_in(late, 2014)
    late.started_precision = "unknown"
    assert active_in(late, 2014) is None


@pytest.mark.parametrize(
    ("query", "hops", "year", "problem"),
    [
        ({}, 1, None, None),
        ({"hops": "2", "year": "2014"}, 2, 2014, None),
        ({"hops": "3"}, 1, None, "one or two steps"),
        ({"year": "20x4"}, 1, None, "is not a year"),
        ({"year": "99999"}, 1, None, "is not a year"),
        ({"year": "0001"}, 1, None, "is not a year"),
        ({"year": "\u0662\u0660\u0661\u0664"}, 1, None, "is not a year"),  # digits of another script
    ],
)
def test_options_are_read_from_the_query_and_bad_ones_said(query, hops, year, problem):
    options = GraphOptions.from_query(query)
    assert (options.hops, options.year) == (hops, year)
    assert (problem is None and not options.problems) or problem in options.problems[0]


def test_links_keep_the_other_option():
    options = GraphOptions(hops=2, year=2014)
    assert options.query(year=None) == "?hops=2" and options.query(hops=1) == "?year=2014" and GraphOptions().query() == "?"
