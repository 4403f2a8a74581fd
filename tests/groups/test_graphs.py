import re

import pytest

from groups.figures.graphs import ALLEGIANCE, COOPERATION, RIVALRY, STRUCTURE, relationship_graph
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
