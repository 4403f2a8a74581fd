"""Rebuild groups/figures/data/country_outlines.json from world-atlas's Natural Earth 1:110m countries.

Usage (from the repository root):

    npm pack world-atlas@2.0.2
    .venv/bin/python scripts/build_country_outlines.py world-atlas-2.0.2.tgz

The argument is the npm tarball or the `countries-110m.json` inside it. The TopoJSON is decoded
with the standard library; django-countries (already a dependency) only turns the ISO numeric ids
into the alpha-2 codes the rest of the site uses.

The output is a JSON list, one entry per country:

    {"name": "Pakistan", "code": "PK", "bbox": [west, south, east, north], "label": [lon, lat],
     "polygons": [[[[lon, lat], ...], ...], ...]}

Each polygon is a list of rings (the outer ring, then any holes); a ring does not repeat its
first point at the end. Coordinates are degrees rounded to 2 decimals (about 1 km), which is
finer than the 1:110m source. Rings that cross the antimeridian (Russia's Chukotka, Fiji) are
cut there so that every polygon can be drawn on a flat map without a stripe across the world.
"""

from __future__ import annotations

import argparse
import json
import math
import tarfile
from pathlib import Path

TOPOJSON_MEMBER = "package/countries-110m.json"
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "groups" / "figures" / "data" / "country_outlines.json"
DECIMALS = 2

Point = tuple[float, float]
Ring = list[Point]
Polygon = list[Ring]


def read_topology(source: Path) -> dict:
    """The TopoJSON document, read from the npm tarball or from the extracted JSON file."""
    if source.name.endswith((".tgz", ".tar.gz")):
        with tarfile.open(source) as tarball:
            member = tarball.extractfile(TOPOJSON_MEMBER)
            if member is None:
                raise SystemExit(f"{source} has no {TOPOJSON_MEMBER}")
            return json.load(member)
    return json.loads(source.read_text())


def decode_arcs(topology: dict) -> list[Ring]:
    """Every arc as absolute [lon, lat] points: arcs are quantized and delta-encoded."""
    (scale_x, scale_y), (translate_x, translate_y) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for encoded in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in encoded:
            x += dx
            y += dy
            points.append((x * scale_x + translate_x, y * scale_y + translate_y))
        arcs.append(points)
    return arcs


def stitch_ring(arc_indexes: list[int], arcs: list[Ring]) -> Ring:
    """A closed ring from its arcs; a negative index ~i means arc i walked backwards."""
    ring: Ring = []
    for index in arc_indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Consecutive arcs share their joining point.
        ring.extend(points if not ring else points[1:])
    return ring


def antimeridian_crossings(ring: Ring) -> int:
    return sum(1 for (lon_a, _), (lon_b, _) in zip(ring, ring[1:], strict=False) if abs(lon_b - lon_a) > 180)


def unwrap(ring: Ring) -> Ring:
    """The ring with continuous longitudes, going past ±180 instead of jumping across the map."""
    shift = 0.0
    unwrapped = [ring[0]]
    for (previous_lon, _), (lon, lat) in zip(ring, ring[1:], strict=False):
        if lon - previous_lon > 180:
            shift -= 360
        elif previous_lon - lon > 180:
            shift += 360
        unwrapped.append((lon + shift, lat))
    return unwrapped


def clip_to_side(ring: Ring, meridian: float, *, keep_east: bool) -> Ring:
    """Sutherland–Hodgman clipping of a ring against one meridian (a straight line on the flat map)."""

    def inside(point: Point) -> bool:
        return point[0] >= meridian if keep_east else point[0] <= meridian

    def crossing(a: Point, b: Point) -> Point:
        t = (meridian - a[0]) / (b[0] - a[0])
        return (meridian, a[1] + t * (b[1] - a[1]))

    clipped: Ring = []
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        if inside(b):
            if not inside(a):
                clipped.append(crossing(a, b))
            clipped.append(b)
        elif inside(a):
            clipped.append(crossing(a, b))
    return clipped


def split_at_antimeridian(polygon: Polygon) -> list[Polygon]:
    """The polygon as drawable pieces on a flat map.

    A ring that crosses ±180 an even number of times (Chukotka, Fiji) is unwrapped and cut at
    the meridian, and the far piece moved back by 360°. A ring that crosses it an odd number of
    times goes round a pole (Antarctica): drawn flat, its jump is its edge along the bottom of
    the map, so it stays as it is.
    """
    outer = polygon[0]
    crossings = antimeridian_crossings(outer + outer[:1])
    if crossings == 0 or crossings % 2:
        return [polygon]
    # The holes of the 110m countries never straddle the antimeridian; they go with the outer ring.
    unwrapped = unwrap(outer)
    meridian = 180.0 if max(lon for lon, _ in unwrapped) > 180 else -180.0
    near_side = clip_to_side(unwrapped, meridian, keep_east=meridian < 0)
    far_side = clip_to_side(unwrapped, meridian, keep_east=meridian > 0)
    back = -360.0 if meridian > 0 else 360.0
    pieces = [[near_side, *polygon[1:]], [[(lon + back, lat) for lon, lat in far_side]]]
    return [piece for piece in pieces if len(piece[0]) >= 3]


