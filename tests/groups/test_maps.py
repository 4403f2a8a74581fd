import json
import math
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django_countries import countries

from groups.figures.maps import (
    ATTACK_MAP_NARROWEST,
    CLIP_MARGIN,
    LOCATOR_MAP_NARROWEST,
    MARKER_RADIUS,
    MIN_LABEL_PX,
    MIN_SPAN_DEGREES,
    OUTLINES_FILE,
    MapPoint,
    attack_map,
    locator_map,
)

QUETTA = MapPoint(latitude=30.18, longitude=66.99, label="8 Aug 2016 — Quetta, Pakistan: hospital bombing", url="/attacks/quetta-2016/")
KABUL = MapPoint(latitude=34.53, longitude=69.17, label="Kabul, Afghanistan", url="/attacks/kabul/")
KARACHI = MapPoint(latitude=24.86, longitude=67.01, label="Karachi, Pakistan", url="/attacks/karachi/")


def rings_of(path: str) -> list[list[tuple[float, float]]]:
    """The rings of an `M…L…Z` path as lists of (x, y)."""
    return [[(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", ring)] for ring in path.split("Z") if ring]


def inside(point: tuple[float, float], rings: list[list[tuple[float, float]]]) -> bool:
    """Even-odd ray casting, as the template's fill-rule draws it."""
    x, y = point
    crossings = 0
    for ring in rings:
        for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
                crossings += 1
    return crossings % 2 == 1


def country(attack_map_, name):
    return next(c for c in attack_map_.countries if c.name == name)


def test_no_points_no_map():
    assert attack_map([]) is None


def test_an_attack_in_quetta_is_drawn_inside_pakistan_among_its_neighbours():
    quetta_map = attack_map([QUETTA])
    (point,) = quetta_map.points
    assert inside((point.x, point.y), rings_of(country(quetta_map, "Pakistan").path))
    assert not inside((point.x, point.y), rings_of(country(quetta_map, "Afghanistan").path))
    names = {c.name for c in quetta_map.countries}
    assert {"Pakistan", "Afghanistan"} <= names
    assert "Brazil" not in names and "Russia" not in names
    assert country(quetta_map, "Pakistan").code == "PK"
    assert (point.label, point.url) == (QUETTA.label, QUETTA.url)


def test_a_single_attack_shows_its_surroundings_centred_on_it():
    quetta_map = attack_map([QUETTA], width=480, height=320)
    bounds = quetta_map.bounds
    assert bounds.north - bounds.south >= MIN_SPAN_DEGREES
    assert bounds.south < QUETTA.latitude < bounds.north and bounds.west < QUETTA.longitude < bounds.east
    assert (quetta_map.points[0].x, quetta_map.points[0].y) == (240.0, 160.0)
    assert quetta_map.view_box == "0 0 480 320"


def test_distant_attacks_both_fit_with_room_around_them():
    kabul_karachi = attack_map([KABUL, KARACHI])
    for point in kabul_karachi.points:
        assert 0.1 * kabul_karachi.width < point.x < 0.9 * kabul_karachi.width
        assert 0.1 * kabul_karachi.height < point.y < 0.9 * kabul_karachi.height
    kabul, karachi = kabul_karachi.points
    assert kabul.y < karachi.y  # north is up
    assert {label.name for label in kabul_karachi.labels} >= {"Pakistan", "Afghanistan"}


@pytest.mark.parametrize("width, height", [(480, 320), (300, 300), (200, 400)])
def test_the_view_keeps_the_shapes_of_countries(width, height):
    bounds = attack_map([KABUL, KARACHI], width=width, height=height).bounds
    middle_latitude = math.radians((bounds.north + bounds.south) / 2)
    ground_width = (bounds.east - bounds.west) * math.cos(middle_latitude)
    assert ground_width / (bounds.north - bounds.south) == pytest.approx(width / height, rel=0.01)


def test_decimal_coordinates_from_the_database_are_accepted():
    from_decimals = attack_map([MapPoint(latitude=Decimal("30.180000"), longitude=Decimal("66.990000"), label="Quetta", url="/q/")])
    from_floats = attack_map([MapPoint(latitude=30.18, longitude=66.99, label="Quetta", url="/q/")])
    assert from_decimals == from_floats


def test_attacks_at_the_same_place_each_get_a_marker_of_their_own():
    same_place = [MapPoint(latitude=30.18, longitude=66.99, label=f"Attack {n}", url=f"/attacks/{n}/") for n in range(5)]
    markers = attack_map(same_place).points
    assert [marker.url for marker in markers] == [f"/attacks/{n}/" for n in range(5)]
    assert len({(marker.x, marker.y) for marker in markers}) == 5
    first = markers[0]
    assert (first.x, first.y) == (400 / 2, 270 / 2)  # the middle of a map of the default size
    assert all(math.dist((first.x, first.y), (marker.x, marker.y)) < 20 for marker in markers)


def test_outlines_are_cut_to_the_view():
    kabul_map = attack_map([KABUL])
    for drawn in kabul_map.countries:
        for x, y in (point for ring in rings_of(drawn.path) for point in ring):
            assert -CLIP_MARGIN <= x <= kabul_map.width + CLIP_MARGIN and -CLIP_MARGIN <= y <= kabul_map.height + CLIP_MARGIN


@pytest.mark.parametrize("place", [MapPoint(64.73, 177.5, "Anadyr", "/a/"), MapPoint(-17.8, 178.0, "Suva", "/s/")])
def test_countries_across_the_antimeridian_draw_no_stripe_over_the_map(place):
    near_antimeridian = attack_map([place])
    on_frame = (-CLIP_MARGIN, near_antimeridian.width + CLIP_MARGIN, near_antimeridian.height + CLIP_MARGIN)
    for drawn in near_antimeridian.countries:
        for ring in rings_of(drawn.path):
            for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
                along_the_frame = any(a[axis] == b[axis] and a[axis] in on_frame for axis in (0, 1))
                assert along_the_frame or math.dist(a, b) < near_antimeridian.width / 2, (drawn.name, a, b)


def test_places_off_the_globe_are_refused():
    with pytest.raises(ValueError, match="not a latitude and longitude"):
        attack_map([MapPoint(latitude=66.99, longitude=190, label="swapped", url="/x/")])


def test_the_outlines_name_countries_by_the_codes_the_site_uses():
    outlines = json.loads(OUTLINES_FILE.read_text(encoding="utf-8"))
    assert len(outlines) > 170
    codes = [outline["code"] for outline in outlines if outline["code"]]
    assert len(codes) == len(set(codes))
    assert all(countries.name(code) for code in codes)
    assert {outline["name"]: outline["code"] for outline in outlines}["Pakistan"] == "PK"


def test_the_include_draws_one_link_per_attack_with_labels_escaped():
    hostile = MapPoint(latitude=31.5, longitude=65.7, label='<script>alert("x")</script> Kandahar', url="/attacks/kandahar/")
    html = render_to_string("groups/includes/attack_map.html", {"attack_map": attack_map([QUETTA, KABUL, hostile])})
    assert "<svg" in html and 'viewBox="0 0 400 270"' in html
    assert html.count("<a href") == 3 and html.count('class="map-point"') == 3
    assert 'href="/attacks/kandahar/"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<path class="map-country"' in html and "<title>Pakistan</title>" in html
    assert "Places of attacks with known coordinates (3)" in html and "Natural Earth" in html
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched from elsewhere


def test_the_include_writes_coordinates_svg_can_read_in_any_language():
    with translation.override("de"):
        html = render_to_string("groups/includes/attack_map.html", {"attack_map": attack_map([QUETTA, KABUL])})
    coordinates = re.findall(r' (?:cx|cy|x|y)="([^"]*)"', html)
    assert coordinates and all(re.fullmatch(r"-?\d+(\.\d)?", value) for value in coordinates)


def test_the_include_renders_nothing_without_a_map():
    assert render_to_string("groups/includes/attack_map.html", {"attack_map": attack_map([])}).strip() == ""


# Shaded countries, place names, and names that read on a phone

QUETTA_NAMED = MapPoint(latitude=30.18, longitude=66.99, label="Attack in Quetta", url="", name="Quetta")
LEVANT = ["SY", "IQ", "LB", "JO", "TR"]


def points_of(path: str) -> list[tuple[float, float]]:
    return [point for ring in rings_of(path) for point in ring]


def test_a_shaded_country_is_drawn_whole_in_view_named_and_titled_with_its_note():
    pakistan_map = attack_map([], shaded={"PK": "3 attacks"})
    pakistan = country(pakistan_map, "Pakistan")
    assert pakistan.shaded and pakistan.title == "Pakistan (3 attacks)"
    assert all(0 <= x <= pakistan_map.width and 0 <= y <= pakistan_map.height for x, y in points_of(pakistan.path))
    xs, ys = zip(*points_of(pakistan.path), strict=True)
    assert max(xs) - min(xs) > pakistan_map.width / 4 or max(ys) - min(ys) > pakistan_map.height / 4  # not a speck
    assert not country(pakistan_map, "Afghanistan").shaded
    (label,) = [label for label in pakistan_map.labels if label.kind == "shaded"]
    assert label.name == "Pakistan" and inside((label.x, label.y), rings_of(pakistan.path))
    assert pakistan_map.shaded == [pakistan]


def test_a_small_shaded_country_is_named_even_where_its_name_overflows_it():
    lebanon_map = locator_map(["LB"])
    assert "Lebanon" in {label.name for label in lebanon_map.labels if label.kind == "shaded"}
    assert {c.name for c in lebanon_map.shaded} == {"Lebanon"}


def test_with_places_the_view_fits_them_and_shades_the_countries_around():
    shaded_too = attack_map([QUETTA], shaded={"PK": "1 attack"})
    assert shaded_too.bounds == attack_map([QUETTA]).bounds
    assert country(shaded_too, "Pakistan").shaded


def test_the_place_name_sits_beside_its_marker_inside_the_view():
    quetta_map = attack_map([QUETTA_NAMED])
    (marker,) = quetta_map.points
    (label,) = [label for label in quetta_map.labels if label.kind == "place"]
    assert label.name == "Quetta"
    box = label.box
    gap_x = max(box.left - marker.x, marker.x - box.right, 0)
    gap_y = max(box.top - marker.y, marker.y - box.bottom, 0)
    assert MARKER_RADIUS <= math.hypot(gap_x, gap_y) <= 3 * MARKER_RADIUS  # near it, never over it
    assert box.within(quetta_map.width, quetta_map.height)


def test_a_place_name_near_the_edge_goes_to_the_other_side_of_its_marker():
    east = MapPoint(latitude=24.86, longitude=67.01, label="Karachi", url="", name="A rather long place name")
    west = MapPoint(latitude=34.53, longitude=69.17, label="Kabul", url="", name="Kabul")
    both = attack_map([west, east])
    labels = {label.name: label for label in both.labels if label.kind == "place"}
    assert set(labels) == {"Kabul", "A rather long place name"}
    assert all(label.box.within(both.width, both.height) for label in labels.values())


@pytest.mark.parametrize(
    "drawn",
    [
        lambda: attack_map([QUETTA_NAMED]),
        lambda: attack_map([KABUL, KARACHI, QUETTA_NAMED], shaded={"PK": "2 attacks", "AF": "1 attack"}),
        lambda: attack_map([], shaded={"PK": "3 attacks", "AF": "1 attack", "IN": "1 attack"}),
        lambda: locator_map(LEVANT),
        lambda: locator_map(["US", "FR", "NG", "ID"]),
    ],
)
def test_names_never_overlap_one_another_or_a_marker_and_stay_in_view(drawn):
    figure = drawn()
    assert figure.labels
    for n, label in enumerate(figure.labels):
        assert label.box.within(figure.width, figure.height), label
        for other in figure.labels[n + 1 :]:
            assert not label.box.overlaps(other.box), (label, other)
        for point in figure.points:
            assert math.dist((point.x, point.y), (label.x, label.y)) > MARKER_RADIUS
            marker_box_clear = (
                point.x + MARKER_RADIUS <= label.box.left
                or point.x - MARKER_RADIUS >= label.box.right
                or point.y + MARKER_RADIUS <= label.box.top
                or point.y - MARKER_RADIUS >= label.box.bottom
            )
            assert marker_box_clear, (label, point)


def test_every_shaded_country_in_a_locator_map_is_named():
    levant = locator_map(LEVANT)
    assert {label.name for label in levant.labels if label.kind == "shaded"} == {c.name for c in levant.shaded}
    assert {c.code for c in levant.shaded} == set(LEVANT)


@pytest.mark.parametrize(
    "figure, narrowest",
    [(lambda: attack_map([QUETTA]), ATTACK_MAP_NARROWEST), (lambda: locator_map(["PK"]), LOCATOR_MAP_NARROWEST)],
)
def test_names_read_at_12_px_where_the_map_is_narrowest(figure, narrowest):
    drawn = figure()
    shown_at = drawn.label_font_size * min(1, narrowest / drawn.width)
    assert shown_at >= MIN_LABEL_PX
    html = render_to_string("groups/includes/attack_map.html", {"attack_map": drawn})
    assert f'font-size="{drawn.label_font_size}"' in html


@pytest.mark.parametrize("codes", [["SG"], [], [""], ["XK"]])
def test_no_country_or_one_without_an_outline_gives_no_map(codes):
    assert locator_map(codes) is None
    assert attack_map([], shaded=dict.fromkeys(codes, "")) is None


def test_the_include_shades_countries_and_lists_them_as_text():
    html = render_to_string("groups/includes/attack_map.html", {"attack_map": attack_map([], shaded={"PK": "3 attacks"}), "legend": True})
    assert 'class="map-country map-shaded"' in html and "<title>Pakistan (3 attacks)</title>" in html
    assert "Shaded: Pakistan (3 attacks)." in html.split("<desc", 1)[1].split("</desc>", 1)[0]
    caption = html.split("<figcaption>", 1)[1]
    assert "none has recorded coordinates" in caption and "Pakistan (3 attacks)" in caption
    assert "<a href" not in html  # nothing to follow on a map of countries only


def test_a_marker_without_an_address_is_no_link():
    html = render_to_string("groups/includes/attack_map.html", {"attack_map": attack_map([QUETTA_NAMED])})
    assert "<a href" not in html and 'class="map-point"' in html and ">Quetta</text>" in html


def test_a_map_is_drawn_once_for_the_same_places_and_countries():
    first = attack_map([], shaded={"pk": "2 attacks", "af": ""})
    assert attack_map([], shaded={"PK": "2 attacks", "AF": ""}) is first  # remembered, codes in either case
    other = attack_map([], shaded={"AF": "", "PK": "2 attacks"})
    assert other is not first and [c.code for c in other.shaded] == ["AF", "PK"]  # the order given is kept
    assert attack_map([], shaded={"PK": "3 attacks", "AF": ""}) is not first