def rounded_ring(ring: Ring) -> list[list[float]]:
    """The ring rounded to DECIMALS, without repeated points or the closing copy of the first one."""
    rounded: list[list[float]] = []
    for lon, lat in ring:
        point = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not rounded or point != rounded[-1]:
            rounded.append(point)
    while len(rounded) > 1 and rounded[-1] == rounded[0]:
        rounded.pop()
    return rounded


def ring_area(ring: list[list[float]]) -> float:
    """Planar area in square degrees (shoelace formula), unsigned."""
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def label_point(polygon: list[list[list[float]]]) -> list[float]:
    """A point well inside the polygon for its name: the grid point farthest from any edge.

    The centre of the bounding box can fall outside a crescent-shaped country (Chile, Croatia);
    a coarse search, refined twice around the best point, is plenty for labels.
    """
    outer = polygon[0]
    lons, lats = [p[0] for p in outer], [p[1] for p in outer]
    west, south, east, north = min(lons), min(lats), max(lons), max(lats)
    # Compare distances on the ground, not in degrees of longitude.
    lon_factor = math.cos(math.radians((south + north) / 2))
    best, best_distance = [(west + east) / 2, (south + north) / 2], -math.inf
    step_lon, step_lat = (east - west) / 16, (north - south) / 16
    centre = best
    for _ in range(3):
        for i in range(-8, 9):
            for j in range(-8, 9):
                candidate = [centre[0] + i * step_lon, centre[1] + j * step_lat]
                distance = signed_edge_distance(candidate, polygon, lon_factor)
                if distance > best_distance:
                    best, best_distance = candidate, distance
        centre = best
        step_lon, step_lat = step_lon / 8, step_lat / 8
    return [round(best[0], DECIMALS), round(best[1], DECIMALS)]


def signed_edge_distance(point: list[float], polygon: list[list[list[float]]], lon_factor: float) -> float:
    """Distance to the nearest edge, negative outside the polygon (or inside a hole)."""
    x, y = point[0] * lon_factor, point[1]
    inside = False
    nearest = math.inf
    for ring in polygon:
        for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
            ax, ay, bx, by = a[0] * lon_factor, a[1], b[0] * lon_factor, b[1]
            if (ay > y) != (by > y) and x < (bx - ax) * (y - ay) / (by - ay) + ax:
                inside = not inside
            dx, dy = bx - ax, by - ay
            length_squared = dx * dx + dy * dy
            t = 0.0 if length_squared == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length_squared))
            nearest = min(nearest, math.hypot(x - ax - t * dx, y - ay - t * dy))
    return nearest if inside else -nearest


def alpha2_code(numeric_id: str | None) -> str:
    """The ISO alpha-2 code for a numeric id; "" for places without one (Kosovo, Somaliland, N. Cyprus)."""
    if not numeric_id:
        return ""
    from django.conf import settings

    if not settings.configured:
        # Only the code tables are needed; without translations no app registry is required.
        settings.configure(USE_I18N=False)
    from django_countries import countries

    return countries.alpha2(numeric_id)


def country_outline(geometry: dict, arcs: list[Ring]) -> dict:
    polygon_arcs = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    polygons = []
    for rings in polygon_arcs:
        for piece in split_at_antimeridian([stitch_ring(ring, arcs) for ring in rings]):
            # Rounding can flatten a tiny island or lake into a line or a dot.
            outer, *holes = (rounded_ring(ring) for ring in piece)
            if len(outer) >= 3 and ring_area(outer) > 0:
                polygons.append([outer, *(hole for hole in holes if len(hole) >= 3 and ring_area(hole) > 0)])
    points = [point for polygon in polygons for point in polygon[0]]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    largest = max(polygons, key=lambda polygon: ring_area(polygon[0]))
    return {
        "name": geometry["properties"]["name"],
        "code": alpha2_code(geometry.get("id")),
        "bbox": [min(lons), min(lats), max(lons), max(lats)],
        "label": label_point(largest),
        "polygons": polygons,
    }


def build(topology: dict) -> list[dict]:
    arcs = decode_arcs(topology)
    outlines = [country_outline(geometry, arcs) for geometry in topology["objects"]["countries"]["geometries"]]
    return sorted(outlines, key=lambda outline: outline["name"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="world-atlas-2.0.2.tgz, or the countries-110m.json inside it")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    arguments = parser.parse_args()
    outlines = build(read_topology(arguments.source))
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    # One country per line: compact, yet a rebuild shows as a readable diff.
    lines = (json.dumps(outline, separators=(",", ":"), ensure_ascii=False) for outline in outlines)
    arguments.output.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
    print(f"Wrote {len(outlines)} countries to {arguments.output} ({arguments.output.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
